import type { Policy } from './schema.ts'
import { hartonAcademy2024 } from './presets/harton-academy-2024.ts'
import { kingsAcademyGomer2024 } from './presets/kings-academy-gomer-2024.ts'
import { morecambeRoad2024 } from './presets/morecambe-road-2024.ts'
import { westside2025 } from './presets/westside-2025.ts'
import { wnaProtocol2017 } from './presets/wna-protocol-2017.ts'

/** A school policy shipped with Doorstep, reproducing one of the five seed policies with its sources. */
export type PolicyPreset = { id: PresetId; name: string; summary: string; policy: Policy }

export const presetIds = [
  'harton-academy-2024',
  'kings-academy-gomer-2024',
  'morecambe-road-2024',
  'westside-2025',
  'wna-protocol-2017',
] as const
export type PresetId = (typeof presetIds)[number]

const presets: Record<PresetId, Omit<PolicyPreset, 'id'>> = {
  'harton-academy-2024': {
    name: 'Harton Academy — Home Visits Policy (February 2024)',
    summary:
      'Two staff on every visit, no lone visits. Visitors contact the office every 30 minutes and at the end, with an agreed code word. If they do not, the office phones them and then the DSL considers the police.',
    policy: hartonAcademy2024,
  },
  'kings-academy-gomer-2024': {
    name: "King's Academy Gomer — Home Visit Policy (November 2024)",
    summary:
      'Visits approved by the associate headteacher or DSL after a dynamic risk assessment. Pairs wherever possible, with at least one safeguarding-trained visitor. Visitors report arrival and departure to the office.',
    policy: kingsAcademyGomer2024,
  },
  'morecambe-road-2024': {
    name: 'Morecambe Road School — Home Visits Policy (March 2024)',
    summary:
      'Attendance-focused visits after a Central Leadership Team assessment discussion. Two staff advised, not required. Check in before and after; wait 20 minutes for absent parents, 30 for late ones.',
    policy: morecambeRoad2024,
  },
  'westside-2025': {
    name: 'Westside School — Home Visit Policy (September 2025)',
    summary:
      "The headteacher approves every visit; a lone visit only by the headteacher's decision with a lone-working risk assessment. The office calls 10 minutes after the scheduled start, then visitors check in every 2 hours. LA notified below 70% attendance over three months.",
    policy: westside2025,
  },
  'wna-protocol-2017': {
    name: 'WNA — Home Visits Protocol (September 2017)',
    summary:
      'Always in pairs. Appointments made in advance with a choice of times, and families may decline a visit. Visitors tell the headteacher when they leave school and text when they return.',
    policy: wnaProtocol2017,
  },
}

export function isPresetId(id: string): id is PresetId {
  return (presetIds as readonly string[]).includes(id)
}

/** A fresh copy of a preset (safe to edit), or undefined for an unknown id. */
export function getPreset(id: string): PolicyPreset | undefined {
  if (!isPresetId(id)) return undefined
  return structuredClone({ id, ...presets[id] })
}

/** All five presets, fresh copies, in `presetIds` order. */
export function listPresets(): PolicyPreset[] {
  return presetIds.map((id) => structuredClone({ id, ...presets[id] }))
}

/** The message for a preset id that does not exist, listing the ones that do. */
export function unknownPresetMessage(id: string): string {
  return `There is no policy preset "${id}". The presets are: ${presetIds.join(', ')}.`
}
