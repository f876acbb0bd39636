import type pg from 'pg'
import { z } from 'zod'
import { recordAudit, type Actor } from '../audit/audit.ts'
import { inTransaction, type Pool } from '../db/pool.ts'
import { roleLabels } from '../domain/roles.ts'
import { hashPassword } from '../features/auth/passwords.ts'
import { adoptPreset } from '../features/policy/service.ts'
import { isPresetId, presetIds, unknownPresetMessage } from '../policy/presets.ts'
import { CommandError, UsageError, parseOptions, type Command } from './command.ts'
import { readNewPassword } from './password-input.ts'

const organisationKinds = ['trust', 'local_authority'] as const
type OrganisationKind = (typeof organisationKinds)[number]

const email = z.string().trim().max(320).pipe(z.email())

export type NewSchool = {
  organisation: string
  /** Only used when the organisation is new; when given for an existing one it must match. */
  organisationKind: OrganisationKind | undefined
  school: string
  preset: string
  adminEmail: string
  adminName: string
}

export type CreatedSchool = {
  organisation: { id: string; name: string; kind: OrganisationKind; created: boolean }
  school: { id: string; name: string }
  admin: { id: string; name: string; email: string; created: boolean }
}

const cli: Actor = { userId: null, name: 'Doorstep command line' }

/**
 * Creates a school on its policy preset (version 1 of its policy), its organisation when no
 * organisation has that name yet, and its first school admin: a new account with `passwordHash`, a
 * temporary password they must replace at their first sign-in, or an existing account (same email)
 * that gains the school admin role and keeps its password. One transaction, audited.
 */
export async function createSchool(pool: Pool, input: NewSchool, passwordHash: string | undefined, now: Date): Promise<CreatedSchool> {
  return inTransaction(pool, async (client) => {
    // Two runs naming the same new organisation at once must not create it twice.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`organisation:${input.organisation.toLowerCase()}`])
    const organisation = await findOrCreateOrganisation(client, input, now)
    const clash = await client.query('SELECT 1 FROM schools WHERE organisation_id = $1 AND lower(name) = lower($2)', [
      organisation.id,
      input.school,
    ])
    if (clash.rowCount) throw new CommandError(`${organisation.name} already has a school called ${input.school}. Nothing was changed.`)

    const school = await client.query<{ id: string }>('INSERT INTO schools (organisation_id, name, preset) VALUES ($1, $2, $3) RETURNING id', [
      organisation.id,
      input.school,
      input.preset,
    ])
    const schoolId = school.rows[0]!.id
    await recordAudit(client, {
      schoolId,
      actor: cli,
      action: 'school.created',
      subjectType: 'school',
      subjectId: schoolId,
      summary: `Created the school ${input.school} in ${organisation.name} with the ${input.preset} policy preset`,
      change: { name: input.school, organisationId: organisation.id, preset: input.preset },
    }, now)
    await adoptPreset(client, schoolId, input.preset, cli, now)

    const existing = await client.query<{ id: string; name: string; email: string }>(
      'SELECT id, name, email FROM users WHERE lower(email) = lower($1) FOR UPDATE',
      [input.adminEmail],
    )
    let admin = existing.rows[0]
    if (!admin) {
      if (!passwordHash) throw new CommandError(`The account ${input.adminEmail} disappeared while the school was being created. Run the command again.`)
      const inserted = await client.query<{ id: string }>('INSERT INTO users (email, name, password_hash, password_is_temporary) VALUES ($1, $2, $3, true) RETURNING id', [
        input.adminEmail,
        input.adminName,
        passwordHash,
      ])
      admin = { id: inserted.rows[0]!.id, name: input.adminName, email: input.adminEmail }
    }
    await client.query(`INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, 'school_admin')`, [schoolId, admin.id])
    await recordAudit(client, {
      schoolId,
      actor: cli,
      action: 'staff.added',
      subjectType: 'user',
      subjectId: admin.id,
      summary: `Added ${admin.name} to the staff as ${roleLabels.school_admin}${existing.rows[0] ? ' (an existing Doorstep account)' : ''}`,
      change: { name: admin.name, email: admin.email, roles: ['school_admin'] },
    }, now)
    return {
      organisation,
      school: { id: schoolId, name: input.school },
      admin: { ...admin, created: !existing.rows[0] },
    }
  })
}

async function findOrCreateOrganisation(client: pg.PoolClient, input: NewSchool, now: Date): Promise<CreatedSchool['organisation']> {
  const found = await client.query<{ id: string; name: string; kind: OrganisationKind }>(
    'SELECT id, name, kind FROM organisations WHERE lower(name) = lower($1) ORDER BY created_at LIMIT 1',
    [input.organisation],
  )
  const existing = found.rows[0]
  if (existing) {
    if (input.organisationKind && input.organisationKind !== existing.kind) {
      throw new UsageError(`The organisation ${existing.name} already exists as a ${kindLabel(existing.kind)}, not a ${kindLabel(input.organisationKind)}.`)
    }
    return { ...existing, created: false }
  }
  const kind = input.organisationKind ?? 'trust'
  const inserted = await client.query<{ id: string }>('INSERT INTO organisations (name, kind) VALUES ($1, $2) RETURNING id', [input.organisation, kind])
  const id = inserted.rows[0]!.id
  await recordAudit(client, {
    schoolId: null,
    actor: cli,
    action: 'organisation.created',
    subjectType: 'organisation',
    subjectId: id,
    summary: `Created the ${kindLabel(kind)} ${input.organisation}`,
    change: { name: input.organisation, kind },
  }, now)
  return { id, name: input.organisation, kind, created: true }
}

function kindLabel(kind: OrganisationKind): string {
  return kind === 'trust' ? 'trust' : 'local authority'
}

export const schoolCreate: Command = {
  name: 'school create',
  summary: 'Create a school, its organisation if new, and its first school admin',
  usage: '--organisation "<name>" [--organisation-kind trust|local_authority] --school "<name>" --preset <preset> --admin-email <email> --admin-name "<name>"',
  options: [
    '--organisation        the trust or local authority; created when no organisation has this name',
    '--organisation-kind   trust (the default) or local_authority, for a new organisation',
    '--school              the school’s name',
    `--preset              its policy preset: ${presetIds.join(', ')}`,
    '--admin-email         the first school admin; an existing account with this email gains the role',
    '--admin-name          their full name (for a new account)',
    'The new admin’s temporary password is asked for (typed twice, not shown), or read from the first line of standard input when it is a pipe. It is never taken from the command line. They must choose their own at their first sign-in.',
  ],
  async run({ args, out, err, stdin, database, clock }) {
    if (args.some((arg) => /^--(admin-)?password(=|$)/.test(arg))) {
      throw new UsageError(
        'Passwords are never taken from the command line, where shell history and other users could read them. ' +
          'Leave out --password: you will be asked for it, or pipe it on standard input.',
      )
    }
    const { options } = parseOptions(args, {
      organisation: { type: 'string', required: true },
      'organisation-kind': { type: 'string' },
      school: { type: 'string', required: true },
      preset: { type: 'string', required: true },
      'admin-email': { type: 'string', required: true },
      'admin-name': { type: 'string', required: true },
    })
    const kind = options['organisation-kind']
    if (kind !== undefined && !organisationKinds.includes(kind as OrganisationKind)) {
      throw new UsageError(`--organisation-kind must be trust or local_authority, not ${JSON.stringify(kind)}.`)
    }
    if (!isPresetId(options.preset)) throw new UsageError(unknownPresetMessage(options.preset))
    const adminEmail = email.safeParse(options['admin-email'])
    if (!adminEmail.success) throw new UsageError(`--admin-email ${JSON.stringify(options['admin-email'])} is not an email address.`)
    const input: NewSchool = {
      organisation: requireText(options.organisation, '--organisation'),
      organisationKind: kind as OrganisationKind | undefined,
      school: requireText(options.school, '--school'),
      preset: options.preset,
      adminEmail: adminEmail.data,
      adminName: requireText(options['admin-name'], '--admin-name'),
    }

    const { pool } = await database()
    const taken = await pool.query(
      'SELECT 1 FROM schools s JOIN organisations o ON o.id = s.organisation_id WHERE lower(o.name) = lower($1) AND lower(s.name) = lower($2)',
      [input.organisation, input.school],
    )
    if (taken.rowCount) throw new CommandError(`${input.organisation} already has a school called ${input.school}. Nothing was changed.`)
    const known = await pool.query<{ name: string }>('SELECT name FROM users WHERE lower(email) = lower($1)', [input.adminEmail])
    let passwordHash: string | undefined
    if (!known.rows[0]) {
      passwordHash = await hashPassword(await readNewPassword(stdin, process.stderr, `${input.adminName} <${input.adminEmail}>`))
    }
    const created = await createSchool(pool, input, passwordHash, clock())

    const org = created.organisation
    out(org.created ? `Created the ${kindLabel(org.kind)} ${org.name}.` : `Added to the existing ${kindLabel(org.kind)} ${org.name}.`)
    out(`Created ${created.school.name} (school id ${created.school.id}) with the ${input.preset} policy preset.`)
    if (created.admin.created) {
      out(`${created.admin.name} <${created.admin.email}> is its school admin and can sign in now with the password you gave. It is temporary: at their first sign-in Doorstep asks them to choose their own.`)
    } else {
      out(`${created.admin.name} <${created.admin.email}> already had a Doorstep account: they are now this school’s admin and keep their password.`)
      if (created.admin.name !== input.adminName) err(`Note: the account keeps its name, ${created.admin.name}, not ${input.adminName}.`)
    }
    return 0
  },
}

function requireText(value: string, option: string): string {
  const trimmed = value.trim()
  if (!trimmed) throw new UsageError(`${option} cannot be blank.`)
  if (trimmed.length > 200) throw new UsageError(`${option} must be 200 characters or fewer.`)
  return trimmed
}
