import PDFDocument from 'pdfkit'
import { formatDate, formatMinutes } from '../domain/dates.ts'
import { describeRoles, joinWords, roleNamesInText, safeguardingRoleNames } from '../domain/roles.ts'
import { escalationActions, riskAssessmentFields, weekdays, type Policy, type Weekday } from './schema.ts'

/**
 * R-GOV-1: the policy a member of staff reads, written from the same settings the rules enforce.
 * Sections follow the order staff think in: why, before, during, if you do not return, after, training, review.
 */

export type DocumentBlock =
  | { kind: 'paragraph'; text: string }
  | { kind: 'bullets'; items: string[] }
  | { kind: 'steps'; items: string[] }
export type DocumentSection = { heading: string; blocks: DocumentBlock[] }
export type PolicyDocument = { title: string; subtitle: string; sections: DocumentSection[] }

export function policyDocument(policy: Policy, options: { schoolName: string }): PolicyDocument {
  const { schoolName } = options
  return {
    title: `${schoolName}: ${policy.title}`,
    subtitle: `Version ${policy.version}, in effect from ${formatDate(policy.effectiveFrom)}.`,
    sections: [
      purposeSection(policy, schoolName),
      beforeSection(policy),
      duringSection(policy),
      escalationSection(policy),
      afterSection(policy),
      trainingSection(policy),
      reviewSection(policy),
    ].map(withoutEmptyBlocks),
  }
}

function withoutEmptyBlocks(section: DocumentSection): DocumentSection {
  return { ...section, blocks: section.blocks.filter((block) => (block.kind === 'paragraph' ? block.text !== '' : block.items.length > 0)) }
}

const paragraph = (...sentences: Array<string | false>): DocumentBlock => ({
  kind: 'paragraph',
  text: sentences.filter((sentence): sentence is string => typeof sentence === 'string' && sentence !== '').join(' '),
})
const bullets = (items: string[]): DocumentBlock => ({ kind: 'bullets', items })

function purposeSection(policy: Policy, schoolName: string): DocumentSection {
  return {
    heading: 'Why we make home visits',
    blocks: [
      paragraph(
        `${schoolName} staff make a home visit only when it is needed and in the pupil's best interests.`,
        'Every visit records one of these purposes, with a note explaining it:',
      ),
      bullets(policy.purposes.map((purpose) => purpose.label)),
      paragraph(
        'Before asking for a visit, make sure it is really necessary, and record why inviting the parents into school is not suitable.',
        'Where the risk assessment finds potential risks, invite the family into school instead.',
      ),
      ...(policy.family.mayDeclineVisits
        ? [
            paragraph(
              'Families have the right not to want a home visit.',
              'If a family declines, that is recorded and shown to anyone who plans another visit to them.',
            ),
          ]
        : []),
    ],
  }
}

function beforeSection(policy: Policy): DocumentSection {
  const { riskAssessment } = policy
  const form = {
    written: 'A written risk assessment is completed',
    dynamic: 'A dynamic risk assessment is completed',
    discussion: 'A risk assessment discussion is held',
  }[riskAssessment.form]
  const completedBy = describeRoles(riskAssessment.completedBy)
  const signedOffBy = describeRoles(riskAssessment.signedOffBy)
  return {
    heading: 'Before the visit',
    blocks: [
      approvalParagraph(policy),
      paragraph(
        completedBy === signedOffBy
          ? `${form} by ${completedBy}, who also signs it off, before the visit is approved.`
          : `${form} by ${completedBy} before the visit is approved, and signed off by ${signedOffBy}.`,
        'It covers:',
      ),
      bullets(riskAssessment.requiredFields.map((field) => capitalise(riskAssessmentFields[field]))),
      paragraph(
        riskAssessment.reopenOnNewRisks && 'If new or changed risks come to light before the visit, the risk assessment is re-opened and updated before anyone goes.',
        riskAssessment.policeAccompanimentCanBeRequested && 'The risk assessment may ask for police accompaniment; if it does, everyone on the visit is told.',
        riskAssessment.standingAssessment !== null && `Read the school's standing "${riskAssessment.standingAssessment.name}" risk assessment before you visit.`,
        riskAssessment.standingAssessment?.updateAfterVisits === true && 'When a visit shows that something in it should change, it is updated.',
      ),
      staffingParagraph(policy),
      noticeParagraph(policy),
      ...noticeExceptions(policy),
      hoursParagraph(policy),
      paragraph(
        'Put the visit in the school calendar with the address and the times you expect to leave school, arrive, finish and be back.',
        policy.itinerary.codeWordRequired && 'Agree a code word or phrase for the visit: saying it on a call or in a text tells the school discreetly that you need help or should leave.',
        policy.itinerary.contingencyPlanRequired && 'Have a contingency plan in case things go wrong, for example if the car breaks down or you get lost.',
      ),
      paragraph(
        policy.itinerary.calendarDetail === 'full'
          ? "Staff can see their visits in Outlook, Google or Apple Calendar. Each visit there shows the pupils' names and the full address, so the company behind the calendar holds them."
          : "Staff can see their visits in Outlook, Google or Apple Calendar. Each visit there shows only the pupils' initials and the first part of the postcode, with a link to the visit in Doorstep: no child's name or home address goes to the company behind the calendar.",
      ),
      paragraph(
        'The school office holds the make, model, registration and colour of every vehicle used for visits.',
        policy.vehicles.businessInsuranceRequired && 'Every vehicle used must be insured for business use.',
        policy.vehicles.approvedVehiclesOnly && 'Only vehicles approved by the school may be used; personal vehicles may not.',
      ),
    ],
  }
}

function approvalParagraph(policy: Policy): DocumentBlock {
  const { approval } = policy
  const labels = new Map(policy.purposes.map((purpose) => [purpose.id, purpose.label]))
  return paragraph(
    `Every visit must be approved by ${describeRoles(approval.approverRoles)} before it starts; Doorstep will not let an unapproved visit start.`,
    ...approval.byPurpose.map((rule) => `Visits for "${labels.get(rule.purposeId) ?? rule.purposeId}" are approved by ${describeRoles(rule.approverRoles)} instead.`),
    approval.approverMayBeOnVisit ? 'An approver may approve a visit they are going on.' : 'No one may approve a visit they are going on.',
  )
}

function staffingParagraph(policy: Policy): DocumentBlock {
  const { minimumStaff, loneVisits, mobileNumberRequired, adminsMayGrantSafeguardingRoles } = policy.staffing
  const team = staffCount(minimumStaff)
  const sentences: Array<string | false> = []
  if (!loneVisits.allowed) {
    sentences.push(`Every home visit is made by at least ${team}. Lone visits are not allowed.`)
  } else if (loneVisits.approverRoles === null) {
    sentences.push(
      minimumStaff > 1
        ? `At least ${team} are advised for every home visit, but a lone visit is allowed; Doorstep reminds the planner of this advice.`
        : 'A home visit may be made by one member of staff.',
    )
  } else {
    sentences.push(
      minimumStaff > 1 ? `Home visits are made by at least ${team}.` : 'A home visit may be made by one member of staff.',
      `A member of staff may visit alone only with a recorded decision by ${describeRoles(loneVisits.approverRoles)} that it is safe and appropriate.`,
    )
  }
  if (loneVisits.allowed && loneVisits.riskAssessmentRequired) sentences.push('A lone visit also needs its own lone-working risk assessment, completed before the visit.')
  sentences.push("Record each visitor's role on the visit: lead, second visitor or note-taker.")
  if (mobileNumberRequired) {
    sentences.push(`${capitalise(describeRoles(policy.checkIns.monitoredBy))} must hold each visitor's mobile number, and the visit plan records it.`)
  }
  sentences.push(
    `${adminsMayGrantSafeguardingRoles ? 'The headteacher or a school admin gives' : 'Only the headteacher gives'} or takes away the roles of ${safeguardingRoleNames} in Doorstep.`,
  )
  return paragraph(...sentences)
}

function noticeParagraph(policy: Policy): DocumentBlock {
  const { notice } = policy
  if (!notice.required) {
    return paragraph(
      'Parents need not be told about a visit in advance.',
      notice.choiceOfTimes && 'When a visit is arranged with them, offer them a choice of times.',
    )
  }
  return paragraph(
    `Tell the parents about the visit in advance${notice.choiceOfTimes ? ' and offer them a choice of times' : ''}.`,
    notice.exceptions.length > 0
      ? 'You may visit without telling them first only in one of these cases, and you record which one and why:'
      : 'There are no exceptions: every visit is arranged with the parents first.',
  )
}

function noticeExceptions(policy: Policy): DocumentBlock[] {
  const { exceptions, required } = policy.notice
  return required && exceptions.length > 0 ? [bullets(exceptions.map((exception) => exception.label))] : []
}

function hoursParagraph(policy: Policy): DocumentBlock {
  const { kind, outOfHours } = policy.hours
  return paragraph(
    `Visits take place in ${kind} hours: ${describeWeek(policy.hours.week)}.`,
    outOfHours.allowed
      ? `A visit outside these hours needs approval by ${describeRoles(outOfHours.approverRoles)} as an exceptional case${
          outOfHours.responsibleContactRequired ? ', and a named responsible contact who monitors the visit instead of the school office' : ''
        }.`
      : 'Visits outside these hours are not allowed.',
  )
}

function duringSection(policy: Policy): DocumentSection {
  const { checkIns, waits } = policy
  const monitor = describeRoles(checkIns.monitoredBy)
  const initiator = checkIns.initiatedBy === 'office' ? monitor : 'you'
  return {
    heading: 'During the visit',
    blocks: [
      paragraph(`Keep in touch with ${monitor} throughout. Each check-in records the time, who made it, how (app, phone call or text) and, if you choose, where you are.`),
      bullets(checkInMoments(policy)),
      paragraph(
        checkIns.reminderMinutesBefore > 0
          ? `Doorstep reminds ${initiator} ${formatMinutes(checkIns.reminderMinutesBefore)} before each check-in is due.`
          : `Doorstep reminds ${initiator} when each check-in is due.`,
        `A check-in not made within ${formatMinutes(checkIns.graceMinutes)} of its time is missed, and the steps under "If you do not check in or return" begin.`,
        `If your times change, for example because of traffic, tell ${monitor} at once; the check-in times move to match.`,
      ),
      paragraph(`Identification: ${policy.identity.badgeRule}`),
      paragraph(
        'Go in only when a responsible adult invites you in and an adult with parental responsibility, or someone they have asked to be there, is present.',
        'Never go in if only a child is there without an adult.',
        'Ask for animals to be kept out of the room, show your identification and explain the purpose of the visit.',
        'If you feel unsafe, hold the visit on the doorstep, or leave and rearrange it.',
      ),
      paragraph(
        `If the parents are not there at the arranged time, wait no longer than ${formatMinutes(waits.parentsNotPresentMinutes)}, then leave; the visit is recorded as no contact.`,
        `If the parents have said they are running late, do not go in until they arrive, and leave if they are more than ${formatMinutes(waits.parentsRunningLateMinutes)} late.`,
      ),
      paragraph(
        `If you need help, ${policy.itinerary.codeWordRequired ? 'use the code word on a call or text, or ' : ''}press the silent alarm in Doorstep: it alerts the school office and the DSL at once.`,
        'If anyone is in immediate danger, call 999, then tell the school.',
        'If you find a child alone who should not be, tell the safeguarding team straight away.',
      ),
      ...(policy.reminders.briefing.length > 0 ? [paragraph('Remember:'), bullets([...policy.reminders.briefing])] : []),
      ...tutoringBlocks(policy),
    ],
  }
}

function checkInMoments(policy: Policy): string[] {
  const { checkIns } = policy
  const monitor = capitalise(describeRoles(checkIns.monitoredBy))
  const moments: string[] = []
  if (checkIns.atLeavingSchool) moments.push('Check in when you leave school.')
  if (checkIns.atArrival) moments.push('Check in when you arrive, before you go in.')
  const first = checkIns.firstCheck
  if (first) {
    const after = `${formatMinutes(first.minutesAfter)} after ${first.from === 'scheduled_start' ? 'the scheduled start of the visit' : 'you arrive'}`
    moments.push(first.initiatedBy === 'office' ? `${monitor} calls you ${after}.` : `Check in ${after}.`)
  }
  if (checkIns.repeatEveryMinutes !== null) {
    const every = `every ${formatMinutes(checkIns.repeatEveryMinutes)} until the visit ends`
    const then = first ? 'After that, ' : ''
    moments.push(checkIns.initiatedBy === 'office' ? `${then}${then ? monitor.toLowerCase() : monitor} calls you ${every}.` : `${then}${then ? 'check' : 'Check'} in ${every}.`)
  }
  if (checkIns.atEnd) moments.push('Check in when the visit ends.')
  if (checkIns.atReturn) moments.push('Sign back in when you are back at school.')
  moments.push('If you are not going back to school afterwards, check in when you leave the visit; that ends the monitoring.')
  return moments
}

function tutoringBlocks(policy: Policy): DocumentBlock[] {
  const rules = policy.tutoring
  if (rules === null) return []
  const items = [
    rules.appropriateAdultPresent && 'An appropriate adult is present in the home throughout.',
    rules.bedroomOnlyIfNoAlternative && "Tutoring does not take place in the pupil's bedroom unless no other suitable space is available, and the reason is recorded.",
    rules.doorKeptOpen && 'The door of the room is kept open.',
    rules.parentsToldOfScheduleChanges && 'Parents are told of any change to a session, such as a delay or finishing early.',
    rules.misbehaviourRecorded && 'Any misbehaviour is recorded and reported to the school.',
  ].filter((item): item is string => typeof item === 'string')
  return items.length > 0 ? [paragraph('On tutoring visits:'), bullets(items)] : [paragraph('This policy sets no extra rules for tutoring visits.')]
}

function escalationSection(policy: Policy): DocumentSection {
  const { steps, outOfHoursOfficeReplacedBy } = policy.escalation
  const replacement = outOfHoursOfficeReplacedBy === 'responsible_contact' ? "the visit's named responsible contact" : roleNamesInText[outOfHoursOfficeReplacedBy]
  return {
    heading: 'If you do not check in or return',
    blocks: [
      paragraph('If a check-in is missed, or you are not back when expected, Doorstep starts these steps automatically:'),
      { kind: 'steps', items: steps.map((step, index) => escalationStepText(step, index)) },
      paragraph(`Outside ${policy.hours.kind} hours, ${replacement} takes the place of the school office in these steps.`),
      paragraph(
        'Each step is acknowledged by a named person, who records what they found.',
        'The escalation ends only when a visitor is confirmed safe, with who confirmed it and how.',
        "A one-page sheet for the police is ready at any time: the visitors' names, descriptions and mobile numbers, the vehicle, the address, the family's known risks and the last check-in.",
      ),
    ],
  }
}

function escalationStepText(step: Policy['escalation']['steps'][number], index: number): string {
  const when =
    index === 0
      ? step.delayMinutes === 0
        ? 'As soon as a check-in or return is missed'
        : `${capitalise(formatMinutes(step.delayMinutes))} after a check-in or return is missed`
      : step.delayMinutes === 0
        ? 'At the same time'
        : `If there is still no contact ${formatMinutes(step.delayMinutes)} later (or at once, if the step before reports no contact)`
  return `${when}, Doorstep alerts ${describeRoles(step.roles, 'and')} to ${escalationActions[step.action]}. The alert repeats every ${formatMinutes(step.realertEveryMinutes)} until someone acknowledges it.`
}

function afterSection(policy: Policy): DocumentSection {
  const { records, reporting, attendance } = policy
  return {
    heading: 'After the visit',
    blocks: [
      paragraph(
        `Complete the visit record within ${records.completeWithinHours} hours of the visit.`,
        'It records everyone present and their relationship to the pupil, dates and times, what was discussed, agreements made, concerns and actions.',
        records.cpomsExportRequired && 'The record is exported to CPOMS for each pupil.',
        'If you could not speak with a parent, leave a home visit card at the address so they have a record of your visit.',
      ),
      paragraph(
        `Report any safeguarding concern or disclosure to ${describeRoles(reporting.safeguardingConcernsTo)} straight away.`,
        `Report incidents (trips, falls, accidents, abusive or threatening behaviour, and any physical intervention) to ${describeRoles(reporting.incidentsTo)}.`,
        `If a visit is cancelled for safety, animals, absence or refusal, the reason is sent in writing to ${describeRoles(reporting.cancellationReasonsTo)}.`,
        'No further appointment is made with anyone who was abusive or aggressive until the case has been reviewed.',
      ),
      paragraph(
        'Agreements made with parents are recorded with a date to review them.',
        attendance.agreementReminderLetters && 'If the pupil does not keep to them, the parents are sent a reminder letter.',
        attendance.followUpVisitOnContinuedFailure && 'Continued failure to keep to an agreement leads to a follow-up visit.',
        referralSentence(policy),
      ),
    ],
  }
}

function referralSentence(policy: Policy): string | false {
  const referral = policy.attendance.localAuthorityReferral
  if (referral === null) return false
  const period = `${referral.windowMonths} months`
  const conditions = [
    referral.belowPercent !== null && `falls below ${referral.belowPercent}% over ${period}`,
    referral.fallingTrend && `keeps falling over ${period}`,
  ].filter((condition): condition is string => typeof condition === 'string')
  if (conditions.length === 0) return false
  return `If a pupil's attendance ${joinWords(conditions, 'or')}, the pupil is flagged so that the local authority can be notified and legal proceedings considered.`
}

/** Issue 10 point 14: how often a DBS check is renewed, in the policy's words. */
export function dbsRecheckText(dbs: Policy['training']['dbs']): string {
  if (dbs.recheck === null) return 'A DBS check does not need renewing while the person works at the school.'
  const years = dbs.recheck.everyYears === 1 ? 'every year' : `every ${dbs.recheck.everyYears} years`
  const overdue =
    dbs.recheck.overdue === 'block'
      ? 'Doorstep will not assign anyone whose re-check is overdue.'
      : 'Doorstep warns when a re-check is overdue; the person may still be assigned.'
  return `A DBS check is renewed ${years} after its certificate was issued, unless the person subscribes to the DBS Update Service and the school checks it. ${overdue}`
}

function trainingSection(policy: Policy): DocumentSection {
  const { training } = policy
  const label = (id: string) => training.trainings.find((course) => course.id === id)?.label ?? id
  const required = training.everyVisitor.filter((requirement) => requirement.enforcement === 'block').map((requirement) => label(requirement.trainingId))
  const preferred = training.everyVisitor.filter((requirement) => requirement.enforcement === 'warn').map((requirement) => label(requirement.trainingId))
  const dbs = `${/^[aeiou]/.test(training.dbs.level) ? 'an' : 'a'} ${training.dbs.level} DBS check${training.dbs.barredListCheck ? ' with a barred list check' : ''}`
  return {
    heading: 'Training and vetting',
    blocks: [
      paragraph(`Before anyone is assigned to a home visit, they must hold ${dbs}. Doorstep will not assign anyone without one.`),
      paragraph(dbsRecheckText(training.dbs)),
      ...(required.length > 0 ? [paragraph('Everyone who makes home visits must have completed this training; Doorstep will not assign anyone without it:'), bullets(required)] : []),
      ...(preferred.length > 0 ? [paragraph('Everyone who makes home visits should also have completed this training; Doorstep warns when they have not:'), bullets(preferred)] : []),
      ...(required.length + preferred.length === 0 ? [paragraph('This policy names no training that every visitor must have.')] : []),
      ...training.atLeastOneVisitor.map((requirement) =>
        paragraph(
          requirement.enforcement === 'block'
            ? `On every visit, at least one visitor must have this training: ${label(requirement.trainingId)}.`
            : `Where possible, at least one visitor on each visit has this training: ${label(requirement.trainingId)}.`,
        ),
      ),
      paragraph('Training that has expired counts as not done.'),
    ],
  }
}

function reviewSection(policy: Policy): DocumentSection {
  const { review } = policy
  return {
    heading: 'Review of this policy',
    blocks: [
      paragraph(
        `This policy is reviewed every ${review.cycleMonths} months by ${describeRoles(review.reviewerRoles, 'and')}.`,
        `It was last reviewed on ${formatDate(review.lastReviewedOn)}.`,
        review.nextReviewDate === null
          ? `The next review date is set when the school adopts this policy, and is no more than ${review.cycleMonths} months later.`
          : `The next review is due by ${formatDate(review.nextReviewDate)}.`,
      ),
      paragraph(
        'Incidents, escalations and feedback from staff who have made visits since the last review are gathered for it.',
        'You can give feedback after any visit.',
      ),
    ],
  }
}

/** "Monday to Friday, 08:30 to 16:30; Saturday, 09:00 to 12:00". Days without hours are left out. */
export function describeWeek(week: Policy['hours']['week']): string {
  const runs: Array<{ from: Weekday; to: Weekday; hours: string }> = []
  for (const day of weekdays) {
    const hours = week[day]
    if (hours === null) continue
    const text = `${hours.start} to ${hours.end}`
    const last = runs.at(-1)
    if (last && last.hours === text && weekdays.indexOf(last.to) === weekdays.indexOf(day) - 1) last.to = day
    else runs.push({ from: day, to: day, hours: text })
  }
  const dayRange = (run: { from: Weekday; to: Weekday }) =>
    run.from === run.to ? capitalise(run.from) : `${capitalise(run.from)} ${weekdays.indexOf(run.to) - weekdays.indexOf(run.from) === 1 ? 'and' : 'to'} ${capitalise(run.to)}`
  return runs.map((run) => `${dayRange(run)}, ${run.hours}`).join('; ')
}

function staffCount(count: number): string {
  return count === 1 ? '1 member of staff' : `${count} members of staff`
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

const textWidth = 80

/** The document as plain text, wrapped at 80 columns. */
export function renderPolicyText(doc: PolicyDocument): string {
  const lines: string[] = [doc.title, '='.repeat(Math.min(doc.title.length, textWidth)), '', ...wrap(doc.subtitle, textWidth), '']
  doc.sections.forEach((section, index) => {
    const heading = `${index + 1}. ${section.heading}`
    lines.push(heading, '-'.repeat(heading.length), '')
    for (const block of section.blocks) {
      if (block.kind === 'paragraph') lines.push(...wrap(block.text, textWidth))
      else {
        block.items.forEach((item, itemIndex) => {
          const marker = block.kind === 'bullets' ? '  - ' : `  ${itemIndex + 1}. `
          const [first = '', ...rest] = wrap(item, textWidth - marker.length)
          lines.push(marker + first, ...rest.map((line) => ' '.repeat(marker.length) + line))
        })
      }
      lines.push('')
    }
  })
  return `${lines.join('\n').trimEnd()}\n`
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines
}

const pageMargin = 56
const bodySize = 10.5
const indent = 16

/** The document as an A4 PDF (built-in Helvetica), with page numbers; headings are kept with the text after them. */
export function renderPolicyPdf(doc: PolicyDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: 'A4',
      margin: pageMargin,
      bufferPages: true,
      info: { Title: doc.title, Subject: 'Home visits policy', Creator: 'Doorstep' },
    })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)

    const width = pdf.page.width - pageMargin * 2
    pdf.font('Helvetica-Bold').fontSize(18).text(doc.title, { width })
    pdf.moveDown(0.3).font('Helvetica').fontSize(bodySize).fillColor('#505a5f').text(doc.subtitle, { width }).fillColor('black')

    doc.sections.forEach((section, index) => {
      const heading = `${index + 1}. ${section.heading}`
      pdf.font('Helvetica-Bold').fontSize(13)
      const headingHeight = pdf.heightOfString(heading, { width }) + 18
      pdf.font('Helvetica').fontSize(bodySize)
      ensureRoom(pdf, headingHeight + 3 * pdf.currentLineHeight(true))
      pdf.moveDown(1).font('Helvetica-Bold').fontSize(13).text(heading, pageMargin, pdf.y, { width })
      pdf.moveDown(0.4).font('Helvetica').fontSize(bodySize)
      for (const block of section.blocks) writeBlock(pdf, block, width)
    })

    const pages = pdf.bufferedPageRange()
    for (let page = pages.start; page < pages.start + pages.count; page++) {
      pdf.switchToPage(page)
      const bottom = pdf.page.margins.bottom
      pdf.page.margins.bottom = 0
      pdf
        .font('Helvetica')
        .fontSize(8.5)
        .fillColor('#505a5f')
        .text(`${doc.title} - page ${page + 1} of ${pages.count}`, pageMargin, pdf.page.height - pageMargin / 2 - 8, { width, align: 'center', lineBreak: false })
      pdf.page.margins.bottom = bottom
    }
    pdf.end()
  })
}

function writeBlock(pdf: PDFKit.PDFDocument, block: DocumentBlock, width: number): void {
  if (block.kind === 'paragraph') {
    ensureRoom(pdf, 2 * pdf.currentLineHeight(true))
    pdf.text(block.text, pageMargin, pdf.y, { width, lineGap: 2 })
    pdf.moveDown(0.6)
    return
  }
  block.items.forEach((item, index) => {
    const marker = block.kind === 'bullets' ? '•' : `${index + 1}.`
    ensureRoom(pdf, pdf.currentLineHeight(true) + 4)
    const top = pdf.y
    pdf.text(marker, pageMargin + 4, top, { width: indent, lineBreak: false })
    pdf.text(item, pageMargin + indent + 6, top, { width: width - indent - 6, lineGap: 2 })
    pdf.moveDown(0.25)
  })
  pdf.moveDown(0.4)
}

function ensureRoom(pdf: PDFKit.PDFDocument, height: number): void {
  if (pdf.y + height > pdf.page.height - pdf.page.margins.bottom) pdf.addPage()
}
