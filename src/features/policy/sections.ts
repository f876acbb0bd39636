import { calendarDetails, escalationActions, riskAssessmentFields, weekdays, type EscalationAction, type Policy } from '../../policy/schema.ts'
import { safeguardingRoleNames, type SchoolRole } from '../../domain/roles.ts'
import {
  type FormReader,
  button,
  checkboxes,
  dateBody,
  dateInput,
  heading,
  hidden,
  input,
  list,
  newId,
  radios,
  roleOptions,
  roles,
  rowsOf,
  select,
  str,
  textarea,
  withRows,
  yesNo,
  yesNoValue,
  type Body,
  type Component,
  type Errors,
  type Option,
} from './form.ts'

/**
 * The policy, edited one section at a time (docs/decisions/0007-policy-editing.md), grouped as staff
 * think of it. Each section says which parts of the policy it owns, turns them into the body its form
 * posts, builds the form, and reads a posted body back into the policy.
 */
export type RowMap = Record<string, number[]>
export type SectionRead = { policy: Policy; rowMap: RowMap }

export type Section = {
  slug: string
  title: string
  intro: string
  /** Policy paths this page edits: errors under them are shown here. */
  owns: string[]
  dateFields?: string[]
  toBody(policy: Policy): Body
  form(body: Body, errors: Errors, policy: Policy): Component[]
  read(reader: FormReader, policy: Policy): SectionRead
  /** The field on this page an error at `path` belongs to, where the generic rule would pick the wrong one. */
  fieldFor?(path: string, policy: Policy): string | undefined
  /** Add, move or remove an entry without saving: the body to show again, or undefined to save. */
  rearrange?(body: Body): Body | undefined
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
const dayName = (day: string) => capitalise(day)
const LIST_BLANKS = 3

/** Rows of a list as the form shows them: the saved ones, then empty ones to add to. */
function withBlanks(body: Body, name: string, keys: string[], blanks = LIST_BLANKS): Array<{ index: number; row: Body }> {
  const rows = rowsOf(body, name)
  const isEmpty = (row: Body) => keys.every((key) => str(row, key) === '' || key === 'id')
  let trailing = 0
  for (let at = rows.length - 1; at >= 0 && isEmpty(rows[at]!.row); at--) trailing++
  const next = rows.length ? rows[rows.length - 1]!.index + 1 : 0
  for (let extra = 0; extra < blanks - trailing; extra++) rows.push({ index: next + extra, row: {} })
  return rows
}

/** A list of entries with an id and a wording, one box each; an emptied box removes its entry. */
function readLabelledRows(reader: FormReader, name: string, existing: ReadonlyArray<{ id: string }>, what: string, fallbackId: string) {
  const taken = new Set<string>()
  const known = new Set(existing.map((entry) => entry.id))
  const entries: Array<{ id: string; label: string }> = []
  const formRows: number[] = []
  for (const { index, row } of rowsOf(reader.body, name)) {
    const label = str(row, 'label')
    if (label === '') continue
    if (label.length > 300) reader.fail(`${name}.${index}.label`, `${capitalise(what)} must be 300 characters or fewer`)
    const given = str(row, 'id')
    const id = known.has(given) && !taken.has(given) ? given : newId(label, new Set([...taken, ...known]), fallbackId)
    taken.add(id)
    entries.push({ id, label })
    formRows.push(index)
  }
  return { entries, formRows }
}

function labelledRowsForm(body: Body, errors: Errors, name: string, legendText: string, hint: string, itemLabel: string): Component[] {
  const components: Component[] = [{ macro: 'fieldsetStart', legend: legendText, hint }]
  for (const { index, row } of withBlanks(body, name, ['label'])) {
    components.push(hidden(`${name}.${index}.id`, str(row, 'id')))
    components.push(input({ [`${name}.${index}.label`]: row.label }, errors, `${name}.${index}.label`, `${itemLabel} ${index + 1}`, { bold: false }))
  }
  components.push({ macro: 'fieldsetEnd' })
  return components
}

function labelledRowsBody(name: string, entries: ReadonlyArray<{ id: string; label: string }>): Body {
  return Object.fromEntries(entries.flatMap((entry, index) => [[`${name}.${index}.id`, entry.id], [`${name}.${index}.label`, entry.label]]))
}

// ---------------------------------------------------------------------------------------------------------------

const purposes: Section = {
  slug: 'purposes',
  title: 'Purposes',
  intro: 'The reasons a home visit can be planned for. Every visit records one of them, with a note explaining it.',
  owns: ['purposes'],
  toBody: (policy) => labelledRowsBody('purposes', policy.purposes),
  form: (body, errors) =>
    labelledRowsForm(body, errors, 'purposes', 'What can a home visit be for?', 'One purpose a box. Empty a box to remove that purpose; removing a purpose also removes any approvers set for it.', 'Purpose'),
  read(reader, policy) {
    const { entries, formRows } = readLabelledRows(reader, 'purposes', policy.purposes, 'a purpose', 'purpose')
    const kept = new Set(entries.map((entry) => entry.id))
    const byPurpose = policy.approval.byPurpose.filter((rule) => kept.has(rule.purposeId))
    return { policy: { ...policy, purposes: entries, approval: { ...policy.approval, byPurpose } }, rowMap: { purposes: formRows } }
  },
}

const approval: Section = {
  slug: 'approval',
  title: 'Approval',
  intro: 'Who approves a home visit before it starts. Doorstep will not let an unapproved visit start.',
  owns: ['approval'],
  toBody: (policy) => ({
    'approval.approverRoles': policy.approval.approverRoles,
    'approval.approverMayBeOnVisit': yesNoValue(policy.approval.approverMayBeOnVisit),
    ...Object.fromEntries(policy.approval.byPurpose.map((rule) => [`approval.byPurpose.${rule.purposeId}`, rule.approverRoles])),
  }),
  form: (body, errors, policy) => [
    roles(body, errors, 'approval.approverRoles', 'Who approves home visits?', 'Any one of them can approve a visit.'),
    yesNo(body, errors, 'approval.approverMayBeOnVisit', 'May an approver approve a visit they are going on?'),
    heading('Different approvers for some purposes', 'Leave a purpose empty to use the approvers above.'),
    ...policy.purposes.map((purpose) => roles(body, errors, `approval.byPurpose.${purpose.id}`, purpose.label)),
  ],
  read(reader, policy) {
    const approverRoles = reader.roles('approval.approverRoles', policy.approval.approverRoles)
    const approverMayBeOnVisit = reader.yesNo('approval.approverMayBeOnVisit', 'Select yes if an approver may approve a visit they are going on')
    const byPurpose = policy.purposes
      .map((purpose) => ({
        purposeId: purpose.id,
        approverRoles: reader.roles(`approval.byPurpose.${purpose.id}`, policy.approval.byPurpose.find((rule) => rule.purposeId === purpose.id)?.approverRoles),
      }))
      .filter((rule) => rule.approverRoles.length > 0)
    return { policy: { ...policy, approval: { approverRoles, byPurpose, approverMayBeOnVisit } }, rowMap: {} }
  },
  fieldFor(path, policy) {
    const rule = /^approval\.byPurpose\.(\d+)\.approverRoles$/.exec(path)
    if (rule) {
      const purposeId = policy.approval.byPurpose[Number(rule[1])]?.purposeId
      if (purposeId) return `approval.byPurpose.${purposeId}`
    }
    return path.startsWith('approval.byPurpose') ? 'approval.approverRoles' : undefined
  },
}

const riskFieldOptions: Option[] = Object.entries(riskAssessmentFields).map(([value, text]) => ({ value, text: capitalise(text) }))

const riskAssessment: Section = {
  slug: 'risk-assessment',
  title: 'Risk assessment',
  intro: 'The risk assessment completed before a visit is approved: its form, what it covers and who completes and signs it off.',
  owns: ['riskAssessment'],
  toBody: ({ riskAssessment: ra }) => ({
    'riskAssessment.form': ra.form,
    'riskAssessment.requiredFields': ra.requiredFields,
    'riskAssessment.completedBy': ra.completedBy,
    'riskAssessment.signedOffBy': ra.signedOffBy,
    'riskAssessment.reopenOnNewRisks': yesNoValue(ra.reopenOnNewRisks),
    'riskAssessment.policeAccompanimentCanBeRequested': yesNoValue(ra.policeAccompanimentCanBeRequested),
    'riskAssessment.standingAssessment.enabled': yesNoValue(ra.standingAssessment !== null),
    'riskAssessment.standingAssessment.name': ra.standingAssessment?.name ?? '',
    'riskAssessment.standingAssessment.updateAfterVisits': ra.standingAssessment ? yesNoValue(ra.standingAssessment.updateAfterVisits) : '',
  }),
  form: (body, errors) => [
    radios(body, errors, 'riskAssessment.form', 'What form does the risk assessment take?', [
      { value: 'written', text: 'A written risk assessment' },
      { value: 'dynamic', text: 'A dynamic risk assessment' },
      { value: 'discussion', text: 'A risk assessment discussion' },
    ]),
    checkboxes(body, errors, 'riskAssessment.requiredFields', 'What must it cover?', riskFieldOptions),
    roles(body, errors, 'riskAssessment.completedBy', 'Who completes it?'),
    roles(body, errors, 'riskAssessment.signedOffBy', 'Who signs it off?'),
    yesNo(body, errors, 'riskAssessment.reopenOnNewRisks', 'Is it re-opened when new or changed risks come to light before the visit?'),
    yesNo(body, errors, 'riskAssessment.policeAccompanimentCanBeRequested', 'May the risk assessment ask for police accompaniment?'),
    heading('Standing risk assessment'),
    yesNo(body, errors, 'riskAssessment.standingAssessment.enabled', 'Does the school have a standing lone-working or home-visits risk assessment that visitors read?'),
    input(body, errors, 'riskAssessment.standingAssessment.name', 'Its name', { hint: 'If there is one. For example, Lone Working and Home Visits' }),
    yesNo(body, errors, 'riskAssessment.standingAssessment.updateAfterVisits', 'Is it updated when a visit shows something in it should change?', 'If there is one.'),
  ],
  read(reader, policy) {
    const form = reader.choice('riskAssessment.form', ['written', 'dynamic', 'discussion'] as const, 'Select the form the risk assessment takes')
    const values = list(reader.body, 'riskAssessment.requiredFields')
    const requiredFields = (Object.keys(riskAssessmentFields) as Array<keyof typeof riskAssessmentFields>).filter((field) => values.includes(field))
    if (values.some((value) => !(value in riskAssessmentFields))) reader.fail('riskAssessment.requiredFields', 'Choose from the list')
    const completedBy = reader.roles('riskAssessment.completedBy', policy.riskAssessment.completedBy)
    const signedOffBy = reader.roles('riskAssessment.signedOffBy', policy.riskAssessment.signedOffBy)
    const reopenOnNewRisks = reader.yesNo('riskAssessment.reopenOnNewRisks', 'Select yes if the risk assessment is re-opened when new risks come to light')
    const policeAccompanimentCanBeRequested = reader.yesNo(
      'riskAssessment.policeAccompanimentCanBeRequested',
      'Select yes if the risk assessment may ask for police accompaniment',
    )
    const standing = reader.yesNo('riskAssessment.standingAssessment.enabled', 'Select yes if the school has a standing risk assessment')
    const standingAssessment = standing
      ? {
          name: reader.text('riskAssessment.standingAssessment.name', 'the name of the standing risk assessment', { max: 200 }),
          updateAfterVisits: reader.yesNo('riskAssessment.standingAssessment.updateAfterVisits', 'Select yes if the standing risk assessment is updated after visits'),
        }
      : null
    return {
      policy: { ...policy, riskAssessment: { form, requiredFields, completedBy, signedOffBy, reopenOnNewRisks, policeAccompanimentCanBeRequested, standingAssessment } },
      rowMap: {},
    }
  },
}

const staffing: Section = {
  slug: 'staffing',
  title: 'Staffing and lone visits',
  intro: 'How many staff go on a visit, and whether anyone may ever visit alone.',
  owns: ['staffing'],
  toBody: ({ staffing: s }) => ({
    'staffing.minimumStaff': String(s.minimumStaff),
    'staffing.loneVisits.allowed': yesNoValue(s.loneVisits.allowed),
    'staffing.loneVisits.decision': s.loneVisits.allowed ? (s.loneVisits.approverRoles === null ? 'none' : 'roles') : '',
    'staffing.loneVisits.approverRoles': s.loneVisits.allowed ? (s.loneVisits.approverRoles ?? []) : [],
    'staffing.loneVisits.riskAssessmentRequired': s.loneVisits.allowed ? yesNoValue(s.loneVisits.riskAssessmentRequired) : '',
    'staffing.mobileNumberRequired': yesNoValue(s.mobileNumberRequired),
    'staffing.adminsMayGrantSafeguardingRoles': yesNoValue(s.adminsMayGrantSafeguardingRoles),
  }),
  form: (body, errors) => [
    input(body, errors, 'staffing.minimumStaff', 'Minimum number of staff on a home visit', { width: 2, numeric: true, hint: 'From 1 to 6.' }),
    yesNo(body, errors, 'staffing.loneVisits.allowed', 'Are lone visits ever allowed?'),
    radios(
      body,
      errors,
      'staffing.loneVisits.decision',
      'If they are, who decides?',
      [
        { value: 'roles', text: 'Someone decides each lone visit is safe', hint: 'Choose who below.' },
        { value: 'none', text: 'No one: two staff are advised, not required' },
      ],
      'Leave this if lone visits are not allowed.',
    ),
    roles(body, errors, 'staffing.loneVisits.approverRoles', 'Who decides a lone visit is safe?', 'If someone decides.'),
    yesNo(body, errors, 'staffing.loneVisits.riskAssessmentRequired', 'Does a lone visit need its own lone-working risk assessment?', 'If lone visits are allowed.'),
    yesNo(body, errors, 'staffing.mobileNumberRequired', "Must the school hold each visitor's mobile number?"),
    yesNo(
      body,
      errors,
      'staffing.adminsMayGrantSafeguardingRoles',
      `May a school admin give or take away the roles of ${safeguardingRoleNames}?`,
      'If not, only the headteacher can. These roles read pupils’ medical, SEND and behaviour notes and every visit’s code word. Only the headteacher can publish a yes, unless the school has no headteacher yet.',
    ),
  ],
  read(reader, policy) {
    const minimumStaff = reader.whole('staffing.minimumStaff', 'the minimum number of staff', { min: 1, max: 6 }) ?? 2
    const allowed = reader.yesNo('staffing.loneVisits.allowed', 'Select yes if lone visits are ever allowed')
    const previousLone = policy.staffing.loneVisits
    let loneVisits: Policy['staffing']['loneVisits'] = { allowed: false }
    if (allowed) {
      const decision = reader.choice('staffing.loneVisits.decision', ['roles', 'none'] as const, 'Select who decides a lone visit is safe')
      loneVisits = {
        allowed: true,
        approverRoles: decision === 'roles' ? reader.roles('staffing.loneVisits.approverRoles', previousLone.allowed ? (previousLone.approverRoles ?? []) : []) : null,
        riskAssessmentRequired: reader.yesNo('staffing.loneVisits.riskAssessmentRequired', 'Select yes if a lone visit needs its own risk assessment'),
      }
    }
    const mobileNumberRequired = reader.yesNo('staffing.mobileNumberRequired', "Select yes if the school must hold each visitor's mobile number")
    const adminsMayGrantSafeguardingRoles = reader.yesNo('staffing.adminsMayGrantSafeguardingRoles', 'Select yes if a school admin may give or take away safeguarding roles')
    return {
      policy: { ...policy, staffing: { minimumStaff, loneVisits, mobileNumberRequired, adminsMayGrantSafeguardingRoles } },
      rowMap: {},
    }
  },
}

const requirementOptions: Option[] = [
  { value: 'block', text: 'Required: Doorstep will not assign anyone without it' },
  { value: 'warn', text: 'Advised: Doorstep warns' },
  { value: 'none', text: 'Not needed' },
]

const training: Section = {
  slug: 'training',
  title: 'Training and vetting',
  intro: 'The training visitors need, and the DBS check everyone needs before they are assigned to a visit.',
  owns: ['training'],
  toBody: ({ training: t }) => ({
    ...Object.fromEntries(
      t.trainings.flatMap((course, index) => [
        [`training.trainings.${index}.id`, course.id],
        [`training.trainings.${index}.label`, course.label],
        [`training.trainings.${index}.everyVisitor`, t.everyVisitor.find((r) => r.trainingId === course.id)?.enforcement ?? 'none'],
        [`training.trainings.${index}.atLeastOneVisitor`, t.atLeastOneVisitor.find((r) => r.trainingId === course.id)?.enforcement ?? 'none'],
      ]),
    ),
    'training.dbs.level': t.dbs.level,
    'training.dbs.barredListCheck': yesNoValue(t.dbs.barredListCheck),
    'training.dbs.recheck.everyYears': t.dbs.recheck ? String(t.dbs.recheck.everyYears) : '',
    'training.dbs.recheck.overdue': t.dbs.recheck?.overdue ?? 'warn',
  }),
  form(body, errors) {
    const components: Component[] = [heading('Training', 'Empty a name to remove that training. Staff records of it are kept.')]
    for (const { index, row } of withBlanks(body, 'training.trainings', ['label'], 2)) {
      const name = `training.trainings.${index}`
      const rowBody = Object.fromEntries(Object.entries(row).map(([key, value]) => [`${name}.${key}`, value]))
      components.push({ macro: 'fieldsetStart', legend: str(row, 'label') || `Training ${index + 1}` })
      components.push(hidden(`${name}.id`, str(row, 'id')))
      components.push(input(rowBody, errors, `${name}.label`, 'Name of the training'))
      components.push(radios(rowBody, errors, `${name}.everyVisitor`, 'Does every visitor need it?', requirementOptions))
      components.push(radios(rowBody, errors, `${name}.atLeastOneVisitor`, 'Does at least one visitor on each visit need it?', requirementOptions))
      components.push({ macro: 'fieldsetEnd' })
    }
    components.push(
      heading('DBS check'),
      radios(body, errors, 'training.dbs.level', 'What level of DBS check must every visitor hold?', [
        { value: 'enhanced', text: 'Enhanced' },
        { value: 'standard', text: 'Standard' },
        { value: 'basic', text: 'Basic' },
      ]),
      yesNo(body, errors, 'training.dbs.barredListCheck', 'Is a barred list check needed too?'),
      input(body, errors, 'training.dbs.recheck.everyYears', 'How often is a DBS check renewed?', {
        width: 2,
        numeric: true,
        suffix: 'years',
        hint: 'Years after the certificate was issued, from 1 to 10. Leave it empty if the policy does not ask for re-checks. Staff on the DBS Update Service are not asked.',
      }),
      radios(body, errors, 'training.dbs.recheck.overdue', 'When a re-check is overdue', [
        { value: 'warn', text: 'Warn, and let them be assigned to visits' },
        { value: 'block', text: 'Do not let them be assigned to visits' },
      ]),
    )
    return components
  },
  read(reader, policy) {
    const { entries, formRows } = readLabelledRows(reader, 'training.trainings', policy.training.trainings, 'the name of a training', 'training')
    const rows = new Map(rowsOf(reader.body, 'training.trainings').map(({ index, row }) => [index, row]))
    const everyVisitor: Policy['training']['everyVisitor'] = []
    const atLeastOneVisitor: Policy['training']['atLeastOneVisitor'] = []
    entries.forEach((course, at) => {
      const index = formRows[at]!
      const row = rows.get(index) ?? {}
      for (const [key, target] of [['everyVisitor', everyVisitor], ['atLeastOneVisitor', atLeastOneVisitor]] as const) {
        const value = str(row, key) || 'none'
        if (value !== 'block' && value !== 'warn' && value !== 'none') reader.fail(`training.trainings.${index}.${key}`, 'Choose required, advised or not needed')
        else if (value !== 'none') target.push({ trainingId: course.id, enforcement: value })
      }
    })
    const level = reader.choice('training.dbs.level', ['enhanced', 'standard', 'basic'] as const, 'Select the level of DBS check')
    const barredListCheck = reader.yesNo('training.dbs.barredListCheck', 'Select yes if a barred list check is needed')
    const everyYears = reader.whole('training.dbs.recheck.everyYears', 'how often a DBS check is renewed', { min: 1, max: 10, optional: true })
    const overdue = reader.choice('training.dbs.recheck.overdue', ['warn', 'block'] as const, 'Select what happens when a re-check is overdue')
    const recheck = everyYears === null ? null : { everyYears, overdue }
    return {
      policy: { ...policy, training: { trainings: entries, everyVisitor, atLeastOneVisitor, dbs: { level, barredListCheck, recheck } } },
      rowMap: { 'training.trainings': formRows },
    }
  },
  fieldFor: (path) => (/^training\.(everyVisitor|atLeastOneVisitor)/.test(path) ? 'training.trainings.0.label' : undefined),
}

const notice: Section = {
  slug: 'notice',
  title: 'Notice to parents and families',
  intro: 'Whether parents are told about a visit in advance, when they need not be, and whether a family may decline visits.',
  owns: ['notice', 'family'],
  toBody: ({ notice: n, family }) => ({
    'notice.required': yesNoValue(n.required),
    'notice.choiceOfTimes': yesNoValue(n.choiceOfTimes),
    ...labelledRowsBody('notice.exceptions', n.exceptions),
    'family.mayDeclineVisits': yesNoValue(family.mayDeclineVisits),
  }),
  form: (body, errors) => [
    yesNo(body, errors, 'notice.required', 'Are parents told about a visit in advance?'),
    yesNo(body, errors, 'notice.choiceOfTimes', 'Are parents offered a choice of times?'),
    ...labelledRowsForm(
      body,
      errors,
      'notice.exceptions',
      'When may staff visit without telling the parents first?',
      'One case a box. Empty a box to remove that case. With no cases, every visit is arranged with the parents first.',
      'Case',
    ),
    yesNo(body, errors, 'family.mayDeclineVisits', 'May a family decline home visits?', 'A decline is recorded and shown to anyone who plans another visit to them.'),
  ],
  read(reader, policy) {
    const required = reader.yesNo('notice.required', 'Select yes if parents are told about a visit in advance')
    const choiceOfTimes = reader.yesNo('notice.choiceOfTimes', 'Select yes if parents are offered a choice of times')
    const { entries, formRows } = readLabelledRows(reader, 'notice.exceptions', policy.notice.exceptions, 'a case', 'exception')
    const mayDeclineVisits = reader.yesNo('family.mayDeclineVisits', 'Select yes if a family may decline home visits')
    return {
      policy: { ...policy, notice: { required, choiceOfTimes, exceptions: entries }, family: { mayDeclineVisits } },
      rowMap: { 'notice.exceptions': formRows },
    }
  },
}

const hours: Section = {
  slug: 'hours',
  title: 'Hours',
  intro: 'When home visits take place, and whether a visit outside those hours can be approved.',
  owns: ['hours'],
  toBody: ({ hours: h }) => ({
    'hours.kind': h.kind,
    ...Object.fromEntries(weekdays.flatMap((day) => [[`hours.week.${day}.start`, h.week[day]?.start ?? ''], [`hours.week.${day}.end`, h.week[day]?.end ?? '']])),
    'hours.outOfHours.allowed': yesNoValue(h.outOfHours.allowed),
    'hours.outOfHours.approverRoles': h.outOfHours.allowed ? h.outOfHours.approverRoles : [],
    'hours.outOfHours.responsibleContactRequired': h.outOfHours.allowed ? yesNoValue(h.outOfHours.responsibleContactRequired) : '',
  }),
  form: (body, errors) => [
    radios(body, errors, 'hours.kind', 'Are these school hours or working hours?', [
      { value: 'school', text: 'School hours' },
      { value: 'working', text: 'Working hours' },
    ]),
    { macro: 'fieldsetStart', legend: 'Hours for each day', hint: 'Times on the 24-hour clock, like 08:30. Leave both times empty on a day without visits.' },
    ...weekdays.map(
      (day): Component => ({
        macro: 'pair',
        first: input(body, errors, `hours.week.${day}.start`, `${dayName(day)}: from`, { width: 5, bold: false }),
        second: input(body, errors, `hours.week.${day}.end`, `${dayName(day)}: to`, { width: 5, bold: false }),
      }),
    ),
    { macro: 'fieldsetEnd' },
    yesNo(body, errors, 'hours.outOfHours.allowed', 'Can a visit outside these hours be approved as an exception?'),
    roles(body, errors, 'hours.outOfHours.approverRoles', 'Who approves a visit out of hours?', 'If it can be approved.'),
    yesNo(
      body,
      errors,
      'hours.outOfHours.responsibleContactRequired',
      'Does an out-of-hours visit need a named responsible contact, who monitors it instead of the school office?',
      'If it can be approved.',
    ),
  ],
  read(reader, policy) {
    const kind = reader.choice('hours.kind', ['school', 'working'] as const, 'Select school hours or working hours')
    const week = {} as Policy['hours']['week']
    for (const day of weekdays) {
      const start = reader.time(`hours.week.${day}.start`, `${dayName(day)}'s start time`)
      const end = reader.time(`hours.week.${day}.end`, `${dayName(day)}'s end time`)
      const startText = str(reader.body, `hours.week.${day}.start`)
      const endText = str(reader.body, `hours.week.${day}.end`)
      if (startText && !endText) reader.fail(`hours.week.${day}.end`, `Enter ${dayName(day)}'s end time, or empty both of ${dayName(day)}'s times`)
      if (!startText && endText) reader.fail(`hours.week.${day}.start`, `Enter ${dayName(day)}'s start time, or empty both of ${dayName(day)}'s times`)
      week[day] = start && end ? { start, end } : null
    }
    const allowed = reader.yesNo('hours.outOfHours.allowed', 'Select yes if a visit outside these hours can be approved')
    const outOfHours: Policy['hours']['outOfHours'] = allowed
      ? {
          allowed: true,
          approverRoles: reader.roles('hours.outOfHours.approverRoles', policy.hours.outOfHours.allowed ? policy.hours.outOfHours.approverRoles : []),
          responsibleContactRequired: reader.yesNo('hours.outOfHours.responsibleContactRequired', 'Select yes if an out-of-hours visit needs a responsible contact'),
        }
      : { allowed: false }
    return { policy: { ...policy, hours: { kind, week, outOfHours } }, rowMap: {} }
  },
}

const checkInMoments = [
  { value: 'atLeavingSchool', text: 'When they leave school' },
  { value: 'atArrival', text: 'When they arrive, before going in' },
  { value: 'atEnd', text: 'When the visit ends' },
  { value: 'atReturn', text: 'When they are back at school (they sign back in)' },
] as const

const checkIns: Section = {
  slug: 'check-ins',
  title: 'Check-ins',
  intro: 'How the school keeps in touch with visitors while they are out, and what they agree before they go.',
  owns: ['checkIns', 'itinerary'],
  toBody: ({ checkIns: c, itinerary }) => ({
    'checkIns.monitoredBy': c.monitoredBy,
    'checkIns.initiatedBy': c.initiatedBy,
    'checkIns.moments': checkInMoments.filter((moment) => c[moment.value]).map((moment) => moment.value),
    'checkIns.firstCheck.enabled': yesNoValue(c.firstCheck !== null),
    'checkIns.firstCheck.minutesAfter': c.firstCheck ? String(c.firstCheck.minutesAfter) : '',
    'checkIns.firstCheck.from': c.firstCheck?.from ?? '',
    'checkIns.firstCheck.initiatedBy': c.firstCheck?.initiatedBy ?? '',
    'checkIns.repeatEveryMinutes': c.repeatEveryMinutes === null ? '' : String(c.repeatEveryMinutes),
    'checkIns.reminderMinutesBefore': String(c.reminderMinutesBefore),
    'checkIns.graceMinutes': String(c.graceMinutes),
    'itinerary.codeWordRequired': yesNoValue(itinerary.codeWordRequired),
    'itinerary.contingencyPlanRequired': yesNoValue(itinerary.contingencyPlanRequired),
    // A version published before this setting has none: it reads as minimal (docs/decisions/0013).
    'itinerary.calendarDetail': itinerary.calendarDetail === 'full' ? 'full' : 'minimal',
  }),
  form: (body, errors) => [
    roles(body, errors, 'checkIns.monitoredBy', 'Who monitors visitors while they are out?'),
    radios(body, errors, 'checkIns.initiatedBy', 'Who makes the routine check-ins?', [
      { value: 'visitor', text: 'The visitors contact the school' },
      { value: 'office', text: 'The school calls the visitors' },
    ]),
    checkboxes(body, errors, 'checkIns.moments', 'When do visitors check in?', [...checkInMoments]),
    input(body, errors, 'checkIns.repeatEveryMinutes', 'Check in every', { width: 4, numeric: true, suffix: 'minutes', hint: 'Until the visit ends. Leave empty for no regular check-ins.' }),
    heading('A first check'),
    yesNo(body, errors, 'checkIns.firstCheck.enabled', 'Is there a first check a set time into the visit?', 'For example, the office calls 10 minutes after the scheduled start.'),
    input(body, errors, 'checkIns.firstCheck.minutesAfter', 'How long into the visit?', { width: 4, numeric: true, suffix: 'minutes', hint: 'If there is a first check.' }),
    radios(body, errors, 'checkIns.firstCheck.from', 'Counted from', [
      { value: 'scheduled_start', text: 'The scheduled start of the visit' },
      { value: 'arrival', text: 'When the visitors arrive' },
    ]),
    radios(body, errors, 'checkIns.firstCheck.initiatedBy', 'Who makes the first check?', [
      { value: 'office', text: 'The school calls the visitors' },
      { value: 'visitor', text: 'The visitors contact the school' },
    ]),
    heading('Reminders and missed check-ins'),
    input(body, errors, 'checkIns.reminderMinutesBefore', 'Remind this long before a check-in is due', { width: 4, numeric: true, suffix: 'minutes' }),
    input(body, errors, 'checkIns.graceMinutes', 'A check-in is missed when it is this late', { width: 4, numeric: true, suffix: 'minutes', hint: 'Then the escalation steps begin.' }),
    heading('Before visitors leave'),
    yesNo(body, errors, 'itinerary.codeWordRequired', 'Is a code word or phrase agreed for each visit?'),
    yesNo(body, errors, 'itinerary.contingencyPlanRequired', 'Is a contingency plan recorded for each visit?', 'For example, for a breakdown or getting lost.'),
    heading('Calendar feeds'),
    radios(
      body,
      errors,
      'itinerary.calendarDetail',
      'What does a visit say in staff’s calendars?',
      [
        { value: 'minimal', text: 'The pupils’ initials and the first part of the postcode, like W6', hint: 'And a link to the visit in Doorstep, where staff sign in to see who and where.' },
        {
          value: 'full',
          text: 'The pupils’ names and the full address',
          hint: 'This sends children’s names and home addresses to the calendar provider (Google, Microsoft or Apple), which keeps them on its own servers.',
        },
      ],
      'Calendar links are added to Outlook, Google Calendar or Apple Calendar, so the company behind the calendar stores every event.',
    ),
  ],
  read(reader, policy) {
    const monitoredBy = reader.roles('checkIns.monitoredBy', policy.checkIns.monitoredBy)
    const initiatedBy = reader.choice('checkIns.initiatedBy', ['office', 'visitor'] as const, 'Select who makes the routine check-ins')
    const moments = list(reader.body, 'checkIns.moments')
    if (moments.some((moment) => !checkInMoments.some((m) => m.value === moment))) reader.fail('checkIns.moments', 'Choose from the list')
    const repeatEveryMinutes = reader.whole('checkIns.repeatEveryMinutes', 'how often visitors check in', { min: 1, optional: true })
    const first = reader.yesNo('checkIns.firstCheck.enabled', 'Select yes if there is a first check a set time into the visit')
    const firstCheck = first
      ? {
          minutesAfter: reader.whole('checkIns.firstCheck.minutesAfter', 'how long into the visit the first check is', { min: 0 }) ?? 0,
          from: reader.choice('checkIns.firstCheck.from', ['scheduled_start', 'arrival'] as const, 'Select what the first check is counted from'),
          initiatedBy: reader.choice('checkIns.firstCheck.initiatedBy', ['office', 'visitor'] as const, 'Select who makes the first check'),
        }
      : null
    const reminderMinutesBefore = reader.whole('checkIns.reminderMinutesBefore', 'how long before a check-in the reminder comes', { min: 0 }) ?? 0
    const graceMinutes = reader.whole('checkIns.graceMinutes', 'how late a check-in is when it is missed', { min: 0 }) ?? 0
    const codeWordRequired = reader.yesNo('itinerary.codeWordRequired', 'Select yes if a code word is agreed for each visit')
    const contingencyPlanRequired = reader.yesNo('itinerary.contingencyPlanRequired', 'Select yes if a contingency plan is recorded for each visit')
    const calendarDetail = reader.choice('itinerary.calendarDetail', calendarDetails, 'Select what a visit says in staff’s calendars')
    return {
      policy: {
        ...policy,
        checkIns: {
          monitoredBy,
          initiatedBy,
          atLeavingSchool: moments.includes('atLeavingSchool'),
          atArrival: moments.includes('atArrival'),
          firstCheck,
          repeatEveryMinutes,
          atEnd: moments.includes('atEnd'),
          atReturn: moments.includes('atReturn'),
          reminderMinutesBefore,
          graceMinutes,
        },
        itinerary: { codeWordRequired, contingencyPlanRequired, calendarDetail },
      },
      rowMap: {},
    }
  },
  fieldFor(path) {
    if (path === 'checkIns' || /^checkIns\.(atLeavingSchool|atArrival|atEnd|atReturn)$/.test(path)) return 'checkIns.moments'
    if (path === 'checkIns.firstCheck') return 'checkIns.firstCheck.enabled'
    return undefined
  },
}

const actionOptions: Option[] = Object.entries(escalationActions).map(([value, text]) => ({ value, text: capitalise(text) }))
const stepKeys = ['id', 'roles', 'action', 'delayMinutes', 'realertEveryMinutes']

const escalation: Section = {
  slug: 'escalation',
  title: 'Escalation ladder',
  intro: 'What Doorstep does, step by step, when visitors miss a check-in or are not back when expected. Each step alerts people until one of them acknowledges it.',
  owns: ['escalation'],
  toBody: ({ escalation: e }) => ({
    ...Object.fromEntries(
      e.steps.flatMap((step, index) => [
        [`escalation.steps.${index}.id`, step.id],
        [`escalation.steps.${index}.roles`, step.roles],
        [`escalation.steps.${index}.action`, step.action],
        [`escalation.steps.${index}.delayMinutes`, String(step.delayMinutes)],
        [`escalation.steps.${index}.realertEveryMinutes`, String(step.realertEveryMinutes)],
      ]),
    ),
    'escalation.outOfHoursOfficeReplacedBy': e.outOfHoursOfficeReplacedBy,
  }),
  form(body, errors) {
    const steps = rowsOf(body, 'escalation.steps')
    // Pressing Enter in a box saves the form, rather than pressing the first step's "Move down" button.
    const components: Component[] = [{ macro: 'defaultSubmit' }]
    steps.forEach(({ index, row }, at) => {
      const name = `escalation.steps.${index}`
      const rowBody = Object.fromEntries(Object.entries(row).map(([key, value]) => [`${name}.${key}`, value]))
      components.push(
        { macro: 'fieldsetStart', legend: `Step ${at + 1}`, size: 'm' },
        hidden(`${name}.id`, str(row, 'id')),
        roles(rowBody, errors, `${name}.roles`, 'Who is alerted?'),
        select(rowBody, errors, `${name}.action`, 'What are they alerted to do?', actionOptions),
        input(rowBody, errors, `${name}.delayMinutes`, at === 0 ? 'How long after the missed check-in or return?' : 'How long after the step before?', {
          width: 4,
          numeric: true,
          suffix: 'minutes',
          hint: at === 0 ? '0 for at once.' : '0 for at the same time. A step before that reports no contact brings this step forward.',
        }),
        input(rowBody, errors, `${name}.realertEveryMinutes`, 'Alert again every', { width: 4, numeric: true, suffix: 'minutes', hint: 'Until someone acknowledges the step.' }),
        {
          macro: 'buttonGroup',
          buttons: [
            ...(at > 0 ? [button(`Move step ${at + 1} up`, { name: 'stepAction', value: `up:${at}`, secondary: true })] : []),
            ...(at < steps.length - 1 ? [button(`Move step ${at + 1} down`, { name: 'stepAction', value: `down:${at}`, secondary: true })] : []),
            button(`Remove step ${at + 1}`, { name: 'stepAction', value: `remove:${at}`, warning: true }),
          ],
        },
        { macro: 'fieldsetEnd' },
      )
    })
    if (errors.has('escalation.steps')) components.push({ macro: 'error', id: 'escalation-steps', text: errors.get('escalation.steps')! })
    components.push(button('Add a step', { name: 'stepAction', value: 'add', secondary: true, ...(errors.has('escalation.steps') ? {} : { id: 'escalation-steps' }) }))
    components.push(
      radios(body, errors, 'escalation.outOfHoursOfficeReplacedBy', 'Out of hours, who takes the school office’s place in these steps?', [
        { value: 'responsible_contact', text: "The visit's named responsible contact" },
        ...roleOptions,
      ]),
    )
    return components
  },
  read(reader, policy) {
    const rows = rowsOf(reader.body, 'escalation.steps')
    const taken = new Set<string>()
    const steps = rows.map(({ index, row }) => {
      const name = `escalation.steps.${index}`
      const given = str(row, 'id')
      const id = /^[a-z][a-z0-9_]*$/.test(given) && !taken.has(given) ? given : newId(`step_${index + 1}`, taken, 'step')
      taken.add(id)
      return {
        id,
        roles: reader.roles(`${name}.roles`, policy.escalation.steps.find((step) => step.id === given)?.roles),
        action: reader.choice(`${name}.action`, Object.keys(escalationActions) as EscalationAction[], `Select what step ${index + 1} alerts people to do`),
        delayMinutes: reader.whole(`${name}.delayMinutes`, `how long step ${index + 1} waits`, { min: 0 }) ?? 0,
        realertEveryMinutes: reader.whole(`${name}.realertEveryMinutes`, `how often step ${index + 1} alerts again`, { min: 1 }) ?? 1,
      }
    })
    const replacement = str(reader.body, 'escalation.outOfHoursOfficeReplacedBy')
    const valid = replacement === 'responsible_contact' || roleOptions.some((option) => option.value === replacement)
    if (!valid) reader.fail('escalation.outOfHoursOfficeReplacedBy', 'Select who takes the school office’s place out of hours')
    const outOfHoursOfficeReplacedBy = (valid ? replacement : 'responsible_contact') as 'responsible_contact' | SchoolRole
    return { policy: { ...policy, escalation: { steps, outOfHoursOfficeReplacedBy } }, rowMap: { 'escalation.steps': rows.map((row) => row.index) } }
  },
  rearrange(body) {
    const action = str(body, 'stepAction')
    if (!action) return undefined
    const rows = rowsOf(body, 'escalation.steps').map(({ row }) => Object.fromEntries(stepKeys.map((key) => [key, row[key] ?? (key === 'roles' ? [] : '')])))
    const [verb, at] = [action.split(':')[0], Number(action.split(':')[1])]
    if (verb === 'add') rows.push({ id: '', roles: [], action: 'phone_visitors', delayMinutes: rows.length ? '15' : '0', realertEveryMinutes: '5' })
    else if (Number.isInteger(at) && at >= 0 && at < rows.length) {
      if (verb === 'remove') rows.splice(at, 1)
      if (verb === 'up' && at > 0) rows.splice(at - 1, 2, rows[at]!, rows[at - 1]!)
      if (verb === 'down' && at < rows.length - 1) rows.splice(at, 2, rows[at + 1]!, rows[at]!)
    }
    const { stepAction: _action, ...rest } = body
    return withRows(rest, 'escalation.steps', rows)
  },
}

const waits: Section = {
  slug: 'waits',
  title: 'Waits, identification and vehicles',
  intro: 'How long visitors wait at the door, how they carry identification, and the vehicles they may use.',
  owns: ['waits', 'identity', 'vehicles'],
  toBody: ({ waits: w, identity, vehicles }) => ({
    'waits.parentsNotPresentMinutes': String(w.parentsNotPresentMinutes),
    'waits.parentsRunningLateMinutes': String(w.parentsRunningLateMinutes),
    'identity.badgeRule': identity.badgeRule,
    'vehicles.businessInsuranceRequired': yesNoValue(vehicles.businessInsuranceRequired),
    'vehicles.approvedVehiclesOnly': yesNoValue(vehicles.approvedVehiclesOnly),
  }),
  form: (body, errors) => [
    input(body, errors, 'waits.parentsNotPresentMinutes', 'If the parents are not there at the arranged time, wait no longer than', { width: 4, numeric: true, suffix: 'minutes' }),
    input(body, errors, 'waits.parentsRunningLateMinutes', 'If the parents say they are running late, wait no longer than', { width: 4, numeric: true, suffix: 'minutes' }),
    textarea(body, errors, 'identity.badgeRule', 'How do visitors carry and show identification?', 'Visitors read this in their briefing. For example, Carry your identity card and show it when you arrive. Do not wear it around your neck.'),
    yesNo(body, errors, 'vehicles.businessInsuranceRequired', 'Must every vehicle used be insured for business use?'),
    yesNo(body, errors, 'vehicles.approvedVehiclesOnly', 'May only vehicles the school has approved be used?', 'Personal vehicles may then not be used.'),
  ],
  read(reader, policy) {
    return {
      policy: {
        ...policy,
        waits: {
          parentsNotPresentMinutes: reader.whole('waits.parentsNotPresentMinutes', 'how long to wait for parents who are not there', { min: 1 }) ?? 1,
          parentsRunningLateMinutes: reader.whole('waits.parentsRunningLateMinutes', 'how long to wait for parents who are running late', { min: 1 }) ?? 1,
        },
        identity: { badgeRule: reader.text('identity.badgeRule', 'how visitors carry and show identification', { max: 1000 }) },
        vehicles: {
          businessInsuranceRequired: reader.yesNo('vehicles.businessInsuranceRequired', 'Select yes if every vehicle must be insured for business use'),
          approvedVehiclesOnly: reader.yesNo('vehicles.approvedVehiclesOnly', 'Select yes if only vehicles the school has approved may be used'),
        },
      },
      rowMap: {},
    }
  },
}

const tutoringRules = [
  { value: 'appropriateAdultPresent', text: 'An appropriate adult is present throughout' },
  { value: 'bedroomOnlyIfNoAlternative', text: "Not in the pupil's bedroom unless there is no other suitable space (the reason is recorded)" },
  { value: 'doorKeptOpen', text: 'The door of the room is kept open' },
  { value: 'parentsToldOfScheduleChanges', text: 'Parents are told of any change to a session' },
  { value: 'misbehaviourRecorded', text: 'Misbehaviour is recorded and reported' },
] as const

const reminders: Section = {
  slug: 'reminders',
  title: 'Briefing reminders and tutoring',
  intro: 'The reminders visitors read in their briefing before they leave, and the rules for tutoring visits.',
  owns: ['reminders', 'tutoring'],
  toBody: ({ reminders: r, tutoring }) => ({
    ...Object.fromEntries(r.briefing.map((text, index) => [`reminders.briefing.${index}.text`, text])),
    'tutoring.enabled': yesNoValue(tutoring !== null),
    'tutoring.rules': tutoring ? tutoringRules.filter((rule) => tutoring[rule.value]).map((rule) => rule.value) : [],
  }),
  form(body, errors) {
    const components: Component[] = [
      { macro: 'fieldsetStart', legend: 'Reminders in the briefing', hint: 'One reminder a box. Empty a box to remove that reminder.' },
    ]
    for (const { index, row } of withBlanks(body, 'reminders.briefing', ['text'])) {
      const name = `reminders.briefing.${index}`
      components.push(textarea({ [name]: row.text }, errors, name, `Reminder ${index + 1}`, undefined, 2))
    }
    components.push(
      { macro: 'fieldsetEnd' },
      heading('Tutoring visits'),
      yesNo(body, errors, 'tutoring.enabled', 'Does the policy set rules for tutoring visits?'),
      checkboxes(body, errors, 'tutoring.rules', 'On tutoring visits', [...tutoringRules], 'If it does.'),
    )
    return components
  },
  read(reader, policy) {
    const briefing: string[] = []
    const formRows: number[] = []
    for (const { index } of rowsOf(reader.body, 'reminders.briefing')) {
      const text = str(reader.body, `reminders.briefing.${index}.text`)
      if (!text) continue
      if (text.length > 1000) reader.fail(`reminders.briefing.${index}.text`, 'A reminder must be 1000 characters or fewer')
      briefing.push(text)
      formRows.push(index)
    }
    const enabled = reader.yesNo('tutoring.enabled', 'Select yes if the policy sets rules for tutoring visits')
    const chosen = list(reader.body, 'tutoring.rules')
    const tutoring = enabled ? (Object.fromEntries(tutoringRules.map((rule) => [rule.value, chosen.includes(rule.value)])) as NonNullable<Policy['tutoring']>) : null
    return { policy: { ...policy, reminders: { briefing }, tutoring }, rowMap: { 'reminders.briefing': formRows } }
  },
  fieldFor: (path) => {
    const match = /^reminders\.briefing\.(\d+)$/.exec(path)
    return match ? `reminders.briefing.${match[1]}.text` : undefined
  },
}

const records: Section = {
  slug: 'records',
  title: 'Records, reporting and attendance',
  intro: 'The record of each visit, who hears about concerns, incidents and cancellations, and when the local authority is told about attendance.',
  owns: ['records', 'reporting', 'attendance'],
  toBody: ({ records: r, reporting, attendance: a }) => ({
    'records.completeWithinHours': String(r.completeWithinHours),
    'records.cpomsExportRequired': yesNoValue(r.cpomsExportRequired),
    'reporting.safeguardingConcernsTo': reporting.safeguardingConcernsTo,
    'reporting.incidentsTo': reporting.incidentsTo,
    'reporting.cancellationReasonsTo': reporting.cancellationReasonsTo,
    'attendance.localAuthorityReferral.enabled': yesNoValue(a.localAuthorityReferral !== null),
    'attendance.localAuthorityReferral.belowPercent': a.localAuthorityReferral?.belowPercent == null ? '' : String(a.localAuthorityReferral.belowPercent),
    'attendance.localAuthorityReferral.fallingTrend': a.localAuthorityReferral ? yesNoValue(a.localAuthorityReferral.fallingTrend) : '',
    'attendance.localAuthorityReferral.windowMonths': a.localAuthorityReferral ? String(a.localAuthorityReferral.windowMonths) : '',
    'attendance.agreementReminderLetters': yesNoValue(a.agreementReminderLetters),
    'attendance.followUpVisitOnContinuedFailure': yesNoValue(a.followUpVisitOnContinuedFailure),
  }),
  form: (body, errors) => [
    input(body, errors, 'records.completeWithinHours', 'Complete the visit record within', { width: 4, numeric: true, suffix: 'hours' }),
    yesNo(body, errors, 'records.cpomsExportRequired', 'Is each record exported to CPOMS?'),
    heading('Reporting'),
    roles(body, errors, 'reporting.safeguardingConcernsTo', 'Who receives safeguarding concerns and disclosures?'),
    roles(body, errors, 'reporting.incidentsTo', 'Who receives incident reports?'),
    roles(body, errors, 'reporting.cancellationReasonsTo', 'Who receives the reason a visit was cancelled, in writing?'),
    heading('Attendance'),
    yesNo(body, errors, 'attendance.localAuthorityReferral.enabled', 'Are pupils flagged for the local authority because of their attendance?'),
    input(body, errors, 'attendance.localAuthorityReferral.belowPercent', 'When attendance falls below', {
      width: 3,
      numeric: true,
      suffix: '%',
      hint: 'If they are. Leave empty for no threshold.',
    }),
    yesNo(body, errors, 'attendance.localAuthorityReferral.fallingTrend', 'Or when attendance keeps falling?', 'If they are.'),
    input(body, errors, 'attendance.localAuthorityReferral.windowMonths', 'Over', { width: 2, numeric: true, suffix: 'months', hint: 'If they are.' }),
    yesNo(body, errors, 'attendance.agreementReminderLetters', 'Are parents sent a reminder letter when a pupil does not keep to an agreement?'),
    yesNo(body, errors, 'attendance.followUpVisitOnContinuedFailure', 'Does continued failure to keep to an agreement lead to a follow-up visit?'),
  ],
  read(reader, policy) {
    const completeWithinHours = reader.whole('records.completeWithinHours', 'how many hours the record is due within', { min: 1 }) ?? 1
    const cpomsExportRequired = reader.yesNo('records.cpomsExportRequired', 'Select yes if each record is exported to CPOMS')
    const reporting = {
      safeguardingConcernsTo: reader.roles('reporting.safeguardingConcernsTo', policy.reporting.safeguardingConcernsTo),
      incidentsTo: reader.roles('reporting.incidentsTo', policy.reporting.incidentsTo),
      cancellationReasonsTo: reader.roles('reporting.cancellationReasonsTo', policy.reporting.cancellationReasonsTo),
    }
    const referral = reader.yesNo('attendance.localAuthorityReferral.enabled', 'Select yes if pupils are flagged for the local authority')
    const localAuthorityReferral = referral
      ? {
          belowPercent: reader.decimal('attendance.localAuthorityReferral.belowPercent', 'the attendance threshold', { optional: true }),
          fallingTrend: reader.yesNo('attendance.localAuthorityReferral.fallingTrend', 'Select yes if pupils whose attendance keeps falling are flagged'),
          windowMonths: reader.whole('attendance.localAuthorityReferral.windowMonths', 'the number of months', { min: 1, max: 36 }) ?? 1,
        }
      : null
    return {
      policy: {
        ...policy,
        records: { completeWithinHours, cpomsExportRequired },
        reporting,
        attendance: {
          localAuthorityReferral,
          agreementReminderLetters: reader.yesNo('attendance.agreementReminderLetters', 'Select yes if parents are sent reminder letters'),
          followUpVisitOnContinuedFailure: reader.yesNo('attendance.followUpVisitOnContinuedFailure', 'Select yes if continued failure leads to a follow-up visit'),
        },
      },
      rowMap: {},
    }
  },
}

const review: Section = {
  slug: 'review',
  title: 'Title and review',
  intro: 'What the policy is called, and when and by whom it is reviewed.',
  owns: ['title', 'review'],
  dateFields: ['review.lastReviewedOn', 'review.nextReviewDate'],
  toBody: (policy) => ({
    title: policy.title,
    'review.cycleMonths': String(policy.review.cycleMonths),
    ...dateBody('review.lastReviewedOn', policy.review.lastReviewedOn),
    ...dateBody('review.nextReviewDate', policy.review.nextReviewDate),
    'review.reviewerRoles': policy.review.reviewerRoles,
  }),
  form: (body, errors) => [
    input(body, errors, 'title', 'Title of the policy', { hint: 'Shown after the school’s name. For example, Home Visit Policy' }),
    input(body, errors, 'review.cycleMonths', 'The policy is reviewed every', { width: 2, numeric: true, suffix: 'months' }),
    roles(body, errors, 'review.reviewerRoles', 'Who reviews it?'),
    dateInput(body, errors, 'review.lastReviewedOn', 'When was it last reviewed?', 'For example, 1 9 2026'),
    dateInput(body, errors, 'review.nextReviewDate', 'When is the next review due?', 'Today or later. For example, 1 9 2027'),
  ],
  read(reader, policy) {
    const title = reader.text('title', 'the title of the policy', { max: 200 })
    const cycleMonths = reader.whole('review.cycleMonths', 'how often the policy is reviewed, in months', { min: 1, max: 60 }) ?? 12
    const reviewerRoles = reader.roles('review.reviewerRoles', policy.review.reviewerRoles)
    const lastReviewedOn = reader.date('review.lastReviewedOn', 'the date the policy was last reviewed')
    const nextReviewDate = reader.date('review.nextReviewDate', 'the date the next review is due')
    return {
      policy: {
        ...policy,
        title,
        review: { cycleMonths, reviewerRoles, lastReviewedOn: lastReviewedOn || policy.review.lastReviewedOn, nextReviewDate: nextReviewDate || policy.review.nextReviewDate },
      },
      rowMap: {},
    }
  },
}

export const sections: readonly Section[] = [
  purposes,
  approval,
  riskAssessment,
  staffing,
  training,
  notice,
  hours,
  checkIns,
  escalation,
  waits,
  reminders,
  records,
  review,
]

export function sectionBySlug(slug: string): Section | undefined {
  return sections.find((section) => section.slug === slug)
}

/** The section whose page edits the setting at `path`. */
export function sectionFor(path: string): Section | undefined {
  return sections.find((section) => section.owns.some((prefix) => path === prefix || path.startsWith(`${prefix}.`)))
}

/** The names of the fields a form shows. */
export function fieldNames(components: readonly Component[]): string[] {
  const names: string[] = []
  for (const component of components) {
    if (component.macro === 'pair') names.push(String(component.first.params.name), String(component.second.params.name))
    else if ('params' in component) {
      const name = component.params.name ?? component.params.namePrefix
      if (typeof name === 'string' && component.macro !== 'button') names.push(name)
    }
  }
  return names
}

/**
 * The field an error at a policy path belongs to on a section's page: the field named by the path
 * (list positions moved to where the row is on the form), else the nearest field above or inside it.
 */
export function fieldForError(section: Section, path: string, policy: Policy, rowMap: RowMap, names: readonly string[]): string {
  let mapped = path
  for (const [listName, formRows] of Object.entries(rowMap)) {
    const match = new RegExp(`^${listName.replaceAll('.', '\\.')}\\.(\\d+)(\\..*)?$`).exec(path)
    if (match) mapped = `${listName}.${formRows[Number(match[1])] ?? match[1]}${match[2] ?? ''}`
  }
  const special = section.fieldFor?.(path, policy)
  if (special) return special
  const parts = mapped.split('.')
  for (let length = parts.length; length > 0; length--) {
    const candidate = parts.slice(0, length).join('.')
    if (names.includes(candidate)) return candidate
    const inside = names.find((name) => name.startsWith(`${candidate}.`))
    if (inside) return inside
  }
  return names[0] ?? path
}
