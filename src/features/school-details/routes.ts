import type { FastifyInstance } from 'fastify'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { doneFlash } from '../../web/flash.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { staffAdmins } from '../../web/navigation.ts'
import { ADDRESS_MAX, PHONE_MAX, findSchoolDetails, saveSchoolDetails, schoolDetailsForm } from './service.ts'

/**
 * The school's contact details (R-ESC-3): GET/POST /school/details, for a school admin or the headteacher.
 * The police information sheet prints them; without them it says the school phone is not held.
 */
export function registerSchoolDetailsRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = { roles: staffAdmins }
  const page = (schoolName: string, values: { phone: string; address: string }) => ({ title: 'School contact details', schoolName, values, phoneMax: PHONE_MAX, addressMax: ADDRESS_MAX })

  app.get('/school/details', { config: { access } }, async (request, reply) => {
    const school = schoolOf(request)
    const held = await findSchoolDetails(pool, school.id)
    return reply.page('school-details/views/school-details.njk', {
      ...page(school.name, { phone: held.phone ?? '', address: held.address ?? '' }),
      flash: doneFlash(request, { saved: 'School contact details saved.', unchanged: 'Nothing changed.' }),
    })
  })

  app.post('/school/details', { config: { access } }, async (request, reply) => {
    const school = schoolOf(request)
    const form = parseForm(schoolDetailsForm, request.body)
    if (!form.ok) {
      const body = (request.body ?? {}) as Record<string, unknown>
      const values = { phone: typeof body.phone === 'string' ? body.phone : '', address: typeof body.address === 'string' ? body.address : '' }
      return reply.status(400).page('school-details/views/school-details.njk', { ...page(school.name, values), ...errorView(form.errors) })
    }
    const outcome = await saveSchoolDetails(pool, actorOf(request), school.id, form.data, clock())
    return reply.redirect(`/school/details?done=${outcome}`, 303)
  })
}
