import type { Db } from '../../db/pool.ts'
import { addMonthsIso, attendanceFlags, byMonth, schoolYearStart, tally, type AttendanceFlag, type FlagKind, type MonthFigures, type Referral, type Tally } from '../../domain/attendance.ts'
import type { Policy } from '../../policy/schema.ts'
import { currentPolicy } from '../policy/repository.ts'
import { ukToday } from '../pupils/service.ts'
import { latestMarkDate, marksOf, pupilNames, type PupilMark, type PupilName } from './repository.ts'

/** How far back the flags look: the policy's window, and the school year with 10 school weeks before it. */
function lookbackFrom(asOf: string, referral: Referral): string {
  const yearBack = addMonthsIso(schoolYearStart(asOf), -5)
  const windowBack = addMonthsIso(asOf, -((referral?.windowMonths ?? 0) + 1))
  const chartBack = addMonthsIso(asOf, -12)
  return [yearBack, windowBack, chartBack].sort()[0]!
}

export const referralOf = (policy: Policy): Referral => policy.attendance.localAuthorityReferral

export type PupilAttendance = {
  asOf: string
  months: MonthFigures[]
  year: Tally
  yearStart: string
  flags: AttendanceFlag[]
  referral: Referral
}

/** A pupil's attendance for their page: the last 12 months by month, the school year, the flags; undefined with no marks. */
export async function pupilAttendance(db: Db, schoolId: string, pupilId: string, at: Date): Promise<PupilAttendance | undefined> {
  const asOf = await latestMarkDate(db, schoolId, ukToday(at), pupilId)
  if (!asOf) return undefined
  const { policy } = await currentPolicy(db, schoolId, at)
  const referral = referralOf(policy)
  const marks = await marksOf(db, schoolId, lookbackFrom(asOf, referral), asOf, [pupilId])
  const yearStart = schoolYearStart(asOf)
  const chartFrom = addMonthsIso(asOf, -12)
  return {
    asOf,
    months: byMonth(marks.filter((m) => m.date > chartFrom)).filter((m) => m.possible > 0).slice(-12),
    year: tally(marks.filter((m) => m.date >= yearStart)),
    yearStart,
    flags: attendanceFlags(marks, asOf, referral),
    referral,
  }
}

export type FlaggedPupil = { pupil: PupilName; year: Tally; flags: AttendanceFlag[] }

export type SchoolFlags = { asOf: string | undefined; pupils: FlaggedPupil[]; counts: Record<FlagKind, number>; pupilsWithMarks: number; year: Tally | undefined; referral: Referral }

const noCounts = (): Record<FlagKind, number> => ({ policy_below: 0, policy_falling: 0, severe: 0, persistent: 0, penalty_notice: 0 })

/** Every pupil the school's marks flag, as of the last day imported (up to `at`, or up to `upTo` for a report's period). */
export async function schoolFlags(db: Db, schoolId: string, at: Date, upTo?: string): Promise<SchoolFlags> {
  const { policy } = await currentPolicy(db, schoolId, at)
  const referral = referralOf(policy)
  const today = ukToday(at)
  const asOf = await latestMarkDate(db, schoolId, upTo && upTo < today ? upTo : today)
  if (!asOf) return { asOf, pupils: [], counts: noCounts(), pupilsWithMarks: 0, year: undefined, referral }
  const marks = await marksOf(db, schoolId, lookbackFrom(asOf, referral), asOf)
  const byPupil = new Map<string, PupilMark[]>()
  for (const mark of marks) byPupil.set(mark.pupilId, [...(byPupil.get(mark.pupilId) ?? []), mark])
  const yearStart = schoolYearStart(asOf)
  const flagged = new Map<string, { flags: AttendanceFlag[]; year: Tally }>()
  const counts = noCounts()
  for (const [pupilId, own] of byPupil) {
    const flags = attendanceFlags(own, asOf, referral)
    for (const flag of flags) counts[flag.kind]++
    if (flags.length) flagged.set(pupilId, { flags, year: tally(own.filter((m) => m.date >= yearStart)) })
  }
  const names = await pupilNames(db, schoolId, [...flagged.keys()])
  return {
    asOf,
    pupils: names.map((pupil) => ({ pupil, ...flagged.get(pupil.id)! })),
    counts,
    pupilsWithMarks: byPupil.size,
    year: tally(marks.filter((m) => m.date >= yearStart)),
    referral,
  }
}
