import { z } from 'zod'
import { dbsLevels } from './schema.ts'
import type { PersonReadiness, Verdict } from './service.ts'

/** The readiness API's answers, shared by the reads (routes.ts) and the writes (api.ts). */
export const message = z.object({ code: z.string(), message: z.string() })
export const verdict = z.object({ status: z.enum(['ready', 'warnings', 'blocked']), blocks: z.array(message), warnings: z.array(message) })
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
export const vehicleCheck = z.object({
  verdict: z.enum(['ready', 'warnings', 'blocked']),
  problems: z.array(z.object({ code: z.string(), severity: z.enum(['block', 'warn']), message: z.string() })),
})

/** A member of staff's readiness, as the API answers it (GET, and every change to their DBS or training). */
export const readinessAnswer = z.object({
    userId: z.uuid(),
    name: z.string(),
    mobile: z.string().nullable(),
    policyVersion: z.int(),
    dbs: z
      .object({
        level: z.enum(dbsLevels),
        barredListChecked: z.boolean(),
        certificateNumber: z.string(),
        issuedOn: isoDate,
        updateService: z.boolean(),
        recheckDueOn: isoDate.nullable(),
      })
      .nullable(),
    trainings: z.array(
      z.object({
        trainingId: z.string(),
        label: z.string(),
        requirement: z.string(),
        status: z.enum(['valid', 'expiring', 'expired', 'missing']),
        completedOn: isoDate.nullable(),
        expiresOn: isoDate.nullable(),
      }),
    ),
    vehicles: z.array(
      z.object({
        id: z.uuid(),
        make: z.string(),
        model: z.string(),
        registration: z.string(),
        colour: z.string(),
        insuranceExpiresOn: isoDate,
        businessUseCover: z.boolean(),
        schoolApproved: z.boolean(),
        check: vehicleCheck,
      }),
    ),
    verdict,
  })

export function toReadinessAnswer(r: PersonReadiness): z.input<typeof readinessAnswer> {
  return {
      userId: r.person.id,
      name: r.person.name,
      mobile: r.person.mobile,
      policyVersion: r.policy.version,
      dbs: r.dbs
        ? {
            level: r.dbs.level,
            barredListChecked: r.dbs.barredListChecked,
            certificateNumber: r.dbs.certificateNumber,
            issuedOn: r.dbs.issuedOn,
            updateService: r.dbs.updateService,
            recheckDueOn: r.dbs.recheckDueOn,
          }
        : null,
      trainings: r.trainings.map((t) => ({
        trainingId: t.trainingId,
        label: t.label,
        requirement: t.requirement,
        status: t.status,
        completedOn: t.latest?.completedOn ?? null,
        expiresOn: t.latest?.expiresOn ?? null,
      })),
      vehicles: r.vehicles.map((v) => ({
        id: v.id,
        make: v.make,
        model: v.model,
        registration: v.registration,
        colour: v.colour,
        insuranceExpiresOn: v.insuranceExpiresOn,
        businessUseCover: v.businessUseCover,
        schoolApproved: v.schoolApproved,
        check: v.check,
      })),
      verdict: verdictAnswer(r.verdict),
    }
}

/** Warnings and blocks as the API gives them everywhere: a stable code and the words (issue 10 point 13). */
export function verdictAnswer(given: Verdict): z.input<typeof verdict> {
  const words = (m: { code: string; text: string }) => ({ code: m.code, message: m.text })
  return { status: given.status, blocks: given.blocks.map(words), warnings: given.warnings.map(words) }
}

