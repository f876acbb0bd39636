import type { DemoSeeder } from '../../demo/seed.ts'
import { addDaysIso } from '../../domain/attendance.ts'
import { ukToday } from '../pupils/service.ts'

/**
 * Demo attendance (R-ATT-1): 20 weeks of session marks for every demo pupil, up to the day before the seed clock,
 * with school holidays marked "#". Deterministic: the same clock gives the same marks. In each school the pupil
 * with the lowest attendance on record falls month by month (flagged under Westside's and Morecambe Road's rules,
 * and nationally), the next is persistently absent through illness, the third took a week's holiday in term time
 * (a penalty notice to consider); the rest attend well. The figures typed on the demo pupils' records are kept
 * (other features' tests read them); a real import updates them.
 */

/** A made-up school calendar: summer, Christmas, Easter and the half terms. */
export function isDemoHoliday(date: string): boolean {
  const month = Number(date.slice(5, 7))
  const day = Number(date.slice(8, 10))
  const weekOf = (m: number, d: number) => {
    const anchor = `${date.slice(0, 4)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
    const dow = (new Date(`${anchor}T00:00:00Z`).getUTCDay() + 6) % 7
    const monday = addDaysIso(anchor, -dow)
    return date >= monday && date <= addDaysIso(monday, 6)
  }
  return (
    month === 8 || (month === 9 && day <= 2) || (month === 7 && day >= 23) || (month === 12 && day >= 21) || (month === 1 && day <= 2) ||
    (month === 4 && day <= 14) || weekOf(10, 28) || weekOf(2, 16) || weekOf(5, 28)
  )
}

/** A number from 0 to 999 for a pupil and a session, the same every time. */
function chance(pupil: number, date: string, session: number): number {
  const day = Math.round(new Date(`${date}T00:00:00Z`).getTime() / 86_400_000)
  let h = (pupil * 2654435761) ^ (day * 40503) ^ (session * 97)
  h = Math.imul(h ^ (h >>> 15), 2246822507)
  h = Math.imul(h ^ (h >>> 13), 3266489909)
  return ((h ^ (h >>> 16)) >>> 0) % 1000
}

function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7))
}

/** The demo mark for a pupil (their order in the school, from 1) on a school day. */
export function demoMark(pupil: number, date: string, session: 'AM' | 'PM', today: string): string {
  const roll = chance(pupil, date, session === 'AM' ? 1 : 2)
  const present = session === 'AM' ? '/' : '\\'
  if (pupil === 1) {
    // Falling about ten points a month: 95 % five months back, 45 % this month, most of it unexplained.
    const target = 45 + 10 * Math.min(5, monthsBetween(date, today))
    if (roll < target * 10) return roll % 17 === 0 ? 'L' : present
    return roll % 3 === 0 ? 'I' : roll % 3 === 1 ? 'N' : 'O'
  }
  if (pupil === 2) return roll < 860 ? present : roll < 960 ? 'I' : 'M'
  if (pupil === 3) {
    const holidayWeek = addDaysIso(today, -21)
    const dow = (new Date(`${holidayWeek}T00:00:00Z`).getUTCDay() + 6) % 7
    const monday = addDaysIso(holidayWeek, -dow)
    if (date >= monday && date <= addDaysIso(monday, 4)) return 'G'
  }
  if (roll < 965) return roll % 41 === 0 ? 'L' : present
  return ['I', 'M', 'V', 'I', 'P', 'I', 'R'][roll % 7]!
}

export const seedAttendanceDemo: DemoSeeder = async (client, schools, now) => {
  const today = ukToday(now)
  const from = addDaysIso(today, -140)
  const to = addDaysIso(today, -1)
  for (const school of schools) {
    const { rows: pupils } = await client.query<{ id: string }>('SELECT id FROM pupils WHERE school_id = $1 ORDER BY attendance_percent NULLS LAST, created_at, upn, id', [school.id])
    const marks: Array<{ pupilId: string; date: string; session: 'AM' | 'PM'; code: string }> = []
    pupils.forEach((pupil, index) => {
      for (let date = from; date <= to; date = addDaysIso(date, 1)) {
        const dow = new Date(`${date}T00:00:00Z`).getUTCDay()
        if (dow === 0 || dow === 6) continue
        for (const session of ['AM', 'PM'] as const) {
          marks.push({ pupilId: pupil.id, date, session, code: isDemoHoliday(date) ? '#' : demoMark(index + 1, date, session, today) })
        }
      }
    })
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO attendance_imports (school_id, period_from, period_to, marks, pupils, source, file_name, imported_by_name, imported_at)
       VALUES ($1, $2, $3, $4, $5, 'file', 'demo-mis-export.csv', 'Doorstep demo set-up', $6) RETURNING id`,
      [school.id, from, to, marks.length, pupils.length, now],
    )
    await client.query(
      `INSERT INTO attendance_marks (school_id, pupil_id, date, session, code, import_id)
       SELECT $1, p, d, s, c, $2 FROM unnest($3::uuid[], $4::date[], $5::text[], $6::text[]) AS t(p, d, s, c)`,
      [school.id, rows[0]!.id, marks.map((m) => m.pupilId), marks.map((m) => m.date), marks.map((m) => m.session), marks.map((m) => m.code)],
    )
  }
}
