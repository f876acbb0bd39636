import { recordAudit } from '../../audit/audit.ts'
import type { DemoSchool, DemoSchoolKey, DemoSeeder } from '../../demo/seed.ts'
import {
  insertAddress,
  insertAgency,
  insertContact,
  insertDecline,
  insertHazard,
  insertPupil,
  linkContact,
  setMainAddress,
  setNoAppointments,
  withdrawDecline,
} from './repository.ts'
import type { HazardKind } from './schema.ts'

/**
 * Demo pupils and families for the five demo schools. Names differ from school to school, so a
 * name on a page says which school it came from. Every school has: a family with no flags, a
 * parent who needs an interpreter (Polish or Urdu), a dog the family will shut away, an address
 * with a history of aggression and an adult with whom appointments are stopped, agencies with a
 * lead practitioner, and attendance below 90 % (one pupil below 70 %). At WNA, whose policy lets
 * families decline visits, one family has declined (at Harton a decline was later withdrawn). Westside's Leo Marsh has no flags at all:
 * the pupil to plan a first visit for.
 */

type DemoPupil = {
  first: string
  last: string
  /** 0 = Reception, -1 = Nursery, 1..13 = Year 1..13 */
  year: number
  born: [month: number, day: number]
  attendance: number
  medical?: string
  send?: string
  behaviour?: string
}
type DemoAdult = {
  title: string
  first: string
  last: string
  relationship: string
  pr: boolean
  lives: boolean
  phone?: string
  email?: string
  language?: string
  interpreter?: boolean
  literacy?: string
  cultural?: string
  /** R-FAMILY-3: appointments stopped, with what happened. */
  noAppointments?: string
}
type DemoAgency = { name: string; role: string; contact: string; phone: string; email?: string; lead?: boolean }
type DemoHazard = { kind: HazardKind; description: string; shutAway?: boolean; daysAgo: number }
type DemoFamily = {
  pupils: DemoPupil[]
  address: { line1: string; line2?: string; town: string; postcode: string }
  adults: DemoAdult[]
  agencies?: DemoAgency[]
  hazards?: DemoHazard[]
  /** R-NOTICE-2: the family declined visits `daysAgo`; withdrawn `withdrawnDaysAgo` if they changed their mind. */
  decline?: { daysAgo: number; reason: string; withdrawnDaysAgo?: number }
}

const families: Record<DemoSchoolKey, DemoFamily[]> = {
  harton: [
    {
      pupils: [{ first: 'Callum', last: 'Robson', year: 9, born: [3, 14], attendance: 87.4 }],
      address: { line1: '14 Wenlock Road', town: 'South Shields', postcode: 'NE34 0PL' },
      adults: [
        { title: 'Mrs', first: 'Kelly', last: 'Robson', relationship: 'Mother', pr: true, lives: true, phone: '07700900601', email: 'kelly.robson@example.com' },
        { title: 'Mr', first: 'Darren', last: 'Robson', relationship: 'Father', pr: true, lives: true, phone: '07700900602' },
      ],
    },
    {
      pupils: [{ first: 'Zainab', last: 'Chaudhry', year: 7, born: [11, 2], attendance: 68.2, medical: 'Asthma: blue inhaler kept in her school bag.' }],
      address: { line1: '7 Imeary Street', town: 'South Shields', postcode: 'NE33 4EB' },
      adults: [
        {
          title: 'Mrs', first: 'Nasreen', last: 'Chaudhry', relationship: 'Mother', pr: true, lives: true, phone: '07700900603',
          language: 'Urdu', interpreter: true, literacy: 'Does not read English. Phone through an Urdu interpreter rather than writing.',
          cultural: 'Muslim family. Avoid Friday lunchtime. Visitors are asked to remove their shoes.',
        },
        { title: 'Mr', first: 'Tariq', last: 'Chaudhry', relationship: 'Father', pr: true, lives: false, phone: '07700900604', language: 'Urdu', cultural: 'Works away in the week; home at weekends.' },
      ],
      agencies: [{ name: 'South Tyneside Early Help', role: 'Family support worker', contact: 'Lorraine Gibbon', phone: '01914960101', email: 'lorraine.gibbon@example.org', lead: true }],
    },
    {
      pupils: [{ first: 'Jade', last: 'Armstrong', year: 10, born: [6, 21], attendance: 91.5 }],
      address: { line1: '52 Centenary Avenue', town: 'South Shields', postcode: 'NE34 6AX' },
      adults: [
        { title: 'Ms', first: 'Lisa', last: 'Pattinson', relationship: 'Mother', pr: true, lives: true, phone: '07700900605' },
        { title: 'Mr', first: 'Craig', last: 'Pattinson', relationship: 'Stepfather', pr: false, lives: true, phone: '07700900606' },
      ],
      hazards: [{ kind: 'animal', description: 'Large dog (Staffordshire bull terrier called Tyson) that barks and jumps at the door.', shutAway: true, daysAgo: 40 }],
    },
    {
      pupils: [{ first: 'Kyle', last: 'Dodds', year: 11, born: [1, 30], attendance: 74.0, behaviour: 'Two suspensions this year for verbal abuse of staff.' }],
      address: { line1: '3 Gilbert Road', town: 'South Shields', postcode: 'NE33 3QN' },
      adults: [
        {
          title: 'Mr', first: 'Gary', last: 'Dodds', relationship: 'Father', pr: true, lives: true, phone: '07700900607',
          noAppointments: 'Shouted and swore at the attendance officer on the doorstep and threatened to “sort her out”. Incident reported to the headteacher.',
        },
        { title: 'Ms', first: 'Sharon', last: 'Heron', relationship: 'Mother', pr: true, lives: false, phone: '07700900608' },
      ],
      agencies: [
        { name: 'South Tyneside Children’s Social Care', role: 'Social worker', contact: 'Dean Forster', phone: '01914960102', lead: true },
        { name: 'Youth Justice Service', role: 'Case worker', contact: 'Angela Scorer', phone: '01914960103' },
      ],
      hazards: [{ kind: 'aggression', description: 'Father has been verbally aggressive to staff at the door. Visit in pairs and do not go in.', daysAgo: 14 }],
    },
    {
      pupils: [
        { first: 'Ellie', last: 'Tait', year: 8, born: [9, 12], attendance: 95.2 },
        { first: 'Finlay', last: 'Tait', year: 7, born: [5, 5], attendance: 93.0 },
      ],
      address: { line1: '21 Marsden Lane', town: 'South Shields', postcode: 'NE34 7EN' },
      adults: [
        {
          title: 'Mrs', first: 'Maureen', last: 'Scullion', relationship: 'Grandmother (special guardian)', pr: true, lives: true, phone: '01632960601',
          literacy: 'Prefers a phone call to a letter.',
        },
      ],
      decline: {
        daysAgo: 120,
        reason: 'Mrs Scullion asked for meetings in school while she settled the children in; she agreed to visits again in the spring.',
        withdrawnDaysAgo: 60,
      },
    },
  ],
  'kings-gomer': [
    {
      pupils: [{ first: 'Oliver', last: 'Pennington', year: 8, born: [2, 8], attendance: 88.9 }],
      address: { line1: '9 Anns Hill Road', town: 'Gosport', postcode: 'PO12 3JX' },
      adults: [
        { title: 'Mrs', first: 'Sarah', last: 'Pennington', relationship: 'Mother', pr: true, lives: true, phone: '07700900671', email: 'sarah.pennington@example.com' },
        { title: 'Mr', first: 'James', last: 'Pennington', relationship: 'Father', pr: true, lives: true, phone: '07700900672' },
      ],
    },
    {
      pupils: [{ first: 'Aleksander', last: 'Nowak', year: 9, born: [10, 17], attendance: 63.5 }],
      address: { line1: 'Flat 4, Trinity Court', line2: 'Mumby Road', town: 'Gosport', postcode: 'PO12 1AQ' },
      adults: [
        {
          title: 'Mrs', first: 'Agnieszka', last: 'Nowak', relationship: 'Mother', pr: true, lives: true, phone: '07700900673',
          language: 'Polish', interpreter: true, literacy: 'Reads Polish; send letters in Polish where possible.',
        },
        { title: 'Mr', first: 'Tomasz', last: 'Nowak', relationship: 'Father', pr: true, lives: true, phone: '07700900674', language: 'Polish', cultural: 'Catholic family.' },
      ],
      agencies: [{ name: 'Hampshire Supporting Families', role: 'Early help practitioner', contact: 'Bethany Cole', phone: '02079460671', lead: true }],
    },
    {
      pupils: [{ first: 'Mia', last: 'Fairweather', year: 7, born: [7, 3], attendance: 96.0 }],
      address: { line1: '118 Brockhurst Road', town: 'Gosport', postcode: 'PO12 3DG' },
      adults: [
        { title: 'Ms', first: 'Claire', last: 'Hobbs', relationship: 'Mother', pr: true, lives: true, phone: '07700900675' },
        { title: 'Mr', first: 'Ross', last: 'Whitlock', relationship: 'Mother’s partner', pr: false, lives: true },
      ],
      hazards: [{ kind: 'animal', description: 'Two German shepherds, usually in the back garden.', shutAway: true, daysAgo: 60 }],
    },
    {
      pupils: [{ first: 'Connor', last: 'Blackmore', year: 10, born: [12, 19], attendance: 79.3, behaviour: 'Becomes angry when challenged; use calm, low voice.' }],
      address: { line1: '31 Nobes Avenue', town: 'Gosport', postcode: 'PO13 0HR' },
      adults: [
        {
          title: 'Mr', first: 'Wayne', last: 'Blackmore', relationship: 'Father', pr: true, lives: true, phone: '07700900676',
          noAppointments: 'Threw a mug at the door frame during a visit and told staff to leave. Staff left at once.',
        },
        { title: 'Mrs', first: 'Tracey', last: 'Blackmore', relationship: 'Mother', pr: true, lives: true, phone: '07700900677' },
      ],
      agencies: [{ name: 'Hampshire Children’s Services', role: 'Social worker', contact: 'Naomi Bridger', phone: '02079460672', lead: true }],
      hazards: [{ kind: 'aggression', description: 'Father threw a mug during a visit. Two staff, stay near the door.', daysAgo: 21 }],
    },
    {
      pupils: [{ first: 'Freya', last: 'Langdon', year: 11, born: [4, 25], attendance: 92.1 }],
      address: { line1: '6 Jamaica Place', town: 'Gosport', postcode: 'PO12 1LX' },
      adults: [{ title: 'Ms', first: 'Donna', last: 'Kilbride', relationship: 'Aunt (kinship carer)', pr: true, lives: true, phone: '07700900678' }],
    },
  ],
  'morecambe-road': [
    {
      pupils: [{ first: 'Harvey', last: 'Capstick', year: 6, born: [8, 9], attendance: 89.5, send: 'Moderate learning difficulties; EHCP.' }],
      address: { line1: '40 Westgate', town: 'Morecambe', postcode: 'LA4 4XD' },
      adults: [
        { title: 'Miss', first: 'Gemma', last: 'Capstick', relationship: 'Mother', pr: true, lives: true, phone: '07700900741' },
        { title: 'Mr', first: 'Liam', last: 'Barrow', relationship: 'Father', pr: true, lives: false, phone: '07700900742' },
      ],
    },
    {
      pupils: [{ first: 'Ayaan', last: 'Hussain', year: 4, born: [11, 28], attendance: 66.7, send: 'Autism; EHCP. Needs warning before visitors arrive.' }],
      address: { line1: '12 Lord Street', town: 'Morecambe', postcode: 'LA4 4PN' },
      adults: [
        {
          title: 'Mrs', first: 'Rukhsana', last: 'Hussain', relationship: 'Mother', pr: true, lives: true, phone: '07700900743',
          language: 'Urdu', interpreter: true, cultural: 'Prefers a female visitor when her husband is not at home.',
        },
        { title: 'Mr', first: 'Khalid', last: 'Hussain', relationship: 'Father', pr: true, lives: true, phone: '07700900744', language: 'Urdu' },
      ],
      agencies: [
        { name: 'Lancashire Family Wellbeing Service', role: 'Key worker', contact: 'Carole Whiteside', phone: '01134960741', lead: true },
        { name: 'Lancashire SEND Service', role: 'Casework officer', contact: 'Imogen Parr', phone: '01134960742' },
      ],
    },
    {
      pupils: [{ first: 'Lily-Mae', last: 'Thwaites', year: 8, born: [3, 3], attendance: 93.4 }],
      address: { line1: '77 Balmoral Road', town: 'Morecambe', postcode: 'LA3 1HT' },
      adults: [
        { title: 'Ms', first: 'Stacey', last: 'Wilding', relationship: 'Mother', pr: true, lives: true, phone: '07700900745' },
        { title: 'Mr', first: 'Kieran', last: 'Wilding', relationship: 'Stepfather', pr: false, lives: true },
      ],
      hazards: [{ kind: 'animal', description: 'Rottweiler in the yard at the front of the house.', shutAway: true, daysAgo: 90 }],
    },
    {
      pupils: [{ first: 'Tyler', last: 'Gorst', year: 10, born: [6, 1], attendance: 71.8, behaviour: 'Physical intervention twice this term (Team Teach).' }],
      address: { line1: '5 Regent Road', town: 'Morecambe', postcode: 'LA3 1QG' },
      adults: [
        {
          title: 'Mr', first: 'Dale', last: 'Gorst', relationship: 'Father', pr: true, lives: true, phone: '07700900746',
          noAppointments: 'Followed staff to their car shouting abuse after a visit.',
        },
        { title: 'Ms', first: 'Kerry', last: 'Procter', relationship: 'Mother', pr: true, lives: false, phone: '07700900747' },
      ],
      agencies: [{ name: 'Lancashire Children’s Social Care', role: 'Social worker', contact: 'Owen Pilling', phone: '01134960743', lead: true }],
      hazards: [{ kind: 'aggression', description: 'Father followed staff to their car shouting. Park where you can leave easily.', daysAgo: 10 }],
    },
    {
      pupils: [{ first: 'Poppy', last: 'Nuttall', year: 3, born: [10, 10], attendance: 97.0 }],
      address: { line1: '23 Bare Lane', town: 'Morecambe', postcode: 'LA4 6DF' },
      adults: [
        { title: 'Mrs', first: 'Brenda', last: 'Eccleston', relationship: 'Foster carer', pr: false, lives: true, phone: '01632960741' },
        { title: 'Mr', first: 'Keith', last: 'Eccleston', relationship: 'Foster carer', pr: false, lives: true },
      ],
    },
  ],
  westside: [
    {
      pupils: [{ first: 'Leo', last: 'Marsh', year: 9, born: [5, 16], attendance: 86.5, send: 'Dyslexia: reading support twice a week.' }],
      address: { line1: '18 Glenthorne Road', town: 'London', postcode: 'W6 0LS' },
      adults: [
        { title: 'Ms', first: 'Hannah', last: 'Marsh', relationship: 'Mother', pr: true, lives: true, phone: '07700900811', email: 'hannah.marsh@example.com' },
        { title: 'Mr', first: 'Ryan', last: 'Doyle', relationship: 'Father', pr: true, lives: false, phone: '07700900812' },
      ],
    },
    {
      pupils: [{ first: 'Maja', last: 'Wiśniewska', year: 8, born: [1, 11], attendance: 64.0 }],
      address: { line1: 'Flat 12, Becklow Gardens', line2: 'Becklow Road', town: 'London', postcode: 'W12 9HL' },
      adults: [
        {
          title: 'Mrs', first: 'Katarzyna', last: 'Wiśniewska', relationship: 'Mother', pr: true, lives: true, phone: '07700900813',
          language: 'Polish', interpreter: true, literacy: 'Reads Polish well; little written English.',
        },
        { title: 'Mr', first: 'Paweł', last: 'Wiśniewski', relationship: 'Father', pr: true, lives: true, phone: '07700900814', language: 'Polish' },
      ],
      agencies: [{ name: 'Hammersmith & Fulham Early Help', role: 'Family practitioner', contact: 'Olu Bankole', phone: '02079460811', lead: true }],
    },
    {
      pupils: [{ first: 'Kai', last: 'Osei', year: 10, born: [9, 27], attendance: 92.8 }],
      address: { line1: '63 Askew Road', town: 'London', postcode: 'W12 9AH' },
      adults: [
        { title: 'Ms', first: 'Abena', last: 'Osei', relationship: 'Mother', pr: true, lives: true, phone: '07700900815' },
        { title: 'Mr', first: 'Marcus', last: 'Clarke', relationship: 'Stepfather', pr: false, lives: true, phone: '07700900816' },
      ],
      hazards: [{ kind: 'animal', description: 'Small terrier, friendly but jumps up at visitors.', shutAway: true, daysAgo: 30 }],
    },
    {
      pupils: [{ first: 'Jordan', last: 'Pike', year: 11, born: [2, 14], attendance: 77.5, behaviour: 'Has left site without permission three times.' }],
      address: { line1: '2 Wormholt Road', town: 'London', postcode: 'W12 0LR' },
      adults: [
        {
          title: 'Mr', first: 'Shaun', last: 'Pike', relationship: 'Father', pr: true, lives: true, phone: '07700900817',
          noAppointments: 'Pushed the door against a member of staff and swore at her during a visit.',
        },
        { title: 'Ms', first: 'Natalie', last: 'Fenwick', relationship: 'Mother', pr: true, lives: false, phone: '07700900818' },
      ],
      agencies: [
        { name: 'Hammersmith & Fulham Children’s Services', role: 'Social worker', contact: 'Funmi Adeyemi', phone: '02079460812', lead: true },
        { name: 'CAMHS', role: 'Clinical psychologist', contact: 'Dr Imran Qadir', phone: '02079460813' },
      ],
      hazards: [{ kind: 'aggression', description: 'Father pushed the door against staff. Do not visit without the DSL’s agreement.', daysAgo: 7 }],
    },
    {
      pupils: [{ first: 'Sofia', last: 'Ferreira', year: 7, born: [12, 2], attendance: 94.6 }],
      address: { line1: '47 Uxbridge Road', town: 'London', postcode: 'W12 8LH' },
      adults: [
        { title: 'Mrs', first: 'Lúcia', last: 'Santos', relationship: 'Grandmother', pr: true, lives: true, phone: '07700900819', language: 'Portuguese', interpreter: false },
      ],
    },
  ],
  wna: [
    {
      pupils: [{ first: 'Noah', last: 'Whitfield', year: 2, born: [4, 4], attendance: 89.2 }],
      address: { line1: '15 Wimborne Road', town: 'Bournemouth', postcode: 'BH9 2BE' },
      adults: [
        { title: 'Mrs', first: 'Laura', last: 'Whitfield', relationship: 'Mother', pr: true, lives: true, phone: '07700900881' },
        { title: 'Mr', first: 'Stuart', last: 'Whitfield', relationship: 'Father', pr: true, lives: true, phone: '07700900882' },
      ],
    },
    {
      pupils: [{ first: 'Hamza', last: 'Iqbal', year: 1, born: [7, 22], attendance: 65.9, medical: 'Nut allergy: adrenaline pen in the office.' }],
      address: { line1: '88 Charminster Road', town: 'Bournemouth', postcode: 'BH8 8UT' },
      adults: [
        { title: 'Mrs', first: 'Shazia', last: 'Iqbal', relationship: 'Mother', pr: true, lives: true, phone: '07700900883', language: 'Urdu', interpreter: true },
        { title: 'Mr', first: 'Adnan', last: 'Iqbal', relationship: 'Father', pr: true, lives: true, phone: '07700900884', language: 'Urdu' },
      ],
      agencies: [{ name: 'BCP Early Help', role: 'Family worker', contact: 'Gwen Tapper', phone: '01134960881', lead: true }],
    },
    {
      pupils: [{ first: 'Evie', last: 'Cartwright', year: 0, born: [3, 19], attendance: 94.0 }],
      address: { line1: '4 Malvern Road', town: 'Bournemouth', postcode: 'BH9 3BX' },
      adults: [
        { title: 'Ms', first: 'Rebecca', last: 'Speight', relationship: 'Mother', pr: true, lives: true, phone: '07700900885' },
        { title: 'Mr', first: 'Carl', last: 'Cartwright', relationship: 'Father', pr: true, lives: false, phone: '07700900886' },
      ],
      hazards: [{ kind: 'animal', description: 'Large dog (husky) loose in the house.', shutAway: true, daysAgo: 25 }],
    },
    {
      pupils: [{ first: 'Mason', last: 'Kirkby', year: 4, born: [11, 6], attendance: 82.0 }],
      address: { line1: '30 Castle Lane West', town: 'Bournemouth', postcode: 'BH9 3LH' },
      adults: [
        {
          title: 'Mr', first: 'Shane', last: 'Kirkby', relationship: 'Father', pr: true, lives: true, phone: '07700900887',
          noAppointments: 'Became threatening at the school gate when asked about absence.',
        },
        { title: 'Ms', first: 'Leanne', last: 'Ridley', relationship: 'Mother', pr: true, lives: true, phone: '07700900888' },
      ],
      agencies: [
        { name: 'BCP Children’s Social Care', role: 'Social worker', contact: 'Petra Vos', phone: '01134960882', lead: true },
        { name: 'School nursing team', role: 'School nurse', contact: 'Yvonne Dibble', phone: '01134960883' },
      ],
      hazards: [{ kind: 'aggression', description: 'Father threatening at the school gate. Visit in pairs only.', daysAgo: 12 }],
    },
    {
      pupils: [{ first: 'Isla', last: 'Brennan', year: 3, born: [6, 30], attendance: 91.0 }],
      address: { line1: '11 Queens Park Avenue', town: 'Bournemouth', postcode: 'BH8 9LJ' },
      adults: [
        { title: 'Mrs', first: 'Siobhan', last: 'Brennan', relationship: 'Mother', pr: true, lives: true, phone: '07700900889' },
        { title: 'Mr', first: 'Declan', last: 'Brennan', relationship: 'Father', pr: true, lives: true, phone: '07700900890' },
      ],
      decline: { daysAgo: 20, reason: 'Mrs Brennan phoned the office: the family do not want home visits and will come into school for meetings instead.' },
    },
  ],
}

const DAY = 24 * 60 * 60 * 1000
const schoolLetters: Record<DemoSchoolKey, string> = { harton: 'H', 'kings-gomer': 'K', 'morecambe-road': 'M', westside: 'W', wna: 'N' }

/** A birthday that puts the pupil in `year` in the school year containing `now` (Reception = 0). */
function birthday(year: number, [month, day]: [number, number], now: Date): string {
  const schoolYearStart = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1
  // Pupils in Reception turn 5 during the school year: born 1 September (start − 5) to 31 August (start − 4).
  const bornIn = schoolYearStart - 5 - year + (month >= 9 ? 0 : 1)
  return `${bornIn}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

const yearGroupName = (year: number) => (year === -1 ? 'Nursery' : year === 0 ? 'Reception' : `Year ${year}`)
const isoDay = (at: Date) => at.toISOString().slice(0, 10)

export const seedPupils: DemoSeeder = async (client, schools: DemoSchool[], now) => {
  for (const school of schools) {
    const system = { userId: null, name: 'Doorstep demo set-up' }
    let pupilCount = 0
    let adultCount = 0
    for (const family of families[school.key]) {
      const addressId = await insertAddress(client, school.id, { line1: family.address.line1, line2: family.address.line2 ?? '', town: family.address.town, postcode: family.address.postcode }, now)
      const pupilIds: string[] = []
      for (const pupil of family.pupils) {
        pupilCount++
        const id = await insertPupil(client, school.id, {
          firstName: pupil.first,
          lastName: pupil.last,
          dateOfBirth: birthday(pupil.year, pupil.born, now),
          yearGroup: yearGroupName(pupil.year),
          upn: `${schoolLetters[school.key]}${String(80_000_000_000 + pupilCount * 7919).padStart(11, '0')}${pupilCount % 10}`,
          attendancePercent: pupil.attendance,
          attendanceAsOf: isoDay(new Date(now.getTime() - 3 * DAY)),
          medicalNeeds: pupil.medical ?? '',
          sendNeeds: pupil.send ?? '',
          behaviourNotes: pupil.behaviour ?? '',
        }, now)
        await setMainAddress(client, school.id, id, addressId)
        pupilIds.push(id)
      }
      for (const adult of family.adults) {
        adultCount++
        const contactId = await insertContact(client, school.id, {
          title: adult.title,
          firstName: adult.first,
          lastName: adult.last,
          phone: adult.phone ?? '',
          email: adult.email ?? '',
          language: adult.language ?? '',
          interpreterNeeded: adult.interpreter ?? false,
          literacyNeeds: adult.literacy ?? '',
          culturalConsiderations: adult.cultural ?? '',
        }, now)
        for (const pupilId of pupilIds) {
          await linkContact(client, school.id, pupilId, contactId, { relationship: adult.relationship, parentalResponsibility: adult.pr, livesWithPupil: adult.lives })
        }
        if (adult.noAppointments) {
          await setNoAppointments(client, school.id, contactId, school.staff.dsl ?? null, adult.noAppointments, new Date(now.getTime() - 9 * DAY))
        }
      }
      for (const pupilId of pupilIds) {
        for (const agency of family.agencies ?? []) {
          await insertAgency(client, school.id, pupilId, {
            name: agency.name,
            roleOrService: agency.role,
            contactName: agency.contact,
            phone: agency.phone,
            email: agency.email ?? '',
            isLeadPractitioner: agency.lead ?? false,
          }, now)
        }
        if (family.decline) {
          const at = new Date(now.getTime() - family.decline.daysAgo * DAY)
          const declineId = await insertDecline(client, school.id, pupilId, { declinedOn: isoDay(at), reason: family.decline.reason }, school.staff.office ?? null, at)
          if (family.decline.withdrawnDaysAgo !== undefined) {
            await withdrawDecline(client, school.id, declineId, school.staff.office ?? null, new Date(now.getTime() - family.decline.withdrawnDaysAgo * DAY))
          }
        }
      }
      for (const hazard of family.hazards ?? []) {
        await insertHazard(
          client,
          school.id,
          addressId,
          { kind: hazard.kind, description: hazard.description, animalsWillBeShutAway: hazard.kind === 'animal' ? (hazard.shutAway ?? null) : null },
          school.staff.visitor ?? null,
          new Date(now.getTime() - hazard.daysAgo * DAY),
        )
      }
    }
    await recordAudit(client, {
      schoolId: school.id,
      actor: system,
      action: 'pupils.demo_seeded',
      subjectType: 'school',
      subjectId: school.id,
      summary: `Added ${pupilCount} demo pupils and ${adultCount} adults in their families`,
    }, now)
  }
}

/** Every demo pupil's and adult's name by school, for tests that check one school never shows another's. */
export const demoFamilyNames: Record<DemoSchoolKey, string[]> = Object.fromEntries(
  Object.entries(families).map(([key, list]) => [
    key,
    list.flatMap((family) => [...family.pupils.map((p) => `${p.first} ${p.last}`), ...family.adults.map((a) => `${a.first} ${a.last}`)]),
  ]),
) as Record<DemoSchoolKey, string[]>
