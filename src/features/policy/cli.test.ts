import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, it } from 'node:test'
import { policyDocument, renderPolicyText } from '../../policy/document.ts'
import { getPreset, listPresets } from '../../policy/presets.ts'

/**
 * `npm run doorstep -- policy …`, run as a real process. These commands need no database: they are run
 * with a DATABASE_URL nothing listens on and a data directory that does not exist, so opening either fails.
 */
const root = path.resolve(import.meta.dirname, '..', '..', '..')

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], {
      cwd: root,
      // Only these settings: nothing inherited could point the command at a real database.
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/no_database', DOORSTEP_DATA_DIR: path.join(root, '.tmp', 'no-such-data-dir'), NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

describe('doorstep policy', () => {
  it('R-GOV-1 policy presets lists each preset’s id, name and summary without a database', async () => {
    const run = await cli(['policy', 'presets'])
    assert.equal(run.status, 0, run.stderr)
    assert.equal(run.stderr, '')
    for (const preset of listPresets()) {
      assert.ok(run.stdout.includes(`${preset.id}\n  ${preset.name}\n  ${preset.summary}\n`), preset.id)
    }
  })

  it('R-GOV-1 policy render prints a preset as the policy document, without a database', async () => {
    const run = await cli(['policy', 'render', 'westside-2025'])
    assert.equal(run.status, 0, run.stderr)
    const expected = renderPolicyText(policyDocument(getPreset('westside-2025')!.policy, { schoolName: 'Westside School' }))
    assert.equal(run.stdout, expected)
    assert.match(run.stdout, /^Westside School: Home Visit Policy\n=+\n/)
    assert.match(run.stdout, /The school office calls you 10 minutes after the scheduled start of the\n\s+visit\./)

    const named = await cli(['policy', 'render', 'harton-academy-2024', '--school', 'Riverside Primary'])
    assert.equal(named.status, 0, named.stderr)
    assert.match(named.stdout, /^Riverside Primary: Home Visits Policy\n/)
  })

  it('R-GOV-1 an unknown preset is a usage error (exit 2) that lists the presets', async () => {
    const run = await cli(['policy', 'render', 'eastside-2030'])
    assert.equal(run.status, 2)
    assert.equal(run.stdout, '')
    assert.match(
      run.stderr,
      /^There is no policy preset "eastside-2030"\. The presets are: harton-academy-2024, kings-academy-gomer-2024, morecambe-road-2024, westside-2025, wna-protocol-2017\.\n\nUsage: npm run doorstep -- policy render <preset> \[--school "<name>"\]/,
    )
    const missing = await cli(['policy', 'render'])
    assert.equal(missing.status, 2)
    assert.match(missing.stderr, /Name the preset to render\. The presets are: harton-academy-2024/)
  })
})
