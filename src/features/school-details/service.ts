import { z } from 'zod'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'

/**
 * The school's own phone number and postal address (migration 023), printed at the top of the police
 * information sheet (R-ESC-3) so the police know where to call back. Set by a school admin or the
 * headteacher; both optional (an empty box removes it); every change is audited with before and after.
 */

export const PHONE_MAX = 40
export const ADDRESS_MAX = 300

export const schoolDetailsForm = z.object({
  phone: z
    .string({ error: 'Enter the school’s phone number, or leave it empty' })
    .trim()
    .max(PHONE_MAX, `Phone number must be ${PHONE_MAX} characters or fewer`)
    .refine((value) => value === '' || /^\+?[0-9 ()-]+(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$/i.test(value), 'Enter a phone number, like 01632 960 001 or +44 1632 960 001')
    .refine((value) => value === '' || (value.replace(/(?:ext\.?|x)\s*[0-9]+$/i, '').match(/[0-9]/g)?.length ?? 0) >= 10, 'Enter a phone number with at least 10 digits, including the area code'),
  address: z
    .string({ error: 'Enter the school’s address, or leave it empty' })
    .trim()
    .max(ADDRESS_MAX, `Address must be ${ADDRESS_MAX} characters or fewer`),
})
export type SchoolDetailsInput = z.infer<typeof schoolDetailsForm>

export type SchoolDetails = { phone: string | null; address: string | null }

export async function findSchoolDetails(db: Db, schoolId: string): Promise<SchoolDetails> {
  const { rows } = await db.query<SchoolDetails>('SELECT phone, address FROM schools WHERE id = $1', [schoolId])
  return rows[0] ?? { phone: null, address: null }
}

/** Saves the phone number and address (empty removes), audited in the same transaction. */
export async function saveSchoolDetails(pool: Pool, actor: Actor, schoolId: string, input: SchoolDetailsInput, now: Date): Promise<'saved' | 'unchanged'> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<SchoolDetails>('SELECT phone, address FROM schools WHERE id = $1 FOR UPDATE', [schoolId])
    const before = rows[0]!
    // Line endings from a browser's textarea are \r\n: kept as \n, and blank lines dropped.
    const address = input.address.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).join('\n')
    const after: SchoolDetails = { phone: input.phone === '' ? null : input.phone, address: address === '' ? null : address }
    if (before.phone === after.phone && before.address === after.address) return 'unchanged'
    await client.query('UPDATE schools SET phone = $2, address = $3 WHERE id = $1', [schoolId, after.phone, after.address])
    const changed = [before.phone !== after.phone ? 'phone number' : null, before.address !== after.address ? 'address' : null].filter(Boolean).join(' and ')
    await recordAudit(
      client,
      { schoolId, actor, action: 'school.details_changed', subjectType: 'school', subjectId: schoolId, summary: `${actor.name} changed the school’s ${changed} for the police sheet`, change: { before, after } },
      now,
    )
    return 'saved'
  })
}
