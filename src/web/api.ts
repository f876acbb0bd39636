import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
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
  params?: P
  query?: Q
  body?: B
  response: R
  status?: number
  handler: (input: { request: FastifyRequest; params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> }) => Promise<z.input<R>>
}

type Described = { method: Method; url: string; summary: string; tag: string; access: Access; params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; response: z.ZodType; status: number }

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
    config: { access: route.access },
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
        default: { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
      security: route.access === 'public' ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Doorstep API',
      version: '1',
      description:
        'Home visits for schools. Authenticate with a personal API token (create one on your account page; it expires after the days you choose, at most 365, and is revoked when your password changes) sent as "Authorization: Bearer <token>", or with the browser session cookie plus an x-csrf-token header for changes. Errors are RFC 9457 problem details.',
    },
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'doorstep_session' },
      },
    },
  }
}
