import type { SchoolRole } from '../../domain/roles.ts'

/**
 * Who does what with attendance (R-ATT-1, R-GOV-3, docs/decisions/0026). Doorstep has no "attendance lead"
 * role: schools give that job to a senior leader (the DfE asks for a senior attendance champion), so the flags
 * go to senior leaders and the safeguarding team.
 */
/** Importing marks from the MIS: the office that runs it, school admins, the headteacher and senior leaders. */
export const attendanceImporters = ['headteacher', 'slt', 'office', 'school_admin'] as const satisfies readonly SchoolRole[]
/** The list of flagged pupils, and the flags on a pupil's page: the attendance lead (a senior leader) and the DSL team. */
export const attendanceFlagReaders = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const satisfies readonly SchoolRole[]
