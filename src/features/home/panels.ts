import type { FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { Pool } from '../../db/pool.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import type { SchoolAccess } from '../staff/repository.ts'

/**
 * The home page is built from panels (issue 10 §4): each shows one kind of work to the people whose roles
 * it names, and says nothing when it has nothing to show (load returns null). A feature adds its own
 * with `addHomePanel` when it registers its routes; the page shows them in the order added.
 */
export type HomeContext = {
  pool: Pool
  clock: Clock
  request: FastifyRequest
  school: SchoolAccess
  userId: string
  name: string
}

export type HomePanel = {
  id: string
  roles: readonly SchoolRole[] | 'all'
  /** A view that renders `panel` (the loaded data), e.g. 'home/views/panels/approvals.njk'. Its headings are <h2>. */
  template: string
  load: (context: HomeContext) => Promise<Record<string, unknown> | null>
}

const panels: HomePanel[] = []

export function addHomePanel(panel: HomePanel, before?: string): void {
  if (panels.some((p) => p.id === panel.id)) return
  const index = panels.findIndex((p) => p.id === before)
  panels.splice(index === -1 ? panels.length : index, 0, panel)
}

/** The panels this person sees, loaded one after another (one pool, a few small queries each). */
export async function panelsFor(context: HomeContext): Promise<Array<{ id: string; template: string; panel: Record<string, unknown> }>> {
  const shown = []
  for (const panel of panels) {
    if (panel.roles !== 'all' && !holdsAnyRole(context.school.roles, panel.roles)) continue
    const data = await panel.load(context)
    if (data) shown.push({ id: panel.id, template: panel.template, panel: data })
  }
  return shown
}
