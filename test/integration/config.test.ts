import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.ts'

const root = path.resolve(import.meta.dirname, '..', '..')

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return error.problems
  }
  assert.fail('expected a ConfigError')
}

describe('configuration (environment variables)', () => {
  it('the defaults: port 3000, 30-minute idle and 12-hour sessions, sign-in slowed after 5 failures by at most 60 seconds', () => {
    const config = loadConfig({})
    assert.equal(config.port, 3000)
    assert.equal(config.host, 'localhost')
    assert.equal(config.publicUrl.href, 'http://localhost:3000/')
    assert.equal(config.secureCookies, false)
    assert.equal(config.databaseUrl, undefined)
    assert.equal(config.demo, true)
    assert.deepEqual({ ...config.session }, { idleMinutes: 30, absoluteHours: 12 })
    assert.deepEqual({ ...config.signIn }, { maxFailures: 5, maxDelaySeconds: 60 })
    assert.ok(path.isAbsolute(config.dataDir))
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.session) && Object.isFrozen(config.signIn))
  })

  it('converts types: numbers, booleans, URLs', () => {
    const config = loadConfig({
      PORT: '8080',
      DOORSTEP_DEMO: 'no',
      PUBLIC_URL: 'https://doorstep.example.org',
      SESSION_IDLE_MINUTES: '45',
      SIGN_IN_MAX_FAILURES: '3',
      DATABASE_URL: 'postgresql://doorstep@db.internal:5432/doorstep',
    })
    assert.equal(config.port, 8080)
    assert.equal(config.demo, false)
    assert.equal(config.secureCookies, true)
    assert.equal(config.session.idleMinutes, 45)
    assert.equal(config.signIn.maxFailures, 3)
    assert.equal(config.databaseUrl, 'postgresql://doorstep@db.internal:5432/doorstep')
    for (const [value, expected] of [['1', true], ['true', true], ['on', true], ['yes', true], ['0', false], ['off', false], ['false', false]] as const) {
      assert.equal(loadConfig({ DOORSTEP_DEMO: value }).demo, expected, value)
    }
  })

  it('lists every bad variable, not only the first, each with what it should be', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DOORSTEP_DEMO: 'maybe',
      PUBLIC_URL: 'not a url',
      DATABASE_URL: 'mysql://root@localhost/doorstep',
      SESSION_IDLE_MINUTES: '0',
      SIGN_IN_MAX_FAILURES: '2.5',
      LOG_LEVEL: 'loud',
    })
    const byVariable = new Map(problems.map((p) => [p.split(':')[0], p]))
    assert.deepEqual([...byVariable.keys()].sort(), ['DATABASE_URL', 'DOORSTEP_DEMO', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'SESSION_IDLE_MINUTES', 'SIGN_IN_MAX_FAILURES'])
    assert.match(byVariable.get('PORT')!, /port number/)
    assert.match(byVariable.get('DOORSTEP_DEMO')!, /one of 1, 0, true, false, yes, no, on, off/)
    assert.match(byVariable.get('PUBLIC_URL')!, /must be a URL/)
    assert.match(byVariable.get('DATABASE_URL')!, /postgres:\/\//)
    const error = (() => {
      try {
        loadConfig({ PORT: 'abc', DOORSTEP_DEMO: 'maybe' })
      } catch (e) {
        return e as Error
      }
    })()
    assert.match(error!.message, /fix these environment variables:\n {2}- PORT: .*\n {2}- DOORSTEP_DEMO: /)
  })

  it('TRUST_PROXY: false by default; true, a number of hops, or a list of proxy addresses', () => {
    assert.equal(loadConfig({}).trustProxy, false)
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2)
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1' }).trustProxy, ['10.0.0.1', '10.1.0.0/16', '::1'])
    assert.match(problemsOf({ TRUST_PROXY: 'the load balancer' })[0]!, /^TRUST_PROXY: must be false, true, a number of proxy hops/)
  })

  it('out-of-range numbers are refused', () => {
    assert.deepEqual(problemsOf({ PORT: '70000' }).map((p) => p.split(':')[0]), ['PORT'])
    assert.deepEqual(problemsOf({ SESSION_ABSOLUTE_HOURS: '1000' }).map((p) => p.split(':')[0]), ['SESSION_ABSOLUTE_HOURS'])
    assert.deepEqual(problemsOf({ SIGN_IN_MAX_DELAY_SECONDS: '-5' }).map((p) => p.split(':')[0]), ['SIGN_IN_MAX_DELAY_SECONDS'])
    assert.deepEqual(problemsOf({ SIGN_IN_MAX_DELAY_SECONDS: '3601' }).map((p) => p.split(':')[0]), ['SIGN_IN_MAX_DELAY_SECONDS'])
  })

  it('a variable set to nothing (PORT= in an env file) counts as not set, not as 0', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', SESSION_IDLE_MINUTES: '', DOORSTEP_DEMO: '', PUBLIC_URL: '' })
    assert.equal(config.port, 3000)
    assert.equal(config.databaseUrl, undefined)
    assert.equal(config.session.idleMinutes, 30)
    assert.equal(config.demo, true)
    assert.equal(config.publicUrl.href, 'http://localhost:3000/')
  })

  it('the server refuses to start with bad variables: exits non-zero and prints every problem', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorstep-config-'))
    fs.rmdirSync(dataDir)
    const result = spawnSync(process.execPath, ['src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'abc', DOORSTEP_DEMO: 'maybe', DOORSTEP_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(result.error, undefined, 'it exits by itself')
    assert.notEqual(result.status, 0)
    assert.match(result.stderr, /Doorstep cannot start/)
    assert.match(result.stderr, /PORT: must be a port number/)
    assert.match(result.stderr, /DOORSTEP_DEMO: must be one of/)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
    assert.equal(fs.existsSync(dataDir), false, 'no database was started')
  })
})
