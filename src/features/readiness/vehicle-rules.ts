import type { Policy } from '../../policy/schema.ts'
import { longDateOf, ukDateOf } from './dates.ts'

/**
 * Whether a vehicle may be used for a home visit (R-VEHICLE-1, R-VEHICLE-2). Pure: the policy,
 * the vehicle and the moment of the visit in, a verdict out.
 */
export type Vehicle = {
  id: string
  /** null: a school vehicle. */
  ownerUserId: string | null
  ownerName: string | null
  make: string
  model: string
  registration: string
  colour: string
  /** The last day the insurance covers (YYYY-MM-DD). */
  insuranceExpiresOn: string
  businessUseCover: boolean
  schoolApproved: boolean
  /** Set once the office removed the vehicle; a removed vehicle cannot be used. */
  removedAt?: Date | null
}

export type VehicleProblem = {
  code: 'vehicle_removed' | 'insurance_expired' | 'no_business_cover' | 'not_school_approved'
  severity: 'block' | 'warn'
  message: string
}

export type VehicleCheck = {
  /** blocked: the vehicle may not be used; warnings: it may, but someone should look first. */
  verdict: 'ready' | 'warnings' | 'blocked'
  problems: VehicleProblem[]
}

/** "Ford Fiesta (AB12 CDE)". */
export function vehicleName(vehicle: Pick<Vehicle, 'make' | 'model' | 'registration'>): string {
  return `${vehicle.make} ${vehicle.model} (${vehicle.registration})`
}

export function checkVehicle(policy: Pick<Policy, 'vehicles'>, vehicle: Vehicle, at: Date): VehicleCheck {
  const today = ukDateOf(at)
  const name = vehicleName(vehicle)
  const problems: VehicleProblem[] = []
  if (vehicle.removedAt) {
    problems.push({
      code: 'vehicle_removed',
      severity: 'block',
      message: `The ${name} has been removed from the school’s list of vehicles. Choose another vehicle.`,
    })
  }
  if (vehicle.insuranceExpiresOn < today) {
    problems.push({
      code: 'insurance_expired',
      severity: 'block',
      message: `The insurance of the ${name} expired on ${longDateOf(vehicle.insuranceExpiresOn)}. Record the renewed insurance before using it.`,
    })
  }
  if (!vehicle.businessUseCover) {
    problems.push(
      policy.vehicles.businessInsuranceRequired
        ? {
            code: 'no_business_cover',
            severity: 'block',
            message: `The ${name} is not insured for business use, which the school’s policy requires for home visits.`,
          }
        : {
            code: 'no_business_cover',
            severity: 'warn',
            message: `The ${name} is not insured for business use. The school’s policy does not require it, but check the insurer covers home visits.`,
          },
    )
  }
  if (policy.vehicles.approvedVehiclesOnly && !vehicle.schoolApproved) {
    problems.push({
      code: 'not_school_approved',
      severity: 'block',
      message: `The ${name} is not approved by the school. The school’s policy allows only school-approved vehicles for home visits.`,
    })
  }
  const verdict = problems.some((p) => p.severity === 'block') ? 'blocked' : problems.length ? 'warnings' : 'ready'
  return { verdict, problems }
}

/**
 * A UK registration mark in upper case with its usual space, or undefined if it is not one.
 * Accepts the current format (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D), dateless and
 * Northern Ireland marks (ABC 1234, 1234 AB, AZ 123).
 */
export function normaliseRegistration(input: string): string | undefined {
  const mark = input.toUpperCase().replace(/[\s-]/g, '')
  let match: RegExpExecArray | null
  if ((match = /^([A-Z]{2}[0-9]{2})([A-Z]{3})$/.exec(mark))) return `${match[1]} ${match[2]}`
  if ((match = /^([A-Z][0-9]{1,3})([A-Z]{3})$/.exec(mark))) return `${match[1]} ${match[2]}`
  if ((match = /^([A-Z]{3})([0-9]{1,3}[A-Z])$/.exec(mark))) return `${match[1]} ${match[2]}`
  if ((match = /^([A-Z]{1,3})([0-9]{1,4})$/.exec(mark))) return `${match[1]} ${match[2]}`
  if ((match = /^([0-9]{1,4})([A-Z]{1,3})$/.exec(mark))) return `${match[1]} ${match[2]}`
  return undefined
}
