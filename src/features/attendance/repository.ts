import type { Db } from '../../db/pool.ts'
import type { Mark } from '../../domain/attendance.ts'

export type PupilMark = Mark & { pupilId: string }

/** The school's marks from `from` to `to` (both included), for every pupil or the ones given. */
export async function marksOf(db: Db, schoolId: string, from: string, to: string, pupilIds?: readonly string[]): Promise<PupilMark[]> {
  const { rows } = await db.query<PupilMark>(
    `SELECT pupil_id AS "pupilId", to_char(date, 'YYYY-MM-DD') AS date, session, code
     FROM attendance_marks
     WHERE school_id = $1 AND date BETWEEN $2 AND $3 AND ($4::uuid[] IS NULL OR pupil_id = ANY($4::uuid[]))
     ORDER BY pupil_id, date, session`,
    [schoolId, from, to, pupilIds ?? null],
  )
  return rows
}

/** The last day the school holds marks for, up to `today`; undefined before any import. */
export async function latestMarkDate(db: Db, schoolId: string, today: string, pupilId?: string): Promise<string | undefined> {
  const { rows } = await db.query<{ date: string | null }>(
    `SELECT to_char(max(date), 'YYYY-MM-DD') AS date FROM attendance_marks WHERE school_id = $1 AND date <= $2 AND ($3::uuid IS NULL OR pupil_id = $3)`,
    [schoolId, today, pupilId ?? null],
  )
  return rows[0]?.date ?? undefined
}

export type ImportRecord = { id: string; from: string; to: string; marks: number; pupils: number; replaced: number; source: string; fileName: string; byName: string; at: Date }

export async function listImports(db: Db, schoolId: string, limit = 10): Promise<ImportRecord[]> {
  const { rows } = await db.query<ImportRecord>(
    `SELECT id, to_char(period_from, 'YYYY-MM-DD') AS "from", to_char(period_to, 'YYYY-MM-DD') AS "to", marks, pupils, replaced, source,
            file_name AS "fileName", imported_by_name AS "byName", imported_at AS at
     FROM attendance_imports WHERE school_id = $1 ORDER BY imported_at DESC, id LIMIT $2`,
    [schoolId, limit],
  )
  return rows
}

export type PupilName = { id: string; name: string; yearGroup: string; upn: string | null }

export async function pupilNames(db: Db, schoolId: string, ids: readonly string[]): Promise<PupilName[]> {
  const { rows } = await db.query<PupilName>(
    `SELECT id, first_name || ' ' || last_name AS name, year_group AS "yearGroup", upn FROM pupils WHERE school_id = $1 AND id = ANY($2::uuid[]) ORDER BY last_name, first_name, id`,
    [schoolId, ids],
  )
  return rows
}
