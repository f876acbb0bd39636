import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isApi } from './auth-plugin.ts'
import { HttpError, NotFoundError, ValidationError } from './errors.ts'

/**
 * The one error handler. Known errors become a GOV.UK error page (HTML) or problem details
 * (RFC 9457, under /api) with their status; anything else is a 500 whose details are logged
 * with the request id and never shown.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => sendError(request, reply, new NotFoundError()))

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof HttpError) return sendError(request, reply, error)
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return sendError(request, reply, new HttpError(status, clientErrorTitle(status), clientErrorMessage(error, status)))
    }
    request.log.error({ err: error, reqId: request.id }, 'unhandled error')
    return sendError(
      request,
      reply,
      new HttpError(500, 'Sorry, there is a problem with Doorstep', 'Something went wrong on our side.'),
    )
  })
}

function clientErrorTitle(status: number): string {
  if (status === 413) return 'What you sent is too large'
  if (status === 415) return 'Unsupported content type'
  if (status === 429) return 'Too many requests'
  return 'There is a problem with the request'
}

function clientErrorMessage(error: FastifyError, status: number): string {
  if (status === 413) return 'What you sent is larger than Doorstep accepts. Nothing was saved.'
  if (status === 415) return 'Send forms as application/x-www-form-urlencoded and API requests as application/json.'
  if (status === 429) return error.message
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return 'The request body is not valid JSON.'
  return 'The request could not be understood. Nothing was saved.'
}

export async function sendError(request: FastifyRequest, reply: FastifyReply, error: HttpError) {
  if (error.status === 401 && !isApi(request) && request.method === 'GET') {
    return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`)
  }
  reply.status(error.status)
  if (isApi(request) || !request.headers.accept?.includes('text/html') && request.headers['content-type']?.includes('json')) {
    const problem: Record<string, unknown> = {
      type: `https://doorstep.example/problems/${error.status}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      instance: request.url,
    }
    if (error instanceof ValidationError) problem.errors = error.fieldErrors.map((e) => ({ pointer: `/${e.field.replaceAll('.', '/')}`, detail: e.message }))
    if (error.status >= 500) problem.requestId = request.id
    return reply.type('application/problem+json').send(problem)
  }
  return reply.page('error.njk', { title: error.title, message: error.message, status: error.status, requestId: request.id })
}
