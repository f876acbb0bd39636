import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { schoolRoles, type SchoolRole } from '../../src/domain/roles.ts'
import { hashPassword } from '../../src/features/auth/passwords.ts'
import { SESSION_COOKIE, createSession } from '../../src/features/auth/sessions.ts'
import type { Access } from '../../src/web/auth-plugin.ts'
import { demoSchoolId, sessionCsrf, testApp } from '../helpers.ts'

/**
 * The role matrix (R-CONF-1, docs/decisions/0010): for every route, who may call it. The table is
 * written out here, not read from the code, so widening a route's roles (or adding a route) fails
 * this test until the table is changed on purpose. The test checks that
 *   - the table and the app's routes are the same list, each route declaring exactly these roles;
 *   - a member of staff holding only one role that is NOT in a route's list gets 403 from it, for
 *     every such route and role (the request never reaches the feature);
 *   - the menu offers each role only pages it may open.
 * Within a route the services narrow further (a visitor reads only the briefings of their own visits,
 * restricted notes and the code word only on an approved visit): the feature tests check those.
 *
 * The groups, against R-CONF-1 ("visitors see their visits; office sees live whereabouts; DSL/head see
 * safeguarding detail"):
 */
const ALL_ROLES = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor', 'governor', 'school_admin'] as const
/** Accounts, roles and passwords of the school's staff. */
const STAFF_ADMINS = ['headteacher', 'school_admin'] as const
/** DBS, training and vehicles of every member of staff (0005): who records them, and senior staff who check them. */
const READINESS_EDITORS = ['headteacher', 'school_admin', 'office'] as const
const READINESS_VIEWERS = ['headteacher', 'school_admin', 'office', 'dsl', 'deputy_dsl', 'slt'] as const
/** Their own readiness (the service shows visitors only their own): everyone but governors. */
const OWN_READINESS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor', 'school_admin'] as const
/** Pupils' pages and families: the staff who plan and make visits. Not governors, not school admins (0010). */
const PUPIL_PAGES = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor'] as const
/** Importing pupils from the school's records. */
const PUPIL_IMPORTERS = ['headteacher', 'office', 'school_admin'] as const
/** Clearing a "no appointments" flag after reviewing the case (R-FAMILY-3). */
const CASE_REVIEWERS = ['headteacher', 'dsl', 'deputy_dsl'] as const
/** The visit pages: the staff who plan, make, monitor and approve visits (the service shows visitors only their own visits). */
const VISIT_USERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor'] as const
/** The approvals page: the roles that approve or assess under one of the presets. */
const APPROVERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const
/** The run list, with parents' numbers and where the staff go (R-LIST-1): the office and senior staff, the deputy DSL among them. */
const RUN_LIST = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office'] as const
/** The office calendar link: every visit's address and staff (where everyone is). */
const OFFICE_FEED = ['headteacher', 'dsl', 'office'] as const
/** The policy is read by every member of staff (R-GOV-1) … */
const EVERY_ROLE = ALL_ROLES
/** … changed by the headteacher and school admins … */
const POLICY_EDITORS = ['headteacher', 'school_admin'] as const
/** … and its sources reviewed by them and the governors. */
const SOURCE_READERS = ['headteacher', 'school_admin', 'governor'] as const
/** The history: the headteacher and DSL all of it; school admins the staff part (the page filters it). */
const HISTORY = ['headteacher', 'dsl', 'school_admin'] as const

/**
 * The day of a visit (R-SIGN, R-CHECK, R-ESC): the visit users reach its pages; the service lets in the visitors
 * on the visit and the people watching (office, DSL team, head, associate head, the policy's monitors and the
 * responsible contact), and refuses SLT anything but reading.
 */
const LIVE = VISIT_USERS
/** Every open alarm of the school: the people who watch visits and answer alarms. */
const LIVE_WATCHERS = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const
/** Cancellations in writing (R-CANCEL-1): the list for the senior staff the policies send them to (the notice on a visit: VISIT_USERS). */
const CANCELLATION_READERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const
/** Agreements with parents (R-AGREE-1): the staff who see pupils' pages … */
const AGREEMENT_KEEPERS = PUPIL_PAGES
/** … the letters: produced and posted by the office and senior staff … */
const LETTER_KEEPERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office'] as const
/** … in words only the headteacher changes. */
const TEMPLATE_EDITORS = ['headteacher'] as const
/** Staff feedback for the policy review (R-FEEDBACK-1): given by the visitors (VISIT_USERS, the service checks), read by the head. */
const FEEDBACK_READERS = ['headteacher', 'associate_head'] as const

/** Safeguarding concerns (R-SAFE-1, decision 0022): read and acted on by the safeguarding roles only (0010) … */
const CONCERN_READERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl'] as const
/** … raised by the staff with visit and pupil pages (the service checks they see the visit; the raiser reads its status). */
const CONCERN_RAISERS = VISIT_USERS
/** Incidents (R-INC-1): the school's list for senior staff; one incident for its readers, reporter and staff (the service checks). */
const INCIDENT_READERS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const
/** R-RISK-4: the review of the standing risk assessment after an incident. */
const RISK_REVIEWERS = ['headteacher', 'associate_head'] as const

/** Attendance (R-ATT-1, decisions 0026, 0027): importing marks from the MIS, and the flags and referral packs for the attendance lead (a senior leader) and the DSL team. */
const ATTENDANCE_IMPORTERS = ['headteacher', 'slt', 'office', 'school_admin'] as const
const ATTENDANCE_FLAGS = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const
/** Governors' reports (R-GOV-3): governors and the senior staff and admins who prepare them; side by side for trust admins (the service checks). */
const GOVERNOR_REPORTS = ['governor', 'headteacher', 'associate_head', 'dsl', 'slt', 'school_admin'] as const
const REPORTS_ACROSS_SCHOOLS = ['school_admin'] as const
/** The policy review pack (R-GOV-2): the reviewers and senior staff. */
const REVIEW_PACK = ['headteacher', 'associate_head', 'dsl', 'slt', 'governor', 'school_admin'] as const

type Allowed = 'public' | 'signed-in' | readonly SchoolRole[]

const matrix: Record<string, Allowed> = {
  'GET /assets/app.css': 'public',
  'GET /assets/app.js': 'public',
  'GET /assets/govuk-frontend.min.js': 'public',
  'GET /assets/doorstep.svg': 'public',
  'GET /assets/images/:file': 'public',
  'GET /healthz': 'public',
  'GET /sign-in': 'public',
  'POST /sign-in': 'public',
  'POST /sign-out': 'public',
  'POST /schools/switch': 'signed-in',
  'GET /': 'signed-in',
  'GET /follow-up': 'signed-in',
  'GET /reports': 'signed-in',
  'GET /staff': STAFF_ADMINS,
  'GET /staff/new': STAFF_ADMINS,
  'POST /staff': STAFF_ADMINS,
  'GET /staff/:userId': STAFF_ADMINS,
  'GET /staff/:userId/edit': STAFF_ADMINS,
  'POST /staff/:userId': STAFF_ADMINS,
  'POST /staff/:userId/reset-password': STAFF_ADMINS,
  'POST /staff/:userId/deactivate': STAFF_ADMINS,
  'POST /staff/:userId/reactivate': STAFF_ADMINS,
  'GET /readiness': READINESS_VIEWERS,
  'GET /readiness/expiring': READINESS_VIEWERS,
  'GET /readiness/me': OWN_READINESS,
  'GET /staff/:userId/readiness': OWN_READINESS,
  'GET /staff/:userId/readiness/dbs': READINESS_EDITORS,
  'POST /staff/:userId/readiness/dbs': READINESS_EDITORS,
  'GET /staff/:userId/readiness/trainings/new': READINESS_EDITORS,
  'POST /staff/:userId/readiness/trainings': READINESS_EDITORS,
  'GET /staff/:userId/readiness/trainings/:trainingRecordId/edit': READINESS_EDITORS,
  'POST /staff/:userId/readiness/trainings/:trainingRecordId': READINESS_EDITORS,
  'POST /staff/:userId/readiness/trainings/:trainingRecordId/remove': READINESS_EDITORS,
  'GET /readiness/vehicles/new': READINESS_EDITORS,
  'POST /readiness/vehicles': READINESS_EDITORS,
  'GET /readiness/vehicles/:vehicleId/edit': READINESS_EDITORS,
  'POST /readiness/vehicles/:vehicleId': READINESS_EDITORS,
  'POST /readiness/vehicles/:vehicleId/remove': READINESS_EDITORS,
  'GET /api/v1/schools/:schoolId/staff/:userId/readiness': OWN_READINESS,
  'GET /api/v1/schools/:schoolId/readiness/expiring': READINESS_VIEWERS,
  // Issue 10 point 12: readiness writes as the pages (READINESS_EDITORS), the staff directory for planning (who plans visits).
  'GET /api/v1/schools/:schoolId/staff-directory': VISIT_USERS,
  'PUT /api/v1/schools/:schoolId/staff/:userId/readiness/dbs': READINESS_EDITORS,
  'POST /api/v1/schools/:schoolId/staff/:userId/readiness/trainings': READINESS_EDITORS,
  'PUT /api/v1/schools/:schoolId/staff/:userId/readiness/trainings/:trainingRecordId': READINESS_EDITORS,
  'DELETE /api/v1/schools/:schoolId/staff/:userId/readiness/trainings/:trainingRecordId': READINESS_EDITORS,
  'GET /api/v1/schools/:schoolId/vehicles': READINESS_EDITORS,
  'POST /api/v1/schools/:schoolId/vehicles': READINESS_EDITORS,
  'PUT /api/v1/schools/:schoolId/vehicles/:vehicleId': READINESS_EDITORS,
  'DELETE /api/v1/schools/:schoolId/vehicles/:vehicleId': READINESS_EDITORS,
  'GET /pupils': PUPIL_PAGES,
  'GET /pupils/new': PUPIL_PAGES,
  'POST /pupils': PUPIL_PAGES,
  'GET /pupils/import': PUPIL_IMPORTERS,
  'POST /pupils/import': PUPIL_IMPORTERS,
  'GET /pupils/:pupilId': PUPIL_PAGES,
  'GET /pupils/:pupilId/edit': PUPIL_PAGES,
  'POST /pupils/:pupilId': PUPIL_PAGES,
  'GET /pupils/:pupilId/addresses/:addressId/edit': PUPIL_PAGES,
  'POST /pupils/:pupilId/addresses/:addressId': PUPIL_PAGES,
  'GET /pupils/:pupilId/move': PUPIL_PAGES,
  'POST /pupils/:pupilId/move': PUPIL_PAGES,
  'GET /pupils/:pupilId/adults/new': PUPIL_PAGES,
  'POST /pupils/:pupilId/adults': PUPIL_PAGES,
  'POST /pupils/:pupilId/adults/link': PUPIL_PAGES,
  'GET /pupils/:pupilId/adults/:contactId/edit': PUPIL_PAGES,
  'POST /pupils/:pupilId/adults/:contactId': PUPIL_PAGES,
  'POST /pupils/:pupilId/adults/:contactId/remove': PUPIL_PAGES,
  'GET /pupils/:pupilId/adults/:contactId/no-appointments': PUPIL_PAGES,
  'POST /pupils/:pupilId/adults/:contactId/no-appointments': PUPIL_PAGES,
  'GET /pupils/:pupilId/adults/:contactId/review': CASE_REVIEWERS,
  'POST /pupils/:pupilId/adults/:contactId/review': CASE_REVIEWERS,
  'GET /pupils/:pupilId/agencies/new': PUPIL_PAGES,
  'POST /pupils/:pupilId/agencies': PUPIL_PAGES,
  'GET /pupils/:pupilId/agencies/:agencyId/edit': PUPIL_PAGES,
  'POST /pupils/:pupilId/agencies/:agencyId': PUPIL_PAGES,
  'POST /pupils/:pupilId/agencies/:agencyId/remove': PUPIL_PAGES,
  'GET /pupils/:pupilId/addresses/:addressId/hazards/new': PUPIL_PAGES,
  'POST /pupils/:pupilId/addresses/:addressId/hazards': PUPIL_PAGES,
  'POST /pupils/:pupilId/addresses/:addressId/hazards/:hazardId/remove': PUPIL_PAGES,
  'GET /pupils/:pupilId/declines/new': PUPIL_PAGES,
  'POST /pupils/:pupilId/declines': PUPIL_PAGES,
  'POST /pupils/:pupilId/declines/:declineId/withdraw': PUPIL_PAGES,
  'GET /api/v1/schools/:schoolId/pupils': PUPIL_PAGES,
  'GET /api/v1/schools/:schoolId/pupils/:pupilId': PUPIL_PAGES,
  'POST /api/v1/schools/:schoolId/pupils/import': PUPIL_IMPORTERS,
  'GET /attendance': ATTENDANCE_FLAGS,
  'GET /attendance/import': ATTENDANCE_IMPORTERS,
  'POST /attendance/import': ATTENDANCE_IMPORTERS,
  'POST /api/v1/schools/:schoolId/attendance/import': ATTENDANCE_IMPORTERS,
  'GET /api/v1/schools/:schoolId/attendance/flags': ATTENDANCE_FLAGS,
  'GET /pupils/:pupilId/referral-pack': ATTENDANCE_FLAGS,
  'POST /pupils/:pupilId/referral-pack': ATTENDANCE_FLAGS,
  'GET /referral-packs': ATTENDANCE_FLAGS,
  'GET /referral-packs/:packId': ATTENDANCE_FLAGS,
  'GET /referral-packs/:packId/pack.pdf': ATTENDANCE_FLAGS,
  'POST /referral-packs/:packId/sent': ATTENDANCE_FLAGS,
  'GET /api/v1/schools/:schoolId/referral-packs': ATTENDANCE_FLAGS,
  'POST /api/v1/schools/:schoolId/pupils/:pupilId/referral-packs': ATTENDANCE_FLAGS,
  'POST /api/v1/schools/:schoolId/referral-packs/:packId/sent': ATTENDANCE_FLAGS,
  'GET /reports/governors': GOVERNOR_REPORTS,
  'GET /reports/governors.pdf': GOVERNOR_REPORTS,
  'GET /reports/governors.csv': GOVERNOR_REPORTS,
  'GET /reports/governors/schools': REPORTS_ACROSS_SCHOOLS,
  'GET /reports/governors/schools.csv': REPORTS_ACROSS_SCHOOLS,
  'GET /reports/policy-review': REVIEW_PACK,
  'POST /api/v1/schools/:schoolId/pupils': PUPIL_PAGES,
  'PUT /api/v1/schools/:schoolId/pupils/:pupilId': PUPIL_PAGES,
  'GET /visits': VISIT_USERS,
  'GET /visits/approvals': APPROVERS,
  'GET /visits/new': VISIT_USERS,
  'POST /visits': VISIT_USERS,
  'GET /visits/:visitId/pupils': VISIT_USERS,
  'POST /visits/:visitId/pupils': VISIT_USERS,
  'GET /visits/:visitId/plan/family': VISIT_USERS,
  'POST /visits/:visitId/plan/family': VISIT_USERS,
  'GET /visits/:visitId/plan/purpose': VISIT_USERS,
  'POST /visits/:visitId/plan/purpose': VISIT_USERS,
  'GET /visits/:visitId/plan/when': VISIT_USERS,
  'POST /visits/:visitId/plan/when': VISIT_USERS,
  'GET /visits/:visitId/plan/staff': VISIT_USERS,
  'POST /visits/:visitId/plan/staff': VISIT_USERS,
  'GET /visits/:visitId': VISIT_USERS,
  'POST /visits/:visitId/submit': VISIT_USERS,
  'GET /visits/:visitId/cancel': VISIT_USERS,
  'POST /visits/:visitId/cancel': VISIT_USERS,
  'GET /visits/:visitId/risk-assessment': VISIT_USERS,
  'POST /visits/:visitId/risk-assessment': VISIT_USERS,
  'GET /visits/:visitId/decision': VISIT_USERS,
  'POST /visits/:visitId/approve': VISIT_USERS,
  'POST /visits/:visitId/refuse': VISIT_USERS,
  'GET /api/v1/schools/:schoolId/visits': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits': VISIT_USERS,
  'GET /api/v1/schools/:schoolId/visits/:visitId': VISIT_USERS,
  'PATCH /api/v1/schools/:schoolId/visits/:visitId': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/submit': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/risk-assessment': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/approve': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/refuse': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/cancel': VISIT_USERS,
  'GET /visits/:visitId/cancellation-notice.pdf': VISIT_USERS,
  'GET /cancellations': CANCELLATION_READERS,
  'GET /api/v1/schools/:schoolId/cancellation-notices': CANCELLATION_READERS,
  'GET /api/v1/schools/:schoolId/visits/:visitId/cancellation-notice': VISIT_USERS,
  'GET /pupils/:pupilId/agreements/new': AGREEMENT_KEEPERS,
  'POST /pupils/:pupilId/agreements': AGREEMENT_KEEPERS,
  'GET /agreements/:agreementId': AGREEMENT_KEEPERS,
  'GET /agreements/:agreementId/review': AGREEMENT_KEEPERS,
  'POST /agreements/:agreementId/review': AGREEMENT_KEEPERS,
  'POST /agreements/:agreementId/letters': LETTER_KEEPERS,
  'GET /letters': LETTER_KEEPERS,
  'GET /letters/:letterId/letter.pdf': LETTER_KEEPERS,
  'POST /letters/:letterId/posted': LETTER_KEEPERS,
  'GET /letters/template': TEMPLATE_EDITORS,
  'POST /letters/template': TEMPLATE_EDITORS,
  'GET /api/v1/schools/:schoolId/pupils/:pupilId/agreements': AGREEMENT_KEEPERS,
  'POST /api/v1/schools/:schoolId/pupils/:pupilId/agreements': AGREEMENT_KEEPERS,
  'GET /api/v1/schools/:schoolId/agreements/:agreementId': AGREEMENT_KEEPERS,
  'POST /api/v1/schools/:schoolId/agreements/:agreementId/reviews': AGREEMENT_KEEPERS,
  'POST /api/v1/schools/:schoolId/agreements/:agreementId/letters': LETTER_KEEPERS,
  'GET /api/v1/schools/:schoolId/letters': LETTER_KEEPERS,
  'POST /api/v1/schools/:schoolId/letters/:letterId/posted': LETTER_KEEPERS,
  'GET /api/v1/schools/:schoolId/letter-template': TEMPLATE_EDITORS,
  'PUT /api/v1/schools/:schoolId/letter-template': TEMPLATE_EDITORS,
  'GET /visits/:visitId/feedback': VISIT_USERS,
  'POST /visits/:visitId/feedback': VISIT_USERS,
  'GET /feedback': FEEDBACK_READERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/feedback': VISIT_USERS,
  'GET /api/v1/schools/:schoolId/feedback': FEEDBACK_READERS,
  // The briefing as JSON: the page's roles; the service narrows to the visitors on it, the office and the DSL/head.
  'GET /api/v1/schools/:schoolId/visits/:visitId/briefing': VISIT_USERS,
  'GET /visits/:visitId/briefing': VISIT_USERS,
  'GET /visits/run-list': RUN_LIST,
  'GET /visits/run-list.csv': RUN_LIST,
  'GET /calendar': VISIT_USERS,
  'POST /calendar/personal': VISIT_USERS,
  'POST /calendar/personal/revoke': VISIT_USERS,
  'POST /calendar/office': OFFICE_FEED,
  'POST /calendar/office/revoke': OFFICE_FEED,
  'GET /calendar/feeds/:token.ics': 'public',
  'GET /policy': EVERY_ROLE,
  'GET /policy.pdf': EVERY_ROLE,
  'GET /policy/sources': SOURCE_READERS,
  'GET /policy/versions': EVERY_ROLE,
  'GET /policy/versions/:policyVersionId': EVERY_ROLE,
  'GET /policy/versions/:policyVersionId/policy.pdf': EVERY_ROLE,
  'GET /policy/compare': EVERY_ROLE,
  'GET /policy/edit': POLICY_EDITORS,
  'GET /policy/edit/start-again': POLICY_EDITORS,
  'POST /policy/edit/start-again': POLICY_EDITORS,
  'POST /policy/edit/discard': POLICY_EDITORS,
  'GET /policy/edit/purposes': POLICY_EDITORS,
  'POST /policy/edit/purposes': POLICY_EDITORS,
  'GET /policy/edit/approval': POLICY_EDITORS,
  'POST /policy/edit/approval': POLICY_EDITORS,
  'GET /policy/edit/risk-assessment': POLICY_EDITORS,
  'POST /policy/edit/risk-assessment': POLICY_EDITORS,
  'GET /policy/edit/staffing': POLICY_EDITORS,
  'POST /policy/edit/staffing': POLICY_EDITORS,
  'GET /policy/edit/training': POLICY_EDITORS,
  'POST /policy/edit/training': POLICY_EDITORS,
  'GET /policy/edit/notice': POLICY_EDITORS,
  'POST /policy/edit/notice': POLICY_EDITORS,
  'GET /policy/edit/hours': POLICY_EDITORS,
  'POST /policy/edit/hours': POLICY_EDITORS,
  'GET /policy/edit/check-ins': POLICY_EDITORS,
  'POST /policy/edit/check-ins': POLICY_EDITORS,
  'GET /policy/edit/escalation': POLICY_EDITORS,
  'POST /policy/edit/escalation': POLICY_EDITORS,
  'GET /policy/edit/waits': POLICY_EDITORS,
  'POST /policy/edit/waits': POLICY_EDITORS,
  'GET /policy/edit/reminders': POLICY_EDITORS,
  'POST /policy/edit/reminders': POLICY_EDITORS,
  'GET /policy/edit/records': POLICY_EDITORS,
  'POST /policy/edit/records': POLICY_EDITORS,
  'GET /policy/edit/review': POLICY_EDITORS,
  'POST /policy/edit/review': POLICY_EDITORS,
  'GET /policy/edit/publish': POLICY_EDITORS,
  'POST /policy/edit/publish': POLICY_EDITORS,
  'GET /api/v1/policy-presets': 'signed-in',
  'GET /api/v1/policy-presets/:preset': 'signed-in',
  'GET /api/v1/schools/:schoolId/policy': EVERY_ROLE,
  'GET /api/v1/schools/:schoolId/policy/versions': EVERY_ROLE,
  'PUT /api/v1/schools/:schoolId/policy': POLICY_EDITORS,
  'GET /account': 'signed-in',
  'POST /account/password': 'signed-in',
  'POST /account/tokens': 'signed-in',
  'POST /account/tokens/:tokenId/revoke': 'signed-in',
  'GET /audit': HISTORY,
  'GET /school/details': STAFF_ADMINS,
  'POST /school/details': STAFF_ADMINS,
  'GET /api/openapi.json': 'public',
  // API clients (docs/decisions/0025): registered and revoked by the staff admins; the token endpoint authenticates the client itself.
  'GET /api-clients': STAFF_ADMINS,
  'POST /api-clients': STAFF_ADMINS,
  'POST /api-clients/:apiClientId/revoke': STAFF_ADMINS,
  'POST /oauth/token': 'public',
  'GET /api/v1/me': 'signed-in',
  'GET /api/v1/schools': 'signed-in',
  'GET /api/v1/schools/:schoolId/staff': STAFF_ADMINS,
  'GET /account/choose-password': 'signed-in',
  'POST /account/choose-password': 'signed-in',
  'GET /visits/:visitId/live': LIVE,
  'POST /visits/:visitId/live/:step': LIVE,
  'POST /visits/:visitId/check-ins': LIVE,
  'POST /visits/:visitId/office-contacts': LIVE,
  'POST /visits/:visitId/more-time': LIVE,
  'POST /visits/:visitId/alarms': LIVE,
  'GET /alarms/:alarmId': LIVE,
  'POST /alarms/:alarmId/steps/:stepNumber/acknowledge': LIVE,
  'POST /alarms/:alarmId/safe': LIVE,
  'GET /notifications': 'signed-in',
  'GET /api/v1/schools/:schoolId/visits/:visitId/live': LIVE,
  'POST /api/v1/schools/:schoolId/visits/:visitId/live/:step': LIVE,
  'POST /api/v1/schools/:schoolId/visits/:visitId/check-ins': LIVE,
  'POST /api/v1/schools/:schoolId/visits/:visitId/office-contacts': LIVE,
  'POST /api/v1/schools/:schoolId/visits/:visitId/more-time': LIVE,
  'POST /api/v1/schools/:schoolId/visits/:visitId/alarms': LIVE,
  'GET /api/v1/schools/:schoolId/alarms': LIVE_WATCHERS,
  // The office board: every school role reaches the route; the service lets in the watchers and whoever the
  // school's policy names to monitor check-ins or on its ladder, and the responsible contact (decision 0014).
  // Operations: probes that name no school or person (/metrics also needs METRICS_TOKEN, decision 0016).
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  // A physical description for the police sheet: the person themselves, or who records readiness (the service checks).
  'GET /staff/:userId/readiness/description': OWN_READINESS,
  'POST /staff/:userId/readiness/description': OWN_READINESS,
  // The police information sheet (R-ESC-3): the service lets in the people watching visits, not the visitors themselves.
  'GET /visits/:visitId/police-sheet': LIVE,
  'GET /visits/:visitId/police-sheet.pdf': LIVE,
  'GET /assets/board.js': 'public',
  'GET /assets/client/:script': 'public',
  // A visitor's visit PIN and duress PIN (R-ALERT-1): the staff who go on visits.
  'POST /account/pins': VISIT_USERS,
  'POST /account/pins/remove': VISIT_USERS,
  'GET /board': ALL_ROLES,
  'GET /board/events': ALL_ROLES,
  'GET /api/v1/schools/:schoolId/board': ALL_ROLES,
  // Alerts on this phone (Web Push): each person's own browsers (decision 0015).
  'POST /account/alerts/:subscriptionId/turn-off': 'signed-in',
  'GET /push/key': 'signed-in',
  'POST /push/subscriptions': 'signed-in',
  'DELETE /push/subscriptions': 'signed-in',
  'POST /push/test': 'signed-in',
  'GET /sw.js': 'public',
  'GET /assets/push-alerts.js': 'public',
  'GET /api/v1/push/key': 'signed-in',
  'POST /api/v1/push/subscriptions': 'signed-in',
  'DELETE /api/v1/push/subscriptions': 'signed-in',
  'POST /api/v1/schools/:schoolId/alarms/:alarmId/steps/:stepNumber/acknowledgement': LIVE,
  'POST /api/v1/schools/:schoolId/alarms/:alarmId/safe': LIVE,
  // Safeguarding concerns and incidents (R-SAFE-1, R-INC-1, R-RISK-4; decision 0022).
  'GET /visits/:visitId/concerns/new': CONCERN_RAISERS,
  'POST /visits/:visitId/concerns/new': CONCERN_RAISERS,
  'GET /pupils/:pupilId/concerns/new': CONCERN_RAISERS,
  'POST /pupils/:pupilId/concerns/new': CONCERN_RAISERS,
  'GET /concerns': CONCERN_READERS,
  'GET /concerns/yours': CONCERN_RAISERS,
  'GET /concerns/:concernId': CONCERN_RAISERS,
  'POST /concerns/:concernId/actions': CONCERN_READERS,
  'POST /concerns/:concernId/close': CONCERN_READERS,
  'GET /visits/:visitId/incidents/new': CONCERN_RAISERS,
  'POST /visits/:visitId/incidents/new': CONCERN_RAISERS,
  'GET /incidents': INCIDENT_READERS,
  'GET /incidents/:incidentId': CONCERN_RAISERS,
  'POST /incidents/:incidentId/risk-review': RISK_REVIEWERS,
  'GET /api/v1/schools/:schoolId/concerns': CONCERN_READERS,
  'POST /api/v1/schools/:schoolId/concerns': CONCERN_RAISERS,
  'GET /api/v1/schools/:schoolId/concerns/:concernId': CONCERN_RAISERS,
  'POST /api/v1/schools/:schoolId/concerns/:concernId/actions': CONCERN_READERS,
  'POST /api/v1/schools/:schoolId/concerns/:concernId/close': CONCERN_READERS,
  'GET /api/v1/schools/:schoolId/incidents': INCIDENT_READERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/incidents': CONCERN_RAISERS,
  'GET /api/v1/schools/:schoolId/incidents/:incidentId': CONCERN_RAISERS,
  'POST /api/v1/schools/:schoolId/incidents/:incidentId/risk-review': RISK_REVIEWERS,
  // After the visit (R-REC-1..3, R-FOLLOW-1, decision 0021): the visit users reach the record pages; the service lets
  // in whoever sees the visit to read and its staff, planner and senior staff to write. Pupils' chronology and
  // actions: the pupil pages' roles. Concerns in a record only for the safeguarding roles and the visit's staff.
  'GET /visits/:visitId/record': VISIT_USERS,
  'POST /visits/:visitId/record': VISIT_USERS,
  'GET /visits/:visitId/card.pdf': VISIT_USERS,
  'POST /visits/:visitId/card-left': VISIT_USERS,
  'POST /visits/:visitId/actions': VISIT_USERS,
  'POST /pupils/:pupilId/actions': PUPIL_PAGES,
  'POST /actions/:actionId/done': VISIT_USERS,
  'GET /follow-ups': VISIT_USERS,
  'GET /visits/:visitId/record/export.txt': VISIT_USERS,
  'GET /visits/:visitId/record/export.csv': VISIT_USERS,
  'GET /pupils/:pupilId/chronology.txt': PUPIL_PAGES,
  'GET /pupils/:pupilId/chronology.csv': PUPIL_PAGES,
  'GET /api/v1/schools/:schoolId/visits/:visitId/record': VISIT_USERS,
  'PUT /api/v1/schools/:schoolId/visits/:visitId/record': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/record/complete': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/card-left': VISIT_USERS,
  'GET /api/v1/schools/:schoolId/pupils/:pupilId/chronology': PUPIL_PAGES,
  'GET /api/v1/schools/:schoolId/follow-ups': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/visits/:visitId/actions': VISIT_USERS,
  'POST /api/v1/schools/:schoolId/pupils/:pupilId/actions': PUPIL_PAGES,
  'POST /api/v1/schools/:schoolId/actions/:actionId/done': VISIT_USERS,
}

const keyOf = (route: { method: string; url: string }) => `${route.method} ${route.url}`
const describeAccess = (access: Access | Allowed | undefined) =>
  access === undefined ? 'nothing' : typeof access === 'string' ? access : [...('roles' in access ? access.roles : access)].sort().join(', ')

describe('the role matrix (R-CONF-1)', () => {
  it('R-CONF-1 every route lets in exactly the roles in the table, and answers 403 to a member of staff holding any other single role', async (t) => {
    const ctx = await testApp(t)
    const { app, pool } = ctx
    const routes = app.routeList.filter((route) => route.method !== 'HEAD' && !route.url.includes('*'))

    // 1. The table and the app agree, route by route.
    const keys = new Set(routes.map(keyOf))
    const missing = [...keys].filter((key) => !(key in matrix))
    const stale = Object.keys(matrix).filter((key) => !keys.has(key))
    assert.deepEqual(missing, [], `Routes not in the role matrix: add each to \`matrix\` in test/integration/role-matrix.test.ts with the roles R-CONF-1 allows.`)
    assert.deepEqual(stale, [], 'Rows of the role matrix for routes that no longer exist')
    const differ = routes
      .filter((route) => describeAccess(route.access) !== describeAccess(matrix[keyOf(route)]))
      .map((route) => `${keyOf(route)}: the app lets in ${describeAccess(route.access)}; the table says ${describeAccess(matrix[keyOf(route)])}`)
    assert.deepEqual(differ, [], 'Routes whose roles differ from the table')

    // 2. One Westside member of staff per role, holding only that role.
    assert.deepEqual([...schoolRoles].sort(), [...ALL_ROLES].sort(), 'the table knows every role')
    const westside = await demoSchoolId(pool, 'Westside School')
    const hash = await hashPassword('role-matrix-password')
    const sessions = new Map<SchoolRole, { cookie: string; csrf: string }>()
    for (const role of schoolRoles) {
      const user = await pool.query<{ id: string }>('INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id', [
        `only.${role}@westside.example`,
        `Only ${role}`,
        hash,
      ])
      await pool.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [westside, user.rows[0]!.id, role])
      const session = await createSession(pool, user.rows[0]!.id, westside, ctx.clock(), ctx.config)
      sessions.set(role, { cookie: `${SESSION_COOKIE}=${session.token}`, csrf: await sessionCsrf(pool, session.token) })
    }

    // 3. Every role outside a route's list is refused at the door.
    const wrong: string[] = []
    let checked = 0
    for (const route of routes) {
      const allowed = matrix[keyOf(route)]
      if (allowed === undefined || typeof allowed === 'string') continue
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => (name === 'schoolId' ? westside : name.endsWith('Id') ? randomUUID() : 'x'))
      for (const role of schoolRoles.filter((r) => !allowed.includes(r))) {
        const session = sessions.get(role)!
        const api = url.startsWith('/api/')
        const headers: Record<string, string> = { cookie: session.cookie, accept: api ? 'application/json' : 'text/html' }
        let payload: string | undefined
        if (route.method !== 'GET') {
          headers['x-csrf-token'] = session.csrf
          headers['content-type'] = api ? 'application/json' : 'application/x-www-form-urlencoded'
          payload = api ? '{}' : `_csrf=${encodeURIComponent(session.csrf)}`
        }
        const response = await app.inject({ method: route.method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
        checked++
        if (response.statusCode !== 403) wrong.push(`${keyOf(route)} as ${role}: ${response.statusCode}`)
      }
    }
    assert.ok(checked > 300, `checked ${checked} role and route pairs`)
    assert.deepEqual(wrong, [], 'Routes that did not refuse a role outside their list')

    // 4. The menu offers each role only pages it may open.
    for (const role of schoolRoles) {
      const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: sessions.get(role)!.cookie, accept: 'text/html' } })
      const menu = /<nav[^>]*aria-label="Menu"[\s\S]*?<\/nav>/.exec(home.body)?.[0] ?? ''
      assert.match(menu, /href="\/"/, `${role}: the menu is found`)
      for (const [, href] of menu.matchAll(/href="([^"]+)"/g)) {
        const allowed = matrix[`GET ${href}`]
        assert.ok(allowed !== undefined, `${role}: the menu links to ${href}, which is not a route`)
        assert.ok(typeof allowed === 'string' || allowed.includes(role), `${role}: the menu offers ${href}, which answers 403 to them`)
      }
    }
  })
})
