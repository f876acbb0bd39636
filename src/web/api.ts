import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { apiScopes, scopeLabels, scopeRoles, type ApiScope } from '../domain/scopes.ts'
import type { Access } from './auth-plugin.ts'
import { ValidationError } from './errors.ts'

/**
 * JSON API routes are declared once with zod schemas. The same schemas validate each request
 * and describe the route in the OpenAPI document at /api/openapi.json, so the description
 * cannot drift from what the API accepts.
 */
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export type ApiRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = {
  method: Method
  url: string
  summary: string
  tag: string
  access: Access
  /** The scope an API client needs (src/domain/scopes.ts); left out: people only (personal token or session). */
  scope?: ApiScope
  /** When the visit's (or record's) state can refuse it: what a 409 means here. */
  conflict?: string
  params?: P
  query?: Q
  body?: B
  response: R
  status?: number
  handler: (input: { request: FastifyRequest; params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> }) => Promise<z.input<R>>
}

type Described = { method: Method; url: string; summary: string; tag: string; access: Access; scope?: ApiScope; conflict?: string; params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; response: z.ZodType; status: number }

const described: Described[] = []

export function defineApi<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  app: FastifyInstance,
  route: ApiRoute<P, Q, B, R>,
): void {
  const status = route.status ?? 200
  if (!described.some((d) => d.method === route.method && d.url === route.url)) described.push({ ...route, status })
  app.route({
    method: route.method,
    url: route.url,
    config: { access: route.access, ...(route.scope ? { scope: route.scope } : {}) },
    handler: async (request, reply) => {
      const params = check(route.params, request.params, '')
      const query = check(route.query, request.query, '')
      const body = check(route.body, request.body ?? {}, '')
      const result = await route.handler({ request, params, query, body } as never)
      return reply.status(status).send(route.response.parse(result))
    },
  })
}

function check(schema: z.ZodType | undefined, value: unknown, prefix: string): unknown {
  if (!schema) return value
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new ValidationError(
    result.error.issues.map((issue) => ({ field: `${prefix}${issue.path.map(String).join('.')}` || 'body', message: issue.message })),
  )
}

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
  },
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return []
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }))
}

/**
 * The one rule for status codes (docs/decisions/0025-api-clients.md), each documented on the operations it applies to:
 * 400 the input is wrong, 401 no valid token or session, 403 your role (or your token's scope) does not allow it,
 * 404 no such record, or not one of your school's, 409 the visit's state does not allow it now.
 */
export const statusRule = {
  400: 'Bad input: the parameters or body break a rule. Nothing was saved; "errors" points at each field.',
  401: 'Not signed in: no token, or a token that is unknown, expired or revoked.',
  403: 'Not allowed for your role in this school, or your access token lacks the scope (API clients), or you still have a temporary password.',
  404: 'Not found, or not yours: no such record in a school you belong to.',
  409: 'The state of the record (a visit already sent, approved, cancelled …) does not allow this now.',
} as const

export function documentedStatuses(route: Pick<Described, 'access' | 'url' | 'params' | 'query' | 'body' | 'conflict'>): Array<keyof typeof statusRule> {
  const statuses: Array<keyof typeof statusRule> = []
  if (route.params || route.query || route.body) statuses.push(400)
  if (route.access !== 'public') statuses.push(401, 403)
  if (/:\w+/.test(route.url)) statuses.push(404)
  if (route.conflict) statuses.push(409)
  return statuses
}

function problemResponses(route: Described) {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
  return Object.fromEntries(
    documentedStatuses(route).map((status) => [String(status), { description: status === 409 && route.conflict ? `${statusRule[409]} ${route.conflict}` : statusRule[status], content: problem }]),
  )
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of described) {
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses: {
        [route.status]: { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } },
        ...problemResponses(route),
        default: { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
      security:
        route.access === 'public'
          ? []
          : [{ bearerToken: [] }, ...(route.scope ? [{ clientCredentials: [route.scope] }] : []), { sessionCookie: [] }],
      ...(route.scope ? { 'x-client-role': scopeRoles[route.scope] } : {}),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Doorstep API',
      version: '1',
      description:
        'Home visits for schools.\n\n' +
        'People authenticate with a personal API token (create one on your account page; it expires after the days you choose, at most 365, and is revoked when your password changes) sent as "Authorization: Bearer <token>", or with the browser session cookie plus an x-csrf-token header for changes; they act with their own roles.\n\n' +
        'Integrations authenticate as an API client (OAuth 2.0 client credentials, RFC 6749 section 4.4): a school admin registers the client for one school with scopes (Staff → API clients) and is shown its secret once; the client sends its id and secret to POST /oauth/token (application/x-www-form-urlencoded, grant_type=client_credentials, HTTP Basic or client_id/client_secret in the body, optional scope) and gets an access token for 15 minutes, sent as "Authorization: Bearer <token>". A client may call only the operations whose security lists its scope, only in its school, and each call counts as the role named by the operation\'s x-client-role (the office, or school admin for staff:read): never more than that role may do. Code words, briefings and restricted notes are never given to clients.\n\n' +
        'Status codes follow one rule, on every operation: ' +
        Object.entries(statusRule).map(([status, text]) => `${status} ${text}`).join(' ') +
        ' Errors are RFC 9457 problem details. Warnings about a plan carry a stable code and a message: {"code": "pairs_advised", "message": "…"}.',
    },
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'A personal API token (dst_…) from your account page: you, with your roles.' },
        clientCredentials: {
          type: 'oauth2',
          description: 'An API client registered by a school admin: an access token (dsa_…) from POST /oauth/token, for one school and the scopes given.',
          flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: Object.fromEntries(apiScopes.map((scope) => [scope, scopeLabels[scope]])) } },
        },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'doorstep_session' },
      },
    },
  }
}
