import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction } from '../../db/pool.ts'
import { NotFoundError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { findUserByEmail, schoolsOf } from '../staff/repository.ts'
import { decoyPasswordHash, verifyPassword } from './passwords.ts'
import { safeNext } from './safe-next.ts'
import { SESSION_COOKIE, createSession, endSession, setSessionSchool } from './sessions.ts'
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SECONDS, claimAttempt, settleSuccess, startsSlowing } from './sign-in-throttle.ts'

const signInForm = z.object({
  email: z.string({ error: 'Enter your email address' }).trim().min(1, 'Enter your email address').max(320, 'Email address must be 320 characters or fewer'),
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1000, 'Password must be 1000 characters or fewer'),
  next: z.string().optional(),
})

export function registerAuthRoutes(app: FastifyInstance): void {
  const { pool, config, clock } = app.deps
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies }
  // Made now, so the first unknown address does not take longer than the rest.
  void decoyPasswordHash()

  app.get<{ Querystring: { next?: string; signedOut?: string } }>(
    '/sign-in',
    { config: { access: 'public' } },
    async (request, reply) => {
      if (request.principal) return reply.redirect(safeNext(request.query.next))
      return reply.page('auth/views/sign-in.njk', {
        title: 'Sign in to Doorstep',
        next: safeNext(request.query.next),
        flash: request.query.signedOut ? 'You have signed out.' : undefined,
      })
    },
  )

  app.post(
    '/sign-in',
    {
      config: {
        access: 'public',
        rateLimit: {
          max: 20,
          timeWindow: '1 minute',
          errorResponseBuilder: () => ({
            statusCode: 429,
            message: 'There have been too many sign-in attempts from this device. Wait a minute and try again.',
          }),
        },
      },
    },
    async (request, reply) => {
      const form = parseForm(signInForm, request.body)
      const body = (request.body ?? {}) as Record<string, unknown>
      const rerender = (errors: FieldError[]) =>
        reply.status(400).page('auth/views/sign-in.njk', {
          title: 'Sign in to Doorstep',
          next: safeNext(body.next),
          email: typeof body.email === 'string' ? body.email : '',
          ...errorView(errors),
        })
      if (!form.ok) return rerender(form.errors)
      // Every refusal below is this one answer, after one argon2 verification, whether the address
      // is unknown, the password wrong, the account deactivated or its attempts slowed (0011).
      const refuse = () => rerender([{ field: 'email', message: 'Enter a correct email address and password' }])
      const now = clock()
      const deviceToken = request.cookies[DEVICE_COOKIE]
      const user = await findUserByEmail(pool, form.data.email)
      const claim = await claimAttempt(pool, user?.id, deviceToken, now, config)
      const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), form.data.password)
      if (!user || !claim.judged || !passwordOk || !user.active) {
        if (user && claim.judged && !passwordOk && startsSlowing(claim, config)) {
          await inTransaction(pool, (client) =>
            recordAudit(client, {
              schoolId: null,
              actor: { userId: null, name: 'Doorstep' },
              action: 'account.sign_in_slowed',
              subjectType: 'user',
              subjectId: user.id,
              summary: `Slowed sign-in attempts for ${user.email}${claim.by === 'device' ? ' from one browser they have used before' : ''} after ${claim.failures} wrong passwords in a row`,
            }, now),
          )
        }
        return refuse()
      }
      const schools = await schoolsOf(pool, user.id)
      const signedIn = await inTransaction(pool, async (client) => {
        const device = await settleSuccess(client, claim, user.id, deviceToken, now)
        // A new session id at every sign-in, so an id an attacker planted before is useless.
        if (request.session) await endSession(client, request.session.idHash)
        const session = await createSession(client, user.id, schools[0]?.id ?? null, now, config)
        await recordAudit(client, {
          schoolId: null,
          actor: { userId: user.id, name: user.name },
          action: 'signed_in',
          subjectType: 'user',
          subjectId: user.id,
          summary: `${user.name} signed in`,
        }, now)
        return { session, device }
      })
      void reply.setCookie(SESSION_COOKIE, signedIn.session.token, cookieOptions)
      void reply.setCookie(DEVICE_COOKIE, signedIn.device, { ...cookieOptions, path: '/sign-in', maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS })
      return reply.redirect(safeNext(form.data.next), 303)
    },
  )

  // Someone whose session has already timed out can still press "Sign out" without being told their form expired.
  app.post('/sign-out', { config: { access: 'public', csrf: 'signed-in-only' } }, async (request, reply) => {
    if (request.session) await endSession(pool, request.session.idHash)
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/sign-in?signedOut=1', 303)
  })

  app.post<{ Body: { schoolId?: string } }>('/schools/switch', { config: { access: 'signed-in' } }, async (request, reply) => {
    const school = request.principal?.schools.find((s) => s.id === request.body?.schoolId)
    if (!school || !request.session) throw new NotFoundError('There is no school with that id that you belong to.')
    await setSessionSchool(pool, request.session.idHash, school.id)
    return reply.redirect('/', 303)
  })
}
