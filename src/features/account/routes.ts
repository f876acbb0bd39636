import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction } from '../../db/pool.ts'
import { actorOf } from '../../web/auth-plugin.ts'
import { NotFoundError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { doneFlash } from '../../web/flash.ts'
import { MIN_PASSWORD_LENGTH, hashPassword, verifyPassword } from '../auth/passwords.ts'
import { findUserById } from '../staff/repository.ts'
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.ts'

const passwordForm = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password' }).min(1, 'Enter your current password'),
    newPassword: z
      .string({ error: 'Enter a new password' })
      .min(MIN_PASSWORD_LENGTH, `Your new password must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(200, 'Your new password must be 200 characters or fewer'),
    confirmPassword: z.string({ error: 'Confirm your new password' }).min(1, 'Confirm your new password'),
  })
  .refine((form) => form.newPassword === form.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The passwords do not match',
  })

const tokenForm = z.object({
  tokenName: z.string({ error: 'Enter a name for the token, like "MIS sync"' }).trim().min(1, 'Enter a name for the token, like "MIS sync"').max(100, 'Token name must be 100 characters or fewer'),
})

export function registerAccountRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = 'signed-in' as const

  async function accountPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, errors: FieldError[] = []) {
    const tokens = await listApiTokens(pool, actorOf(request).userId)
    if (errors.length) reply.status(400)
    return reply.page('account/views/account.njk', { title: 'Your account', tokens, ...errorView(errors), ...extra })
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
    const hash = await hashPassword(form.data.newPassword)
    await inTransaction(pool, async (client) => {
      await client.query('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [actor.userId, hash, clock()])
      // Other devices signed in with the old password are signed out.
      await client.query('DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2', [actor.userId, request.session?.idHash ?? ''])
      await recordAudit(client, { schoolId: null, actor, action: 'account.password_changed', subjectType: 'user', subjectId: actor.userId, summary: `${actor.name} changed their password` }, clock())
    })
    return reply.redirect('/account?done=password', 303)
  })

  app.post('/account/tokens', { config: { access } }, async (request, reply) => {
    const form = parseForm(tokenForm, request.body)
    if (!form.ok) return accountPage(request, reply, {}, form.errors)
    const actor = actorOf(request)
    const created = await inTransaction(pool, async (client) => {
      const token = await createApiToken(client, actor.userId, form.data.tokenName)
      await recordAudit(client, { schoolId: null, actor, action: 'api_token.created', subjectType: 'api_token', subjectId: token.id, summary: `${actor.name} created API token "${form.data.tokenName}"` }, clock())
      return token
    })
    return accountPage(request, reply, { newToken: created.token, newTokenName: form.data.tokenName })
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
}

const doneMessages: Record<string, string> = {
  password: 'Your password has been changed. Any other devices have been signed out.',
  revoked: 'The API token has been revoked. It no longer works.',
}

