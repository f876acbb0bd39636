import { verifyAuditChains } from '../audit/audit.ts'
import { parseOptions, type Command } from './command.ts'

/**
 * Recomputes the hash chain of every school's audit history (and the global one) and says
 * whether any entry was changed, removed or reordered after it was written.
 */
export const auditVerify: Command = {
  name: 'audit verify',
  summary: 'Check that no audit history entry has been changed or removed',
  usage: '',
  async run({ args, out, database }) {
    parseOptions(args, {})
    const { pool } = await database()
    const { checked, chains, breaks } = await verifyAuditChains(pool)
    if (breaks.length === 0) {
      out(`Audit history intact: ${checked} entries in ${chains} chains`)
      return 0
    }
    const { rows } = await pool.query<{ id: number; at: Date; summary: string; school: string | null }>(
      `SELECT a.id, a.at, a.summary, s.name AS school
         FROM audit_log a LEFT JOIN schools s ON s.id = a.school_id
        WHERE a.id = ANY($1::bigint[])`,
      [breaks.map((b) => b.id)],
    )
    const entries = new Map(rows.map((row) => [Number(row.id), row]))
    out(`Audit history BROKEN: ${breaks.length} problem${breaks.length === 1 ? '' : 's'} found in ${checked} entries in ${chains} chains.`)
    for (const problem of breaks) {
      const entry = entries.get(problem.id)
      const chain = problem.chain === 'global' ? 'the global history' : `the history of ${entry?.school ?? `school ${problem.chain}`}`
      out(`  - entry ${problem.seq} of ${chain} (audit_log id ${problem.id}, ${entry?.at.toISOString() ?? 'time unknown'}): ${problem.reason}`)
      if (entry) out(`    it now reads: ${JSON.stringify(entry.summary)}`)
    }
    out('These entries were changed or removed outside Doorstep after they were written (Doorstep itself never changes the history).')
    return 1
  },
}
