import { z } from 'zod'
import { schoolRoles } from '../../domain/roles.ts'
import { asArray } from '../../web/forms.ts'

/** UK mobile numbers: 07… or +447…, spaces allowed. */
export const ukMobile = z
  .string()
  .trim()
  .transform((value) => value.replace(/[\s()-]/g, ''))
  .refine((value) => /^(?:07\d{9}|\+447\d{9})$/.test(value), 'Enter a UK mobile number, like 07700 900 982')

export const staffDetails = z.object({
  name: z.string({ error: 'Enter the full name' }).trim().min(1, 'Enter the full name').max(200, 'Full name must be 200 characters or fewer'),
  email: z
    .string({ error: 'Enter an email address' })
    .trim()
    .min(1, 'Enter an email address')
    .max(320, 'Email address must be 320 characters or fewer')
    .pipe(z.email('Enter an email address in the correct format, like name@example.org')),
  mobile: z.union([z.literal('').transform(() => null), ukMobile]).optional().transform((v) => v ?? null),
  roles: z.preprocess(
    asArray,
    z.array(z.enum(schoolRoles, { error: 'Choose roles from the list' })).min(1, 'Choose at least one role'),
  ),
})

export type StaffDetails = z.infer<typeof staffDetails>
