import { parse } from 'csv-parse/sync'
import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import { ForbiddenError, ValidationError } from '../../web/errors.ts'
import { findSameAddress, insertAddress, insertContact, insertPupil, linkContact, pupilKeys, setMainAddress } from './repository.ts'
import {
  attendancePercent,
  isoDate,
  optionalEmail,
  optionalText,
  parseYesNo,
  requiredText,
  ukPhone,
  ukPostcode,
  upn,
  yearGroup,
} from './schema.ts'
import { mayReadRestrictedNotes, pupilImporters, ukToday, type Staff } from './service.ts'

/**
 * CSV import of pupils and their families: one row per pupil–adult pair (docs/pupil-import.md).
 * Every row is checked first; if any row has a problem nothing is imported and every problem
 * is reported with its row number and column. Otherwise everything is written in one transaction.
 */

export const MAX_IMPORT_ROWS = 5000

export type RowError = { row: number; column: string; message: string }

/** An import refused because of its rows; a ValidationError, so the API answers 400 with every row error. */
export class ImportRejected extends ValidationError {
  readonly rowErrors: RowError[]

  constructor(rowErrors: RowError[]) {
    super(
      rowErrors.map((e) => ({ field: `rows.${e.row}.${e.column}`, message: `Row ${e.row}, ${e.column}: ${e.message}` })),
      `${rowErrors.length === 1 ? 'There is 1 problem' : `There are ${rowErrors.length} problems`} in the file. Nothing was imported.`,
    )
    this.rowErrors = rowErrors
  }
}

export type ImportSummary = { pupilsCreated: number; adultsCreated: number; addressesCreated: number; rows: number }

const pupilColumns = [
  'upn',
  'pupil_first_name',
  'pupil_last_name',
  'date_of_birth',
  'year_group',
  'attendance_percent',
  'attendance_as_of',
  'address_line1',
  'address_line2',
  'town',
  'postcode',
  'medical_needs',
  'send_needs',
  'behaviour_notes',
] as const
const adultColumns = [
  'adult_title',
  'adult_first_name',
  'adult_last_name',
  'relationship',
  'parental_responsibility',
  'lives_with_pupil',
  'adult_phone',
  'adult_email',
  'adult_language',
  'interpreter_needed',
  'literacy_needs',
  'cultural_considerations',
] as const
export const importColumns = [...pupilColumns, ...adultColumns] as const
type Column = (typeof importColumns)[number]
export const requiredColumns: readonly Column[] = ['pupil_first_name', 'pupil_last_name', 'date_of_birth', 'year_group', 'address_line1', 'town', 'postcode']
const restrictedColumns: readonly Column[] = ['medical_needs', 'send_needs', 'behaviour_notes']

type Cells = Record<Column, string>

const optionalYesNo = (label: string) =>
  z.string().transform((value, ctx) => {
    if (value.trim() === '') return false
    const parsed = parseYesNo(value)
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `${label} must be yes or no` })
      return z.NEVER
    }
    return parsed
  })

const pupilRow = z
  .object({
    upn,
    pupil_first_name: requiredText('Enter the pupil’s first name', 'First name', 100),
    pupil_last_name: requiredText('Enter the pupil’s last name', 'Last name', 100),
    date_of_birth: isoDate('Enter the pupil’s date of birth', 'Date of birth'),
    year_group: yearGroup,
    attendance_percent: attendancePercent,
    attendance_as_of: z.string().trim(),
    address_line1: requiredText('Enter the first line of the address', 'Address line 1'),
    address_line2: optionalText('Address line 2'),
    town: requiredText('Enter the town or city', 'Town or city', 100),
    postcode: ukPostcode,
    medical_needs: optionalText('Medical needs', 5000),
    send_needs: optionalText('SEND', 5000),
    behaviour_notes: optionalText('Behaviour notes', 5000),
  })
  .superRefine((row, ctx) => {
    if (row.attendance_percent !== null && row.attendance_as_of === '') {
      ctx.addIssue({ code: 'custom', path: ['attendance_as_of'], message: 'Enter the date the attendance figure was worked out, like 2026-11-20' })
    }
    if (row.attendance_percent === null && row.attendance_as_of !== '') {
      ctx.addIssue({ code: 'custom', path: ['attendance_percent'], message: 'Enter the attendance percentage for that date, or leave both blank' })
    }
    if (row.attendance_as_of !== '' && !isoDate('', '').safeParse(row.attendance_as_of).success) {
      ctx.addIssue({ code: 'custom', path: ['attendance_as_of'], message: 'The attendance date must be a real date, like 2026-11-20' })
    }
  })

const adultRow = z.object({
  adult_title: optionalText('Title', 20),
  adult_first_name: requiredText('Enter the adult’s first name', 'First name', 100),
  adult_last_name: requiredText('Enter the adult’s own last name (it may differ from the pupil’s)', 'Last name', 100),
  relationship: requiredText('Enter the adult’s relationship to the pupil, like mother or grandfather', 'Relationship', 100),
  parental_responsibility: z.string().transform((value, ctx) => {
    const parsed = parseYesNo(value)
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Say whether the adult has parental responsibility: yes or no' })
      return z.NEVER
    }
    return parsed
  }),
  lives_with_pupil: optionalYesNo('Lives with pupil'),
  adult_phone: ukPhone,
  adult_email: optionalEmail,
  adult_language: optionalText('Language', 100),
  interpreter_needed: optionalYesNo('Interpreter needed'),
  literacy_needs: optionalText('Literacy needs', 1000),
  cultural_considerations: optionalText('Cultural or religious considerations', 1000),
})

type PupilRow = z.infer<typeof pupilRow>
type AdultRow = z.infer<typeof adultRow>

type PlannedPupil = { key: string; firstRow: number; data: PupilRow; adults: Array<{ adultKey: string; row: number }> }
type PlannedAdult = { key: string; firstRow: number; data: AdultRow }

export type ImportPlan = { pupils: PlannedPupil[]; adults: Map<string, PlannedAdult>; rows: number }

function issuesToErrors(row: number, issues: z.ZodError['issues']): RowError[] {
  const seen = new Set<string>()
  const errors: RowError[] = []
  for (const issue of issues) {
    const column = String(issue.path[0] ?? 'row')
    if (seen.has(column)) continue
    seen.add(column)
    errors.push({ row, column, message: issue.message })
  }
  return errors
}

const normaliseHeader = (header: string) => header.trim().toLowerCase().replace(/[\s-]+/g, '_')
const pupilKeyOf = (p: PupilRow) => (p.upn ? `upn:${p.upn}` : `name:${p.pupil_first_name.toLowerCase()}|${p.pupil_last_name.toLowerCase()}|${p.date_of_birth}`)
const adultKeyOf = (a: AdultRow) =>
  `${a.adult_first_name.toLowerCase()}|${a.adult_last_name.toLowerCase()}|${a.adult_phone || a.adult_email.toLowerCase()}`
const pupilCompared = ['upn', 'pupil_first_name', 'pupil_last_name', 'date_of_birth', 'year_group', 'attendance_percent', 'attendance_as_of', 'address_line1', 'address_line2', 'town', 'postcode', 'medical_needs', 'send_needs', 'behaviour_notes'] as const
const adultCompared = ['adult_title', 'adult_phone', 'adult_email', 'adult_language', 'interpreter_needed', 'literacy_needs', 'cultural_considerations'] as const

/**
 * Parses and checks a whole file without writing anything. Returns the plan or every problem.
 * `existing` are the school's pupils already in Doorstep (the file may not repeat them).
 */
export function planImport(
  csv: string,
  options: { existing: { upns: Set<string>; namesAndBirthdays: Set<string> }; today: string; mayWriteRestricted: boolean },
): { plan: ImportPlan; errors: [] } | { plan?: undefined; errors: RowError[] } {
  let records: string[][]
  try {
    records = parse(csv, { bom: true, relax_column_count: true, trim: false }) as string[][]
  } catch (error) {
    const line = (error as { lines?: number }).lines
    return { errors: [{ row: line ?? 1, column: 'file', message: `The file is not valid CSV: ${(error as Error).message.replace(/^.*?: /, '')}` }] }
  }
  const errors: RowError[] = []
  const header = (records[0] ?? []).map(normaliseHeader)
  if (header.length === 0 || header.every((h) => h === '')) return { errors: [{ row: 1, column: 'header', message: 'The first row must be the column headers' }] }
  const known = new Set<string>(importColumns)
  header.forEach((name, index) => {
    if (!known.has(name)) errors.push({ row: 1, column: name || `column ${index + 1}`, message: 'Unknown column. See the list of columns on this page' })
    else if (header.indexOf(name) !== index) errors.push({ row: 1, column: name, message: 'This column appears more than once' })
  })
  for (const column of requiredColumns) if (!header.includes(column)) errors.push({ row: 1, column, message: 'This column is missing' })
  if (!options.mayWriteRestricted) {
    for (const column of restrictedColumns) {
      if (header.includes(column)) errors.push({ row: 1, column, message: 'Only the headteacher can import medical, SEND and behaviour notes. Remove this column' })
    }
  }
  const dataRows = records.length - 1
  if (dataRows > MAX_IMPORT_ROWS) errors.push({ row: MAX_IMPORT_ROWS + 2, column: 'file', message: `A file can have at most ${MAX_IMPORT_ROWS} rows of pupils. Split it into smaller files` })
  if (errors.length > 0) return { errors }

  const pupils = new Map<string, PlannedPupil>()
  const adults = new Map<string, PlannedAdult>()
  let rowsWithData = 0
  for (let index = 1; index < records.length; index++) {
    const rowNumber = index + 1
    const record = records[index]!
    if (record.every((cell) => cell.trim() === '')) continue
    rowsWithData++
    if (record.length > header.length) {
      errors.push({ row: rowNumber, column: 'row', message: `This row has ${record.length} cells but there are ${header.length} column headers` })
      continue
    }
    const cells = Object.fromEntries(importColumns.map((column) => [column, ''])) as Cells
    header.forEach((name, i) => (cells[name as Column] = record[i] ?? ''))

    const pupil = pupilRow.safeParse(cells)
    if (!pupil.success) errors.push(...issuesToErrors(rowNumber, pupil.error.issues))
    const hasAdult = adultColumns.some((column) => cells[column].trim() !== '')
    const adult = hasAdult ? adultRow.safeParse(cells) : undefined
    if (adult && !adult.success) errors.push(...issuesToErrors(rowNumber, adult.error.issues))
    if (!pupil.success || (adult && !adult.success)) continue

    const p = pupil.data
    if (p.date_of_birth >= options.today) {
      errors.push({ row: rowNumber, column: 'date_of_birth', message: 'Date of birth must be in the past' })
      continue
    }
    const pupilKey = pupilKeyOf(p)
    let planned = pupils.get(pupilKey)
    if (!planned) {
      if (p.upn && options.existing.upns.has(p.upn)) {
        errors.push({ row: rowNumber, column: 'upn', message: `A pupil with the UPN ${p.upn} is already in Doorstep` })
        continue
      }
      if (options.existing.namesAndBirthdays.has(`${p.pupil_first_name.toLowerCase()}|${p.pupil_last_name.toLowerCase()}|${p.date_of_birth}`)) {
        errors.push({ row: rowNumber, column: 'pupil_first_name', message: `${p.pupil_first_name} ${p.pupil_last_name}, born ${p.date_of_birth}, is already in Doorstep` })
        continue
      }
      planned = { key: pupilKey, firstRow: rowNumber, data: p, adults: [] }
      pupils.set(pupilKey, planned)
    } else {
      const first = planned
      const differs = pupilCompared.filter((column) => String(p[column] ?? '') !== String(first.data[column] ?? ''))
      for (const column of differs) {
        errors.push({ row: rowNumber, column, message: `This is different from row ${first.firstRow} for the same pupil. Rows for one pupil must agree` })
      }
      if (differs.length) continue
    }
    if (!adult) continue
    const a = adult.data
    const adultKey = adultKeyOf(a)
    const known = adults.get(adultKey)
    if (!known) adults.set(adultKey, { key: adultKey, firstRow: rowNumber, data: a })
    else {
      const differs = adultCompared.filter((column) => String(a[column]) !== String(known.data[column]))
      for (const column of differs) {
        errors.push({ row: rowNumber, column, message: `This is different from row ${known.firstRow} for the same adult. Rows for one adult must agree` })
      }
      if (differs.length) continue
    }
    const repeat = planned.adults.find((link) => link.adultKey === adultKey)
    if (repeat) {
      errors.push({ row: rowNumber, column: 'adult_first_name', message: `This adult is already listed for this pupil on row ${repeat.row}` })
      continue
    }
    planned.adults.push({ adultKey, row: rowNumber })
  }
  if (rowsWithData === 0 && errors.length === 0) errors.push({ row: 2, column: 'file', message: 'The file has no rows of pupils under the headers' })
  if (errors.length > 0) return { errors: errors.sort((x, y) => x.row - y.row) }
  return { plan: { pupils: [...pupils.values()], adults, rows: rowsWithData }, errors: [] }
}

/**
 * Imports a CSV file: all of it in one transaction, or nothing (throws ImportRejected listing
 * every row error). Restricted notes can be imported only by people who may read them.
 */
export async function importPupils(pool: Pool, staff: Staff, csv: string, now: Date): Promise<ImportSummary> {
  if (!holdsAnyRole(staff.roles, pupilImporters)) throw new ForbiddenError('Only the school admin, the school office or the headteacher can import pupils.')
  const mayWriteRestricted = mayReadRestrictedNotes(staff)
  return inTransaction(pool, async (client) => {
    // One import at a time per school, so two files cannot both add the same pupil.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pupil-import:${staff.schoolId}`])
    const existing = await pupilKeys(client, staff.schoolId)
    const checked = planImport(csv, { existing, today: ukToday(now), mayWriteRestricted })
    if (!checked.plan) throw new ImportRejected(checked.errors)
    const { plan } = checked
    const addressIds = new Map<string, string>()
    let addressesCreated = 0
    const contactIds = new Map<string, string>()
    const created: Array<{ id: string; name: string }> = []
    for (const pupil of plan.pupils) {
      const p = pupil.data
      const pupilId = await insertPupil(client, staff.schoolId, {
        firstName: p.pupil_first_name,
        lastName: p.pupil_last_name,
        dateOfBirth: p.date_of_birth,
        yearGroup: p.year_group,
        upn: p.upn,
        attendancePercent: p.attendance_percent,
        attendanceAsOf: p.attendance_as_of ? isoDate('', '').parse(p.attendance_as_of) : null,
        medicalNeeds: p.medical_needs,
        sendNeeds: p.send_needs,
        behaviourNotes: p.behaviour_notes,
      }, now)
      created.push({ id: pupilId, name: `${p.pupil_first_name} ${p.pupil_last_name}` })
      const address = { line1: p.address_line1, line2: p.address_line2, town: p.town, postcode: p.postcode }
      const addressKey = `${address.postcode}|${address.line1.toLowerCase().replace(/\s+/g, ' ')}`
      let addressId = addressIds.get(addressKey) ?? (await findSameAddress(client, staff.schoolId, address))
      if (!addressId) {
        addressId = await insertAddress(client, staff.schoolId, address, now)
        addressesCreated++
      }
      addressIds.set(addressKey, addressId)
      await setMainAddress(client, staff.schoolId, pupilId, addressId)
      for (const link of pupil.adults) {
        const adult = plan.adults.get(link.adultKey)!.data
        let contactId = contactIds.get(link.adultKey)
        if (!contactId) {
          contactId = await insertContact(client, staff.schoolId, {
            title: adult.adult_title,
            firstName: adult.adult_first_name,
            lastName: adult.adult_last_name,
            phone: adult.adult_phone,
            email: adult.adult_email,
            language: adult.adult_language,
            interpreterNeeded: adult.interpreter_needed,
            literacyNeeds: adult.literacy_needs,
            culturalConsiderations: adult.cultural_considerations,
          }, now)
          contactIds.set(link.adultKey, contactId)
        }
        await linkContact(client, staff.schoolId, pupilId, contactId, {
          relationship: adult.relationship,
          parentalResponsibility: adult.parental_responsibility,
          livesWithPupil: adult.lives_with_pupil,
        })
      }
    }
    const summary = { pupilsCreated: created.length, adultsCreated: contactIds.size, addressesCreated, rows: plan.rows }
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'pupils.imported',
      subjectType: 'school',
      subjectId: staff.schoolId,
      summary: `Imported ${created.length} ${created.length === 1 ? 'pupil' : 'pupils'} and ${contactIds.size} ${contactIds.size === 1 ? 'adult' : 'adults'} from a CSV file of ${plan.rows} rows`,
      change: { ...summary, pupils: created },
    }, now)
    return summary
  })
}
