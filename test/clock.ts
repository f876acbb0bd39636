import type { Clock } from '../src/clock.ts'

/**
 * The moment every test starts from: the demo template is seeded at it and every test app's
 * clock starts at it, so what a test sees never depends on the day the suite runs
 * (`npm test` also runs the integration tests with the machine's clock a year ahead).
 * A Wednesday in term time, 10:00 in London.
 */
export const TEST_EPOCH = new Date('2026-11-25T10:00:00Z')

export type FixedClock = Clock & { advance(ms: number): void; set(date: Date): void }

/** A clock that stands still until a test moves it. */
export function fixedClock(start = TEST_EPOCH): FixedClock {
  let now = start.getTime()
  const clock = (() => new Date(now)) as FixedClock
  clock.advance = (ms: number) => {
    now += ms
  }
  clock.set = (date: Date) => {
    now = date.getTime()
  }
  return clock
}

/**
 * A clock that starts at `start` and runs at real speed (for browser journeys and anything with
 * real timers), moved on by `advance`.
 */
export function runningClock(start = TEST_EPOCH): FixedClock {
  let offset = start.getTime() - performance.timeOrigin - performance.now()
  const clock = (() => new Date(performance.timeOrigin + performance.now() + offset)) as FixedClock
  clock.advance = (ms: number) => {
    offset += ms
  }
  clock.set = (date: Date) => {
    offset = date.getTime() - performance.timeOrigin - performance.now()
  }
  return clock
}
