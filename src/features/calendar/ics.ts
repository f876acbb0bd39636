import ical, { ICalCalendarMethod, ICalEventClass, ICalEventStatus } from 'ical-generator'
import { londonTime } from '../../domain/hours.ts'
import type { CalendarDetail } from '../../policy/schema.ts'
import { statusLabels } from '../../domain/visit-lifecycle.ts'
import { roleOnVisitLabels } from '../visits/schema.ts'
import type { FeedVisit } from './repository.ts'

/**
 * An iCalendar feed of visits (R-ITIN-1), written with ical-generator. Pure: no I/O, no clock.
 *
 * Times are Europe/London wall-clock times with the zone named (DTSTART;TZID=Europe/London), so a
 * visit at 14:00 shows at 14:00 in any calendar in the UK, in summer and winter alike. The event
 * carries only what `FeedVisit` holds: never the code word, the purpose, notes or family members
 * and their phone numbers (R-ITIN-2, R-CONF-1): a feed URL ends up in phones and calendar services.
 * Those services (Google, Microsoft, Apple) store every event, so by default an event names no child
 * and gives no home address: the pupils' initials and the postcode's first part ("W6"), and a link to
 * the visit in Doorstep. A school's policy may ask for full detail (itinerary.calendarDetail,
 * docs/decisions/0013).
 */

export const LONDON = 'Europe/London'

/** Europe/London since 1996: BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
const LONDON_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'X-LIC-LOCATION:Europe/London',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0100',
  'TZNAME:BST',
  'DTSTART:19700329T010000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'TZNAME:GMT',
  'DTSTART:19701025T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n')

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/**
 * An instant that reads as UK wall-clock time. ical-generator writes a zoned time from the
 * date's local getters (its "TZDate" stub); these answer in Europe/London whatever the server's
 * own time zone is, while the instant itself (getTime) stays the real one.
 */
class LondonDateTime extends Date {
  readonly internal: Date
  readonly timeZone = LONDON
  constructor(at: Date) {
    super(at.getTime())
    this.internal = new Date(at.getTime())
  }
  tzComponents(): Record<string, number> {
    const parts = Object.fromEntries(londonParts.formatToParts(this.internal).map((part) => [part.type, Number(part.value)]))
    return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! }
  }
  withTimeZone(): LondonDateTime {
    return this
  }
  override getFullYear(): number {
    return this.tzComponents().year!
  }
  override getMonth(): number {
    return this.tzComponents().month! - 1
  }
  override getDate(): number {
    return this.tzComponents().day!
  }
  override getHours(): number {
    return this.tzComponents().hour!
  }
  override getMinutes(): number {
    return this.tzComponents().minute!
  }
  override getSeconds(): number {
    return this.tzComponents().second!
  }
}

export type FeedDescription = {
  /** The calendar's name, e.g. "Doorstep: Westside School visits". */
  name: string
  /** The service's address, for links to each visit's briefing. */
  publicUrl: URL
  /** The moment the feed is written (DTSTAMP). */
  now: Date
  /** What an event says about the pupils and the address: the school's policy (itinerary.calendarDetail). */
  detail: CalendarDetail
}

const time = (at: Date) => londonTime(at).time
const confirmed = new Set(['approved', 'in_progress', 'completed'])

/** One VEVENT per visit, from leaving school to being back (or leaving the address, when not going back). */
export function visitCalendar(visits: readonly FeedVisit[], feed: FeedDescription): string {
  const calendar = ical({
    name: feed.name,
    prodId: { company: 'Doorstep', product: 'Home visits', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    ttl: 15 * 60,
  })
  // Only the event times are zoned: the calendar keeps no zone of its own, so DTSTAMP stays in UTC.
  calendar.timezone({ name: null, generator: (zone) => (zone === LONDON ? LONDON_VTIMEZONE : null) })

  for (const visit of visits) {
    const start = visit.leaveSchoolAt ?? visit.arriveAt ?? visit.plannedStart
    const end = visit.backAtSchoolAt ?? visit.finishAt ?? visit.plannedEnd
    const status = statusLabels[visit.status]
    const full = feed.detail === 'full'
    const pupils = visit.pupils.map((pupil) => (full ? `${pupil.firstName} ${pupil.lastName}` : initialsOf(pupil))).join(', ') || 'pupils not chosen'
    const briefing = new URL(`/visits/${visit.id}/briefing`, feed.publicUrl).toString()
    const page = new URL(`/visits/${visit.id}`, feed.publicUrl).toString()
    const address = !visit.address
      ? null
      : full
        ? [visit.address.line1, visit.address.line2, visit.address.town, visit.address.postcode].filter(Boolean).join(', ')
        : outwardCode(visit.address.postcode)
    const description = [
      `Status: ${status}${confirmed.has(visit.status) ? '' : ' (not approved yet: do not leave for this visit)'}`,
      '',
      ...itineraryLines(visit),
      '',
      `Staff: ${visit.staff.map((person) => `${person.name} (${roleOnVisitLabels[person.roleOnVisit].toLowerCase()})`).join(', ') || 'not chosen yet'}`,
      '',
      ...(full ? [] : ["The pupils' names and the address are in Doorstep, not in this calendar."]),
      `The visit (sign in to Doorstep): ${page}`,
      `Briefing (sign in to Doorstep): ${briefing}`,
    ].join('\n')
    calendar.createEvent({
      id: `visit-${visit.id}@doorstep`,
      sequence: visit.version,
      stamp: feed.now,
      lastModified: visit.updatedAt,
      start: new LondonDateTime(start),
      end: new LondonDateTime(end > start ? end : visit.plannedEnd),
      timezone: LONDON,
      summary: `${status}: home visit, ${pupils}`,
      description,
      location: address,
      url: briefing,
      status: confirmed.has(visit.status) ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
      class: ICalEventClass.PRIVATE,
    })
  }
  return calendar.toString()
}

/** "Leo Marsh" → "LM": enough for the visitors to know which visit it is, no name for the calendar provider. */
export function initialsOf(pupil: { firstName: string; lastName: string }): string {
  const initial = (name: string) => (Array.from(name.trim())[0] ?? '').toUpperCase()
  return `${initial(pupil.firstName)}${initial(pupil.lastName)}`
}

/** "W6 0LS" → "W6": the postcode's outward part (area and district), never the street. The inward part is always 3 characters. */
export function outwardCode(postcode: string): string {
  const compact = postcode.replace(/\s+/g, '').toUpperCase()
  return compact.length > 3 ? compact.slice(0, -3) : ''
}

/** The planned times, UK time, as the plan has them (R-ITIN-1). */
export function itineraryLines(visit: Pick<FeedVisit, 'leaveSchoolAt' | 'arriveAt' | 'plannedStart' | 'plannedEnd' | 'finishAt' | 'backAtSchoolAt'>): string[] {
  return [
    ...(visit.leaveSchoolAt ? [`Leave school ${time(visit.leaveSchoolAt)}`] : []),
    `Arrive ${time(visit.arriveAt ?? visit.plannedStart)}`,
    `Visit ${time(visit.plannedStart)} to ${time(visit.plannedEnd)}`,
    `Leave the address ${time(visit.finishAt ?? visit.plannedEnd)}`,
    visit.backAtSchoolAt ? `Back at school ${time(visit.backAtSchoolAt)}` : 'Not going back to school afterwards',
  ]
}
