import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction } from '../../db/pool.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import { CHOOSE_PASSWORD_PATH, actorOf } from '../../web/auth-plugin.ts'
import { NotFoundError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { doneFlash } from '../../web/flash.ts'
import { MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/passwords.ts'
import { safeNext } from '../auth/safe-next.ts'
import { TOKEN_KEPT_AFTER_END_DAYS } from '../auth/sweep.ts'
import { alertBrowsersOf, turnOffAlerts } from '../push/service.ts'
import { findUserById } from '../staff/repository.ts'
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, createApiToken, listApiTokens, revokeApiToken, tokenLifetimeDays } from './api-tokens.ts'
import { visitUsers } from '../visits/service.ts'
import { hasVisitPins, removeVisitPins, setOwnPassword, setVisitPins } from './service.ts'

const newPassword = z
  .string({ error: 'Enter a new password' })
  .min(MIN_PASSWORD_LENGTH, `Your new password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Your new password must be 200 characters or fewer')
const confirmPassword = z.string({ error: 'Confirm your new password' }).min(1, 'Confirm your new password')
const passwordsMatch = { path: ['confirmPassword'], message: 'The passwords do not match' }

const passwordForm = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password' }).min(1, 'Enter your current password'),
    newPassword,
    confirmPassword,
  })
  .refine((form) => form.newPassword === form.confirmPassword, passwordsMatch)

const choosePasswordForm = z
  .object({ newPassword, confirmPassword, next: z.string().optional() })
  .refine((form) => form.newPassword === form.confirmPassword, passwordsMatch)

/** R-ALERT-1: 4 to 8 digits; the two PINs differ (decision 0018). */
const pin = (what: string) =>
  z
    .string({ error: `Enter your ${what}` })
    .trim()
    .min(1, `Enter your ${what}`)
    .regex(/^[0-9]*$/, `Your ${what} must be digits only, 0 to 9`)
    .min(4, `Your ${what} must be at least 4 digits`)
    .max(8, `Your ${what} must be 8 digits or fewer`)
const confirmation = (what: string) => z.string({ error: `Enter your ${what} again` }).trim().min(1, `Enter your ${what} again`)

const pinForm = z
  .object({ visitPin: pin('visit PIN'), confirmVisitPin: confirmation('visit PIN'), duressPin: pin('duress PIN'), confirmDuressPin: confirmation('duress PIN') })
  .refine((form) => form.visitPin === form.confirmVisitPin, { path: ['confirmVisitPin'], message: 'The visit PINs do not match' })
  .refine((form) => form.visitPin !== form.duressPin, { path: ['duressPin'], message: 'Your duress PIN must be different from your visit PIN' })
  .refine((form) => form.duressPin === form.confirmDuressPin, { path: ['confirmDuressPin'], message: 'The duress PINs do not match' })

const tokenForm = z.object({
  tokenName: z.string({ error: 'Enter a name for the token, like "MIS sync"' }).trim().min(1, 'Enter a name for the token, like "MIS sync"').max(100, 'Token name must be 100 characters or fewer'),
  expiresInDays: tokenLifetimeDays,
})

export function registerAccountRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = 'signed-in' as const

  async function accountPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, errors: FieldError[] = []) {
    const now = clock()
    const tokens = (await listApiTokens(pool, actorOf(request).userId)).map((token) => ({ ...token, expired: token.expiresAt.getTime() <= now.getTime() }))
    if (errors.length) reply.status(400)
    const body = (errors.length ? request.body ?? {} : {}) as Record<string, unknown>
    const roles = request.school?.roles ?? []
    return reply.page('account/views/account.njk', {
      title: 'Your account',
      // PINs are for the people who go on visits (they are the person's own, in every school).
      mayHavePins: holdsAnyRole(roles, visitUsers),
      pinsSet: await hasVisitPins(pool, actorOf(request).userId),
      tokens,
      // Alerts on phones (Web Push): the browsers this person turned them on in.
      alertBrowsers: await alertBrowsersOf(pool, actorOf(request).userId),
      pushReady: app.live.delivery.push !== null,
      defaultTokenDays: DEFAULT_TOKEN_DAYS,
      maxTokenDays: MAX_TOKEN_DAYS,
      tokenKeptDays: TOKEN_KEPT_AFTER_END_DAYS,
      values: { tokenName: typeof body.tokenName === 'string' ? body.tokenName : '', expiresInDays: typeof body.expiresInDays === 'string' ? body.expiresInDays : String(DEFAULT_TOKEN_DAYS) },
      ...errorView(errors),
      ...extra,
    })
  }

  app.get('/account', { config: { access } }, async (request, reply) =>
    accountPage(request, reply, { flash: doneFlash(request, doneMessages) }),
  )

  app.post('/account/password', { config: { access } }, async (request, reply) => {
    const form = parseForm(passwordForm, request.body)
    if (!form.ok) return accountPage(request, reply, {}, form.errors)
    const actor = actorOf(request)
    const user = await findUserById(pool, actor.userId)
    if (!user || !(await verifyPassword(user.passwordHash, form.data.currentPassword))) {
      return accountPage(request, reply, {}, [{ field: 'currentPassword', message: 'Your current password is not correct' }])
    }
    await setOwnPassword(pool, actor, form.data.newPassword, request.session?.idHash, false, clock())
    return reply.redirect('/account?done=password', 303)
  })

  // Someone who signed in with a temporary password (an admin's reset, an admin adding them,
  // `school create`) comes here before anything else; the rest of Doorstep redirects here.
  const choosePage = (reply: FastifyReply, next: unknown, errors: FieldError[] = []) => {
    if (errors.length) reply.status(400)
    return reply.page('account/views/choose-password.njk', { title: 'Choose a new password', next: safeNext(next), hideNavigation: true, ...errorView(errors) })
  }
  const chooseConfig = { access, temporaryPassword: 'allowed' as const }

  app.get<{ Querystring: { next?: string } }>(CHOOSE_PASSWORD_PATH, { config: chooseConfig }, async (request, reply) => {
    if (!request.principal?.mustChangePassword) return reply.redirect('/account')
    return choosePage(reply, request.query.next)
  })

  app.post(CHOOSE_PASSWORD_PATH, { config: chooseConfig }, async (request, reply) => {
    if (!request.principal?.mustChangePassword) return reply.redirect('/account', 303)
    const next = ((request.body ?? {}) as Record<string, unknown>).next
    const form = parseForm(choosePasswordForm, request.body)
    if (!form.ok) return choosePage(reply, next, form.errors)
    const actor = actorOf(request)
    const user = await findUserById(pool, actor.userId)
    if (!user) throw new NotFoundError()
    if (await verifyPassword(user.passwordHash, form.data.newPassword)) {
      return choosePage(reply, next, [{ field: 'newPassword', message: 'Your new password must be different from the temporary password' }])
    }
    await setOwnPassword(pool, actor, form.data.newPassword, request.session?.idHash, true, clock())
    return reply.redirect(safeNext(form.data.next), 303)
  })

  // ------------------------------------------------------------ PINs for ending a visit (R-ALERT-1)
  const pinAccess = { roles: visitUsers }

  app.post('/account/pins', { config: { access: pinAccess } }, async (request, reply) => {
    const form = parseForm(pinForm, request.body)
    if (!form.ok) return accountPage(request, reply, {}, form.errors)
    await setVisitPins(pool, actorOf(request), form.data, clock())
    return reply.redirect('/account?done=pins#pins', 303)
  })

  app.post('/account/pins/remove', { config: { access: pinAccess } }, async (request, reply) => {
    await removeVisitPins(pool, actorOf(request), clock())
    return reply.redirect('/account?done=pins-removed#pins', 303)
  })

  app.post('/account/tokens', { config: { access } }, async (request, reply) => {
    const form = parseForm(tokenForm, request.body)
    if (!form.ok) return accountPage(request, reply, {}, form.errors)
    const actor = actorOf(request)
    const now = clock()
    const created = await inTransaction(pool, async (client) => {
      const token = await createApiToken(client, actor.userId, form.data.tokenName, form.data.expiresInDays, now)
      await recordAudit(client, {
        schoolId: null,
        actor,
        action: 'api_token.created',
        subjectType: 'api_token',
        subjectId: token.id,
        summary: `${actor.name} created API token "${form.data.tokenName}", expiring after ${form.data.expiresInDays} days`,
        change: { name: form.data.tokenName, expiresAt: token.expiresAt.toISOString() },
      }, now)
      return token
    })
    return accountPage(request, reply, { newToken: created.token, newTokenName: form.data.tokenName, newTokenExpiresAt: created.expiresAt })
  })

  app.post<{ Params: { tokenId: string } }>('/account/tokens/:tokenId/revoke', { config: { access } }, async (request, reply) => {
    const actor = actorOf(request)
    await inTransaction(pool, async (client) => {
      const revoked = await revokeApiToken(client, actor.userId, request.params.tokenId, clock())
      if (!revoked) throw new NotFoundError('You have no active API token with that id.')
      await recordAudit(client, { schoolId: null, actor, action: 'api_token.revoked', subjectType: 'api_token', subjectId: revoked.id, summary: `${actor.name} revoked API token "${revoked.name}"` }, clock())
    })
    return reply.redirect('/account?done=revoked', 303)
  })

  // A browser the person no longer has (a lost phone): turned off from here, not only from that browser.
  app.post<{ Params: { subscriptionId: string } }>('/account/alerts/:subscriptionId/turn-off', { config: { access } }, async (request, reply) => {
    if (!(await turnOffAlerts(pool, actorOf(request), { id: request.params.subscriptionId }, clock()))) throw new NotFoundError('Alerts are not on in a browser of yours with that id.')
    return reply.redirect('/account?done=alerts-off#alerts', 303)
  })
}

const doneMessages: Record<string, string> = {
  password: 'Your password has been changed. Any other devices have been signed out, and your API tokens have been revoked.',
  revoked: 'The API token has been revoked. It no longer works.',
  'alerts-off': 'Alerts are off in that browser.',
  'test-alert': 'Test alert sent to every browser you have turned alerts on in. It should arrive within a minute.',
  pins: 'Your PINs are saved. Ending a visit now asks for your PIN.',
  'pins-removed': 'Your PINs are removed. Ending a visit no longer asks for a PIN.',
}

