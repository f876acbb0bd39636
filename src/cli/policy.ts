import { policyDocument, renderPolicyText } from '../policy/document.ts'
import { getPreset, listPresets, unknownPresetMessage } from '../policy/presets.ts'
import { UsageError, parseOptions, type Command } from './command.ts'

/**
 * `policy presets` and `policy render <preset>` (R-GOV-1): the shipped presets, and one of them as the
 * document staff read. Neither opens the database.
 */
export const policyPresets: Command = {
  name: 'policy presets',
  summary: 'List the policy presets a school can start from',
  usage: '',
  async run({ args, out }) {
    parseOptions(args, {})
    for (const preset of listPresets()) {
      out(`${preset.id}\n  ${preset.name}\n  ${preset.summary}\n`)
    }
    return 0
  },
}

export const policyRender: Command = {
  name: 'policy render',
  summary: 'Print a policy preset as the policy document staff read',
  usage: '<preset> [--school "<name>"]',
  options: [
    '<preset>    one of the presets listed by `policy presets`',
    '--school    the school named in the document (default: the school whose policy the preset reproduces)',
  ],
  async run({ args, out }) {
    const { options, positionals } = parseOptions(args, { school: { type: 'string' } }, 1)
    const id = positionals[0]
    if (!id) throw new UsageError(`Name the preset to render. The presets are: ${listPresets().map((p) => p.id).join(', ')}.`)
    const preset = getPreset(id)
    if (!preset) throw new UsageError(unknownPresetMessage(id))
    const schoolName = options.school?.trim() || (preset.name.split(' — ')[0] ?? preset.name)
    out(renderPolicyText(policyDocument(preset.policy, { schoolName })).trimEnd())
    return 0
  },
}
