import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction } from '../../db/pool.ts'
import { NotFoundError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { findUserByEmail, schoolsOf } from '../staff/repository.ts'
import { decoyPasswordHash, verifyPassword } from './passwords.ts'
import { SESSION_COOKIE, createSession, endSession, setSessionSchool } from './sessions.ts'

const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(320, 'Email address must be 320 characters or fewer'),
  password: z.string().min(1, 'Enter your password').max(1000, 'Password must be 1000 characters or fewer'),
  next: z.string().optional(),
})

/** Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
}

const londonTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })

export function registerAuthRoutes(app: FastifyInstance): void {
  const { pool, config, clock } = app.deps
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies }

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
      const rerender = (message: string, field = 'email') =>
        reply.status(400).page('auth/views/sign-in.njk', {
          title: 'Sign in to Doorstep',
          next: safeNext(body.next),
          email: typeof body.email === 'string' ? body.email : '',
          ...errorView([{ field, message }]),
        })
      if (!form.ok) {
        return reply.status(400).page('auth/views/sign-in.njk', {
          title: 'Sign in to Doorstep',
          next: safeNext(body.next),
          email: typeof body.email === 'string' ? body.email : '',
          ...errorView(form.errors),
        })
      }
      const now = clock()
      const user = await findUserByEmail(pool, form.data.email)
      if (user?.lockedUntil && user.lockedUntil > now) {
        return rerender(
          `This account is locked after too many failed sign-in attempts. Try again after ${londonTime.format(user.lockedUntil)}, or ask your school admin to reset your password.`,
        )
      }
      const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), form.data.password)
      if (!user || !passwordOk || !user.active) {
        if (user && !passwordOk) {
          const failures = user.failedSignIns + 1
          const locks = failures >= config.signIn.maxFailures
          await inTransaction(pool, async (client) => {
            await client.query('UPDATE users SET failed_sign_ins = $2, locked_until = $3 WHERE id = $1', [
              user.id,
              locks ? 0 : failures,
              locks ? new Date(now.getTime() + config.signIn.lockoutMinutes * 60_000) : null,
            ])
            if (locks) {
              await recordAudit(client, {
                schoolId: null,
                actor: { userId: null, name: 'Doorstep' },
                action: 'account.locked',
                subjectType: 'user',
                subjectId: user.id,
                summary: `Locked ${user.email} for ${config.signIn.lockoutMinutes} minutes after ${failures} failed sign-in attempts`,
              }, now)
            }
          })
          if (locks) {
            return rerender(
              `This account is now locked for ${config.signIn.lockoutMinutes} minutes after too many failed sign-in attempts. Try again later, or ask your school admin to reset your password.`,
            )
          }
        }
        return rerender('Enter a correct email address and password')
      }
      const schools = await schoolsOf(pool, user.id)
      const session = await inTransaction(pool, async (client) => {
        // A new session id at every sign-in: any id an attacker planted before is useless.
        if (request.session) await endSession(client, request.session.idHash)
        await client.query('UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1', [user.id])
        const created = await createSession(client, user.id, schools[0]?.id ?? null, now, config)
        await recordAudit(client, {
          schoolId: null,
          actor: { userId: user.id, name: user.name },
          action: 'signed_in',
          subjectType: 'user',
          subjectId: user.id,
          summary: `${user.name} signed in`,
        }, now)
        return created
      })
      void reply.setCookie(SESSION_COOKIE, session.token, cookieOptions)
      return reply.redirect(safeNext(form.data.next), 303)
    },
  )

  app.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
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
