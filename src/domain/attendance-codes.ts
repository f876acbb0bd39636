/**
 * The DfE attendance codes (School Attendance (Pupil Registration) (England) Regulations 2024, in force from
 * 19 August 2024, and the codes they replaced), with what each means and how it counts in attendance
 * statistics (R-ATT-1). Attendance is worked out in sessions (a morning or an afternoon):
 *   present            attending, on time or late before the register closed;
 *   approved_activity  attending an approved educational activity off site: counts as present;
 *   authorised         absent with leave or another authorised reason;
 *   unauthorised       absent without authorisation (these count towards a penalty notice);
 *   not_possible       not a possible session: neither attendance nor absence.
 * Possible sessions are every session but `not_possible` ones.
 */

export type AttendanceCategory = 'present' | 'approved_activity' | 'authorised' | 'unauthorised' | 'not_possible'

export const categoryLabels: Record<AttendanceCategory, string> = {
  present: 'Present',
  approved_activity: 'Attending an approved educational activity (counts as present)',
  authorised: 'Authorised absence',
  unauthorised: 'Unauthorised absence',
  not_possible: 'Not a possible session',
}

export type AttendanceCode = {
  code: string
  meaning: string
  category: AttendanceCategory
  /** A code withdrawn by the 2024 regulations: refused for sessions from `REGULATIONS_2024` on, naming its replacement. */
  replacedBy?: string
}

/** The day the 2024 regulations (and their codes) came into force. */
export const REGULATIONS_2024 = '2024-08-19'

export const attendanceCodes: readonly AttendanceCode[] = [
  // Attending
  { code: '/', meaning: 'Present (morning registration)', category: 'present' },
  { code: '\\', meaning: 'Present (afternoon registration)', category: 'present' },
  { code: 'L', meaning: 'Late arrival before the register closed', category: 'present' },
  { code: 'K', meaning: 'Attending education provision arranged by the local authority', category: 'approved_activity' },
  { code: 'V', meaning: 'Attending an educational visit or trip', category: 'approved_activity' },
  { code: 'P', meaning: 'Participating in a sporting activity', category: 'approved_activity' },
  { code: 'W', meaning: 'Attending work experience', category: 'approved_activity' },
  { code: 'B', meaning: 'Attending any other approved educational activity', category: 'approved_activity' },
  { code: 'D', meaning: 'Dual registered: attending the other school at which the pupil is registered', category: 'not_possible' },
  // Absent: leave of absence
  { code: 'C1', meaning: 'Leave of absence to take part in a regulated performance or regulated employment abroad', category: 'authorised' },
  { code: 'M', meaning: 'Leave of absence for a medical or dental appointment', category: 'authorised' },
  { code: 'J1', meaning: 'Leave of absence for an interview for employment or for admission to another educational institution', category: 'authorised' },
  { code: 'S', meaning: 'Leave of absence to study for a public examination', category: 'authorised' },
  { code: 'X', meaning: 'Pupil below or above compulsory school age not required to attend', category: 'not_possible' },
  { code: 'C2', meaning: 'Leave of absence for a pupil of compulsory school age on a part-time timetable', category: 'authorised' },
  { code: 'C', meaning: 'Leave of absence for exceptional circumstances', category: 'authorised' },
  // Absent: other authorised reasons
  { code: 'T', meaning: 'Parent travelling for occupational purposes', category: 'authorised' },
  { code: 'R', meaning: 'Religious observance', category: 'authorised' },
  { code: 'I', meaning: 'Illness (not a medical or dental appointment)', category: 'authorised' },
  { code: 'E', meaning: 'Suspended or permanently excluded, with no alternative provision made', category: 'authorised' },
  // Absent: unable to attend because of an unavoidable cause
  { code: 'Q', meaning: 'Unable to attend because of a lack of access arrangements', category: 'not_possible' },
  { code: 'Y1', meaning: 'Unable to attend: transport normally provided not available', category: 'not_possible' },
  { code: 'Y2', meaning: 'Unable to attend: widespread disruption to travel', category: 'not_possible' },
  { code: 'Y3', meaning: 'Unable to attend: part of the school premises closed', category: 'not_possible' },
  { code: 'Y4', meaning: 'Unable to attend: the whole school site unexpectedly closed', category: 'not_possible' },
  { code: 'Y5', meaning: 'Unable to attend: in criminal justice detention', category: 'not_possible' },
  { code: 'Y6', meaning: 'Unable to attend in accordance with public health guidance or law', category: 'not_possible' },
  { code: 'Y7', meaning: 'Unable to attend because of any other unavoidable cause', category: 'not_possible' },
  // Absent: unauthorised
  { code: 'G', meaning: 'Holiday not granted by the school', category: 'unauthorised' },
  { code: 'N', meaning: 'Reason for absence not yet established', category: 'unauthorised' },
  { code: 'O', meaning: 'Absent in other or unknown circumstances', category: 'unauthorised' },
  { code: 'U', meaning: 'Arrived after the register closed', category: 'unauthorised' },
  // Administrative
  { code: 'Z', meaning: 'Prospective pupil not on the admission register', category: 'not_possible' },
  { code: '#', meaning: 'Planned whole or partial school closure', category: 'not_possible' },
  // Codes withdrawn on 19 August 2024, accepted for sessions before then.
  { code: 'J', meaning: 'Interview (before August 2024)', category: 'authorised', replacedBy: 'J1' },
  { code: 'H', meaning: 'Holiday authorised by the school (before August 2024)', category: 'authorised', replacedBy: 'C' },
  { code: 'F', meaning: 'Extended family holiday, agreed (before August 2024)', category: 'authorised', replacedBy: 'C' },
  { code: 'Y', meaning: 'Unable to attend due to exceptional circumstances (before August 2024)', category: 'not_possible', replacedBy: 'Y1 to Y7' },
]

const byCode = new Map(attendanceCodes.map((entry) => [entry.code, entry]))

/** The codes that count towards a penalty notice (unauthorised absence): G, N, O and U. */
export const penaltyNoticeCodes: readonly string[] = attendanceCodes.filter((c) => c.category === 'unauthorised').map((c) => c.code)

/** The code as a MIS writes it ("y1", " / ") in the form of this table, or undefined for an unknown code. */
export function lookUpCode(raw: string): AttendanceCode | undefined {
  const code = raw.trim().toUpperCase()
  return byCode.get(code)
}

export type CodeCheck = { ok: true; code: AttendanceCode } | { ok: false; message: string }

/** Checks a mark for a session on `date`: known, and not a code withdrawn before that date. */
export function checkCode(raw: string, date: string): CodeCheck {
  const trimmed = raw.trim()
  if (trimmed === '' || trimmed === '-') return { ok: false, message: 'No mark was recorded for this session. Complete the register in your MIS and export again' }
  const code = lookUpCode(trimmed)
  if (!code) return { ok: false, message: `“${trimmed}” is not a DfE attendance code. See the list of codes on this page` }
  if (code.replacedBy && date >= REGULATIONS_2024) {
    return { ok: false, message: `The code ${code.code} was withdrawn on 19 August 2024: use ${code.replacedBy} for sessions from then on` }
  }
  return { ok: true, code }
}

/** Whether a session with this code was a possible session and, if so, whether the pupil attended. */
export function counts(category: AttendanceCategory): { possible: boolean; attended: boolean } {
  return { possible: category !== 'not_possible', attended: category === 'present' || category === 'approved_activity' }
}
