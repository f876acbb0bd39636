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
  email: z.string({ error: 'Enter your email address' }).trim().min(1, 'Enter your email address').max(320, 'Email address must be 320 characters or fewer'),
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1000, 'Password must be 1000 characters or fewer'),
  next: z.string().optional(),
})

/**
 * Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in. Browsers
 * drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example" would
 * leave the site: only printable characters, no backslash, and no second slash at the start.
 */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && !next.includes('\\') ? next : '/'
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
      const lockedMessage = (until: Date) =>
        `This account is locked after too many failed sign-in attempts. Try again after ${londonTime.format(until)}, or ask your school admin to reset your password.`
      if (user?.lockedUntil && user.lockedUntil > now) return rerender(lockedMessage(user.lockedUntil))
      const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), form.data.password)
      if (!user || !passwordOk || !user.active) {
        if (user && !passwordOk) {
          // Counted in one statement, so guesses sent at the same time are all counted.
          const locks = await inTransaction(pool, async (client) => {
            const { rows } = await client.query<{ locks: boolean }>(
              `UPDATE users
                  SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END,
                      locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END
                WHERE id = $1
            RETURNING failed_sign_ins = 0 AS locks`,
              [user.id, config.signIn.maxFailures, new Date(now.getTime() + config.signIn.lockoutMinutes * 60_000)],
            )
            const locked = rows[0]?.locks === true
            if (locked) {
              await recordAudit(client, {
                schoolId: null,
                actor: { userId: null, name: 'Doorstep' },
                action: 'account.locked',
                subjectType: 'user',
                subjectId: user.id,
                summary: `Locked ${user.email} for ${config.signIn.lockoutMinutes} minutes after ${config.signIn.maxFailures} failed sign-in attempts`,
              }, now)
            }
            return locked
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
        // A guess sent alongside the ones that locked the account is refused too.
        const unlocked = await client.query(
          'UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)',
          [user.id, now],
        )
        if (unlocked.rowCount === 0) return undefined
        // A new session id at every sign-in, so an id an attacker planted before is useless.
        if (request.session) await endSession(client, request.session.idHash)
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
      if (!session) {
        const lockedUntil = (await findUserByEmail(pool, user.email))?.lockedUntil
        return rerender(lockedMessage(lockedUntil ?? now))
      }
      void reply.setCookie(SESSION_COOKIE, session.token, cookieOptions)
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
