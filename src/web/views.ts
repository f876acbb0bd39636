import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'
import { roleLabels, isSchoolRole } from '../domain/roles.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const srcDir = path.resolve(here, '..')
const govukDist = path.resolve(path.dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist')

const ukDateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})
const ukDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' })
const ukTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value
  if (typeof value === 'string' && value) {
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value)
    return Number.isNaN(date.getTime()) ? undefined : date
  }
  return undefined
}

/**
 * One Nunjucks environment for every page. Templates are found in src/views (layout and
 * shared partials), in src/features (each feature's views/), and in govuk-frontend's dist
 * folder, so `{% from "govuk/components/button/macro.njk" import govukButton %}` works.
 */
export function createViewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([path.join(srcDir, 'views'), path.join(srcDir, 'features'), govukDist], {
      noCache: false,
    }),
    { autoescape: true, throwOnUndefined: false },
  )
  env.addFilter('ukDateTime', (value: unknown) => {
    const date = toDate(value)
    return date ? ukDateTime.format(date) : ''
  })
  env.addFilter('ukDate', (value: unknown) => {
    const date = toDate(value)
    return date ? ukDate.format(date) : ''
  })
  env.addFilter('ukTime', (value: unknown) => {
    const date = toDate(value)
    return date ? ukTime.format(date) : ''
  })
  env.addFilter('roleLabel', (role: string) => (isSchoolRole(role) ? roleLabels[role] : role))
  return env
}
