import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkVehicle, normaliseRegistration, type Vehicle } from './vehicle-rules.ts'

const at = new Date('2026-11-25T10:00:00Z')
const car: Vehicle = {
  id: '00000000-0000-4000-8000-000000000001',
  ownerUserId: '00000000-0000-4000-8000-000000000002',
  ownerName: 'Ryan Tilley',
  make: 'Ford',
  model: 'Fiesta',
  registration: 'AB12 CDE',
  colour: 'Blue',
  insuranceExpiresOn: '2027-03-01',
  businessUseCover: true,
  schoolApproved: true,
}
const strict = { vehicles: { businessInsuranceRequired: true, approvedVehiclesOnly: true } }
const relaxed = { vehicles: { businessInsuranceRequired: false, approvedVehiclesOnly: false } }

describe('checkVehicle', () => {
  it('R-VEHICLE-1 a vehicle with current business-use insurance is ready', () => {
    assert.deepEqual(checkVehicle(strict, car, at), { verdict: 'ready', problems: [] })
  })

  const cases: Array<{ name: string; policy: typeof strict; change: Partial<Vehicle>; verdict: string; codes: string[]; message: RegExp }> = [
    {
      name: 'R-VEHICLE-1 blocks a vehicle whose insurance expired yesterday',
      policy: relaxed,
      change: { insuranceExpiresOn: '2026-11-24' },
      verdict: 'blocked',
      codes: ['insurance_expired'],
      message: /insurance of the Ford Fiesta \(AB12 CDE\) expired on 24 November 2026/,
    },
    {
      name: 'R-VEHICLE-1 insurance ending today still covers a visit today',
      policy: strict,
      change: { insuranceExpiresOn: '2026-11-25' },
      verdict: 'ready',
      codes: [],
      message: /^$/,
    },
    {
      name: 'R-VEHICLE-1 blocks a vehicle with no business-use cover when the policy requires it',
      policy: strict,
      change: { businessUseCover: false },
      verdict: 'blocked',
      codes: ['no_business_cover'],
      message: /not insured for business use, which the school’s policy requires/,
    },
    {
      name: 'R-VEHICLE-1 only warns about missing business-use cover when the policy does not require it',
      policy: relaxed,
      change: { businessUseCover: false },
      verdict: 'warnings',
      codes: ['no_business_cover'],
      message: /does not require it, but check the insurer/,
    },
    {
      name: 'R-VEHICLE-2 blocks a vehicle the school has not approved when the policy allows approved vehicles only',
      policy: strict,
      change: { schoolApproved: false },
      verdict: 'blocked',
      codes: ['not_school_approved'],
      message: /not approved by the school\. The school’s policy allows only school-approved vehicles/,
    },
    {
      name: 'R-VEHICLE-2 an unapproved vehicle is fine where the policy does not restrict vehicles',
      policy: relaxed,
      change: { schoolApproved: false },
      verdict: 'ready',
      codes: [],
      message: /^$/,
    },
    {
      name: 'R-VEHICLE-1 R-VEHICLE-2 lists every problem at once',
      policy: strict,
      change: { insuranceExpiresOn: '2026-01-01', businessUseCover: false, schoolApproved: false },
      verdict: 'blocked',
      codes: ['insurance_expired', 'no_business_cover', 'not_school_approved'],
      message: /expired on 1 January 2026/,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const result = checkVehicle(c.policy, { ...car, ...c.change }, at)
      assert.equal(result.verdict, c.verdict)
      assert.deepEqual(result.problems.map((p) => p.code), c.codes)
      assert.match(result.problems.map((p) => p.message).join(' '), c.message)
    })
  }

  it('R-VEHICLE-1 blocks a vehicle the office has removed', () => {
    const result = checkVehicle(relaxed, { ...car, removedAt: new Date('2026-11-01T09:00:00Z') }, at)
    assert.equal(result.verdict, 'blocked')
    assert.match(result.problems[0]?.message ?? '', /has been removed from the school’s list of vehicles/)
  })

  it('R-VEHICLE-1 reads the day of the visit in UK time (00:30 BST is already the next day)', () => {
    const lateEvening = new Date('2026-06-30T23:30:00Z') // 1 July 00:30 in London
    assert.equal(checkVehicle(strict, { ...car, insuranceExpiresOn: '2026-06-30' }, lateEvening).verdict, 'blocked')
  })
})

describe('normaliseRegistration', () => {
  const good: Array<[string, string]> = [
    ['ab12cde', 'AB12 CDE'],
    [' AB12 CDE ', 'AB12 CDE'],
    ['a123bcd', 'A123 BCD'],
    ['abc123d', 'ABC 123D'],
    ['ABC 1234', 'ABC 1234'],
    ['1234 ab', '1234 AB'],
    ['lb07-sex', 'LB07 SEX'],
  ]
  for (const [input, expected] of good) {
    it(`R-VEHICLE-1 reads ${JSON.stringify(input)} as ${expected}`, () => assert.equal(normaliseRegistration(input), expected))
  }
  for (const input of ['', 'HELLO', 'AB12 CDEF', '12345', 'AB1$ CDE', 'ABCD 123']) {
    it(`R-VEHICLE-1 refuses ${JSON.stringify(input)}`, () => assert.equal(normaliseRegistration(input), undefined))
  }
})
