import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import type { AttendanceFlag, MonthFigures, Tally } from '../../domain/attendance.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { pupilNames, type PupilName } from '../attendance/repository.ts'
import { referralText } from '../attendance/routes.ts'
import { pupilAttendance } from '../attendance/service.ts'
import { chronologySources, type ChronologyEntry } from '../chronology/chronology.ts'
import { concernReaders } from '../concerns/service.ts'
import { ukToday, type Staff } from '../pupils/service.ts'
import { renderReferralPackPdf } from './pdf.ts'

/**
 * The referral pack for the local authority (R-ATT-1, issue 11 point 4, docs/decisions/0027): one PDF per pupil
 * with the attendance summary and monthly chart, the visits and their records, agreements and letters sent.
 * The pack is read as a senior leader reads it (every visit, no safeguarding detail) unless someone in the DSL
 * team chooses to include the concern detail; that choice is in the audit entry of the pack. The PDF is kept as
 * produced, so the pack marked sent is the one the local authority has.
 */

/** Who produces packs and marks them sent: the attendance lead (a senior leader) and the DSL team, as the flags. */
export { attendanceFlagReaders as referralPackMakers } from '../attendance/access.ts'
/** Who may include safeguarding concern detail in a pack: the roles that read it (the DSL team). */
export const concernIncluders = concernReaders

/** The roles a pack is read with when concern detail is left out: sees every visit, reads no safeguarding detail. */
const WITHOUT_CONCERNS: readonly SchoolRole[] = ['slt']

export type PackSection = { heading: string; empty: string; entries: ChronologyEntry[] }
export type ReferralPack = {
  schoolName: string
  pupil: PupilName
  producedOn: string
  producedBy: string
  includesConcerns: boolean
  attendance: { asOf: string; yearStart: string; year: Tally; months: MonthFigures[]; flags: AttendanceFlag[]; rule: string; threshold: number | null } | undefined
  sections: PackSection[]
}

const AGREEMENTS = new Set(['Agreement', 'Agreement review'])
const LETTERS = new Set(['Letter'])

/** The pack's model: the same for the PDF and for the page that shows what it will hold. */
export async function referralPackModel(db: Db, staff: Staff, pupilId: string, includeConcerns: boolean, now: Date): Promise<ReferralPack> {
  const [pupil] = await pupilNames(db, staff.schoolId, [pupilId])
  if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
  const school = await db.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [staff.schoolId])
  const figures = await pupilAttendance(db, staff.schoolId, pupilId, now)
  const viewer = { userId: staff.actor.userId ?? '', roles: includeConcerns ? staff.roles : WITHOUT_CONCERNS }
  const entries: ChronologyEntry[] = []
  for (const source of chronologySources) entries.push(...(await source(db, staff.schoolId, pupilId, viewer, now)))
  entries.sort((a, b) => a.at.getTime() - b.at.getTime() || a.category.localeCompare(b.category))
  return {
    schoolName: school.rows[0]?.name ?? '',
    pupil,
    producedOn: ukToday(now),
    producedBy: staff.actor.name,
    includesConcerns: includeConcerns,
    attendance: figures && {
      asOf: figures.asOf,
      yearStart: figures.yearStart,
      year: figures.year,
      months: figures.months,
      flags: figures.flags,
      rule: referralText(figures.referral),
      threshold: figures.referral?.belowPercent ?? null,
    },
    sections: [
      { heading: 'Visits, records and what followed', empty: 'No home visits have been recorded.', entries: entries.filter((e) => !AGREEMENTS.has(e.category) && !LETTERS.has(e.category)) },
      { heading: 'Agreements with the family', empty: 'No agreements have been recorded.', entries: entries.filter((e) => AGREEMENTS.has(e.category)) },
      { heading: 'Letters sent', empty: 'No letters have been sent.', entries: entries.filter((e) => LETTERS.has(e.category)) },
    ],
  }
}

export type PackRow = {
  id: string
  pupilId: string
  pupilName: string
  yearGroup: string
  producedAt: Date
  producedByName: string
  includesConcerns: boolean
  asOf: string | null
  entries: number
  sentOn: string | null
  sentByName: string | null
}

const packColumns = `r.id, r.pupil_id AS "pupilId", p.first_name || ' ' || p.last_name AS "pupilName", p.year_group AS "yearGroup",
  r.produced_at AS "producedAt", r.produced_by_name AS "producedByName", r.includes_concerns AS "includesConcerns",
  to_char(r.as_of, 'YYYY-MM-DD') AS "asOf", r.entries, to_char(r.sent_on, 'YYYY-MM-DD') AS "sentOn", r.sent_by_name AS "sentByName"`

export async function listPacks(db: Db, schoolId: string, pupilId?: string): Promise<PackRow[]> {
  const { rows } = await db.query<PackRow>(
    `SELECT ${packColumns} FROM referral_packs r JOIN pupils p ON p.school_id = r.school_id AND p.id = r.pupil_id
      WHERE r.school_id = $1 AND ($2::uuid IS NULL OR r.pupil_id = $2) ORDER BY r.produced_at DESC, r.id`,
    [schoolId, pupilId ?? null],
  )
  return rows
}

export async function findPack(db: Db, schoolId: string, packId: string): Promise<PackRow | undefined> {
  const { rows } = await db.query<PackRow>(
    `SELECT ${packColumns} FROM referral_packs r JOIN pupils p ON p.school_id = r.school_id AND p.id = r.pupil_id WHERE r.school_id = $1 AND r.id = $2`,
    [schoolId, packId],
  )
  return rows[0]
}

/** Produces a pupil's pack: the PDF, kept, and the audit entry, in one transaction. */
export async function produceReferralPack(pool: Pool, staff: Staff, pupilId: string, includeConcerns: boolean, now: Date): Promise<string> {
  if (includeConcerns && !holdsAnyRole(staff.roles, concernIncluders)) {
    throw new ValidationError([{ field: 'includeConcerns', message: 'Only the DSL team can include safeguarding concern detail in a referral pack' }])
  }
  return inTransaction(pool, async (client) => {
    const pack = await referralPackModel(client, staff, pupilId, includeConcerns, now)
    const pdf = await renderReferralPackPdf(pack)
    const entries = pack.sections.reduce((n, s) => n + s.entries.length, 0)
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO referral_packs (school_id, pupil_id, produced_at, produced_by, produced_by_name, includes_concerns, as_of, entries, pdf)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [staff.schoolId, pupilId, now, staff.actor.userId, staff.actor.name, includeConcerns, pack.attendance?.asOf ?? null, entries, pdf],
    )
    const id = rows[0]!.id
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'referral_pack.produced',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Produced the local authority referral pack for ${pack.pupil.name} (${entries} ${entries === 1 ? 'entry' : 'entries'}; ${includeConcerns ? 'safeguarding concern detail included' : 'no safeguarding concern detail'})`,
      change: { packId: id, includesConcerns: includeConcerns, entries, attendanceAsOf: pack.attendance?.asOf ?? null },
    }, now)
    return id
  })
}

/** The kept PDF. A pack with concern detail is only for the DSL team; every download is in the audit history. */
export async function downloadPack(pool: Pool, staff: Staff, packId: string, now: Date): Promise<{ pdf: Buffer; filename: string }> {
  return inTransaction(pool, async (client) => {
    const pack = await findPack(client, staff.schoolId, packId)
    if (!pack) throw new NotFoundError('There is no referral pack with that id in this school.')
    if (pack.includesConcerns && !holdsAnyRole(staff.roles, concernIncluders)) throw new ForbiddenError('This referral pack includes safeguarding concern detail: only the DSL team can open it.')
    const { rows } = await client.query<{ pdf: Buffer }>('SELECT pdf FROM referral_packs WHERE school_id = $1 AND id = $2', [staff.schoolId, packId])
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'referral_pack.downloaded', subjectType: 'pupil', subjectId: pack.pupilId, summary: `Opened the referral pack for ${pack.pupilName} produced on ${pack.producedAt.toISOString().slice(0, 10)}`, change: { packId } }, now)
    const slug = pack.pupilName.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/\s+/g, '-') || 'pupil'
    return { pdf: rows[0]!.pdf, filename: `referral-pack-${slug}.pdf` }
  })
}

/** Parses a day/month/year the local authority received the pack: a real date, not in the future, not before it was produced. */
export function sentOnFrom(parts: { day?: string; month?: string; year?: string }, producedOn: string, today: string): string {
  const [day, month, year] = [parts.day, parts.month, parts.year].map((p) => (p ?? '').trim())
  const field = 'sentOn'
  if (!day && !month && !year) throw new ValidationError([{ field, message: 'Enter the date the pack was sent to the local authority' }])
  if (!/^\d{1,2}$/.test(day!) || !/^\d{1,2}$/.test(month!) || !/^\d{4}$/.test(year!)) throw new ValidationError([{ field, message: 'The date the pack was sent must be a real date, for example 27 11 2026' }])
  const iso = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`
  const parsed = new Date(`${iso}T00:00:00Z`)
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) throw new ValidationError([{ field, message: 'The date the pack was sent must be a real date, for example 27 11 2026' }])
  if (iso > today) throw new ValidationError([{ field, message: 'The date the pack was sent must be today or in the past' }])
  if (iso < producedOn) throw new ValidationError([{ field, message: 'The date the pack was sent cannot be before it was produced' }])
  return iso
}

/** Marks a pack sent to the local authority, with the date and who; once. */
export async function markPackSent(pool: Pool, staff: Staff, packId: string, sentOn: { day?: string; month?: string; year?: string } | string, now: Date): Promise<PackRow> {
  return inTransaction(pool, async (client) => {
    const pack = await findPack(client, staff.schoolId, packId)
    if (!pack) throw new NotFoundError('There is no referral pack with that id in this school.')
    if (pack.sentOn) throw new ValidationError([{ field: 'sentOn', message: `This pack was already marked sent by ${pack.sentByName}` }])
    const parts = typeof sentOn === 'string' ? { year: sentOn.slice(0, 4), month: sentOn.slice(5, 7), day: sentOn.slice(8, 10) } : sentOn
    if (typeof sentOn === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(sentOn)) throw new ValidationError([{ field: 'sentOn', message: 'The date the pack was sent must be a date as YYYY-MM-DD' }])
    const on = sentOnFrom(parts, ukToday(pack.producedAt), ukToday(now))
    await client.query('UPDATE referral_packs SET sent_on = $3, sent_at = $4, sent_by = $5, sent_by_name = $6 WHERE school_id = $1 AND id = $2', [staff.schoolId, packId, on, now, staff.actor.userId, staff.actor.name])
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'referral_pack.sent', subjectType: 'pupil', subjectId: pack.pupilId, summary: `Marked the referral pack for ${pack.pupilName} sent to the local authority on ${on}`, change: { packId, sentOn: on } }, now)
    return (await findPack(client, staff.schoolId, packId))!
  })
}
