import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { holdsAnyRole, type SchoolRole } from './roles.ts'

describe('holding a role', () => {
  const cases: Array<[readonly SchoolRole[], readonly SchoolRole[], boolean]> = [
    [['visitor'], ['visitor'], true],
    [['visitor', 'office'], ['office', 'dsl'], true],
    [['dsl', 'slt'], ['headteacher', 'slt'], true],
    [['visitor'], ['dsl', 'deputy_dsl', 'headteacher'], false],
    [['school_admin'], ['dsl', 'deputy_dsl', 'headteacher'], false],
    [[], ['visitor'], false],
    [['headteacher'], [], false],
  ]
  for (const [held, wanted, expected] of cases) {
    it(`R-CONF-1 someone holding [${held.join(', ')}] ${expected ? 'holds' : 'does not hold'} one of [${wanted.join(', ')}]`, () => {
      assert.equal(holdsAnyRole(held, wanted), expected)
    })
  }

  it('R-CONF-1 "holds any of these roles" is asked one way across the code (holdsAnyRole), not re-written in each feature', () => {
    const src = path.resolve(import.meta.dirname, '..')
    const files = fs
      .readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== path.join('domain', 'roles.ts'))
    const rewrites = files.flatMap((file) => {
      const text = fs.readFileSync(path.join(src, file), 'utf8')
      return /\.some\(\(role\) =>[^\n]*\.includes\(role\)/.test(text) || /\bholds(Any)?\s*=\s*\(/.test(text) ? [file] : []
    })
    assert.deepEqual(rewrites, [], 'use holdsAnyRole from src/domain/roles.ts')
  })
})
