import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { Db } from '../db/pool.ts'

/** Who made a change: a signed-in person, or Doorstep itself (seeding, the CLI). */
export type Actor = { userId: string | null; name: string }

export type AuditEntry = {
  schoolId: string | null
  actor: Actor
  action: string
  subjectType: string
  subjectId?: string | null
  summary: string
  change?: Record<string, unknown>
}

const GENESIS = '0'.repeat(64)

/**
 * Appends one entry to the audit history. Call it with the client of the transaction that
 * makes the change, so the change and its history are written together or not at all.
 * Entries of one chain (a school, or 'global') are serialised by a transaction-scoped lock.
 */
export async function recordAudit(client: pg.PoolClient, entry: AuditEntry, at: Date): Promise<void> {
  await recordAudits(client, [entry], at)
}

/**
 * Appends entries in order, taking each chain's lock once and writing each chain's entries in one
 * INSERT: two round trips per chain however many entries (the live write path records several per
 * transaction, and holds the school's lock from here to its commit, so every round trip after the lock
 * is one every other change in the school waits for).
 *
 * The lock and the read of the chain's last entry go in one simple-protocol query of two statements:
 * in READ COMMITTED each statement takes its own snapshot, so the read, made once the lock is held,
 * sees the entry of the transaction that held it before (one statement could not: its snapshot would
 * be from before the wait). The chain is a school's uuid or 'global', quoted as a literal.
 */
export async function recordAudits(client: pg.PoolClient, entries: readonly AuditEntry[], at: Date): Promise<void> {
  const chains = [...new Set(entries.map((entry) => entry.schoolId ?? 'global'))]
  for (const chain of chains) {
    const literal = client.escapeLiteral(chain)
    const results = (await client.query(
      `SELECT pg_advisory_xact_lock(hashtext(${client.escapeLiteral(`audit:${chain}`)})); SELECT seq, hash FROM audit_log WHERE chain = ${literal} ORDER BY seq DESC LIMIT 1`,
    )) as unknown as Array<pg.QueryResult<{ seq: number; hash: string }>>
    const rows = results[1]!.rows
    let prevHash = rows[0]?.hash ?? GENESIS
    let seq = rows[0]?.seq ?? 0
    const values: unknown[] = []
    const tuples: string[] = []
    for (const entry of entries.filter((e) => (e.schoolId ?? 'global') === chain)) {
      seq++
      const row: ChainedRow = {
        chain,
        seq,
        schoolId: entry.schoolId,
        actorUserId: entry.actor.userId,
        actorName: entry.actor.name,
        action: entry.action,
        subjectType: entry.subjectType,
        subjectId: entry.subjectId ?? null,
        summary: entry.summary,
        // Hash exactly what jsonb will hand back: dates become strings, undefined goes, and so on.
        change: JSON.parse(JSON.stringify(entry.change ?? {})) as unknown,
        at: at.toISOString(),
      }
      const hash = chainHash(prevHash, row)
      const base = values.length
      tuples.push(`(${Array.from({ length: 13 }, (_, i) => `$${base + i + 1}`).join(', ')})`)
      values.push(row.chain, row.seq, row.schoolId, row.actorUserId, row.actorName, row.action, row.subjectType, row.subjectId, row.summary, JSON.stringify(row.change), row.at, prevHash, hash)
      prevHash = hash
    }
    await client.query(
      `INSERT INTO audit_log (chain, seq, school_id, actor_user_id, actor_name, action, subject_type, subject_id,
                              summary, change, at, prev_hash, hash)
       VALUES ${tuples.join(', ')}`,
      values,
    )
  }
}

type ChainedRow = {
  chain: string
  seq: number
  schoolId: string | null
  actorUserId: string | null
  actorName: string
  action: string
  subjectType: string
  subjectId: string | null
  summary: string
  change: unknown
  at: string
}

function chainHash(prevHash: string, row: ChainedRow): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(row)).digest('hex')
}

/** JSON with object keys sorted, so the same content always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export type ChainBreak = { chain: string; seq: number; id: number; reason: string }

type StoredAuditRow = {
  id: number
  chain: string
  seq: number
  school_id: string | null
  actor_user_id: string | null
  actor_name: string
  action: string
  subject_type: string
  subject_id: string | null
  summary: string
  change: unknown
  at: Date
  prev_hash: string
  hash: string
}

/**
 * Recomputes every chain. Any edited, deleted or reordered row shows up as a break. Rows are read
 * in batches in (chain, seq) order, so years of history for hundreds of schools never sit in memory.
 */
export async function verifyAuditChains(db: Db, { batchSize = 5000 }: { batchSize?: number } = {}): Promise<{ checked: number; chains: number; breaks: ChainBreak[] }> {
  const breaks: ChainBreak[] = []
  let checked = 0
  let chains = 0
  let previous: { chain: string; seq: number; hash: string } | undefined
  for (;;) {
    const { rows } = previous
      ? await db.query<StoredAuditRow>('SELECT * FROM audit_log WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3', [previous.chain, previous.seq, batchSize])
      : await db.query<StoredAuditRow>('SELECT * FROM audit_log ORDER BY chain, seq LIMIT $1', [batchSize])
    for (const row of rows) {
      if (previous?.chain !== row.chain) chains++
      const expectedPrev = previous?.chain === row.chain ? previous.hash : GENESIS
      const expectedSeq = previous?.chain === row.chain ? previous.seq + 1 : 1
      const where = { chain: row.chain, seq: row.seq, id: row.id }
      if (row.seq !== expectedSeq) breaks.push({ ...where, reason: `expected entry ${expectedSeq}, found ${row.seq}: entries are missing` })
      if (row.prev_hash !== expectedPrev) breaks.push({ ...where, reason: 'does not link to the entry before it' })
      const recomputed = chainHash(row.prev_hash, {
        chain: row.chain,
        seq: row.seq,
        schoolId: row.school_id,
        actorUserId: row.actor_user_id,
        actorName: row.actor_name,
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        summary: row.summary,
        change: row.change,
        at: row.at.toISOString(),
      })
      if (recomputed !== row.hash) breaks.push({ ...where, reason: 'its content does not match its hash: it was changed' })
      previous = { chain: row.chain, seq: row.seq, hash: row.hash }
    }
    checked += rows.length
    if (rows.length < batchSize) break
  }
  return { checked, chains, breaks }
}

export type AuditFilter = {
  actorUserId?: string
  from?: string
  to?: string
  /** Only entries about these kinds of record (`subject_type`); all when left out. */
  subjectTypes?: readonly string[]
  limit: number
  offset: number
}

export type AuditRow = {
  id: number
  at: Date
  actorName: string
  actorUserId: string | null
  action: string
  subjectType: string
  subjectId: string | null
  summary: string
  change: Record<string, unknown>
}

/** A school's history, newest first. `from` and `to` are calendar dates (inclusive), UK time. */
export async function listAudit(db: Db, schoolId: string, filter: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
  const where = ['school_id = $1']
  const params: unknown[] = [schoolId]
  if (filter.actorUserId) {
    params.push(filter.actorUserId)
    where.push(`actor_user_id = $${params.length}`)
  }
  if (filter.from) {
    params.push(filter.from)
    where.push(`at >= ($${params.length}::date::timestamp AT TIME ZONE 'Europe/London')`)
  }
  if (filter.to) {
    params.push(filter.to)
    where.push(`at < (($${params.length}::date + 1)::timestamp AT TIME ZONE 'Europe/London')`)
  }
  if (filter.subjectTypes) {
    params.push(filter.subjectTypes)
    where.push(`subject_type = ANY($${params.length}::text[])`)
  }
  const clause = where.join(' AND ')
  const total = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM audit_log WHERE ${clause}`, params)
  const { rows } = await db.query(
    `SELECT id, at, actor_name AS "actorName", actor_user_id AS "actorUserId", action, subject_type AS "subjectType",
            subject_id AS "subjectId", summary, change
       FROM audit_log WHERE ${clause} ORDER BY at DESC, id DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`,
    params,
  )
  return { rows: rows as AuditRow[], total: total.rows[0]?.count ?? 0 }
}
