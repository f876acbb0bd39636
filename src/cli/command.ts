import { parseArgs } from 'node:util'
import type { Database } from '../db/database.ts'

/**
 * The shape of a command-line command. src/cli.ts keeps the table of commands; a command
 * reads its options with `parseOptions`, prints with `out`, and opens the database only if it
 * needs it (`database()`, closed by the CLI when the command ends).
 */
export type Command = {
  /** The words that name it: 'school create', 'audit verify', 'policy render'. */
  name: string
  summary: string
  /** What follows the name in the usage line, then one line per option. */
  usage: string
  options?: string[]
  run(context: CommandContext): Promise<number>
}

export type CommandContext = {
  /** The arguments after the command's name. */
  args: string[]
  out(text: string): void
  err(text: string): void
  stdin: NodeJS.ReadStream
  /** The database, opened on first use: DATABASE_URL, a running Doorstep's server, or one started for this command. */
  database(): Promise<Database>
  clock(): Date
}

/** The command was used wrongly (unknown or missing options, a bad value): exit status 2, with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The command ran and could not do what was asked: exit status 1, with this message. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CommandError'
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; required?: boolean }>
type Parsed<S extends OptionSpec> = { [K in keyof S]: S[K]['required'] extends true ? (S[K]['type'] extends 'string' ? string : boolean) : (S[K]['type'] extends 'string' ? string | undefined : boolean | undefined) }

/**
 * Reads `--name value` / `--name=value` options. An unknown option is a UsageError; stray words
 * and every missing required option are reported together in one.
 */
export function parseOptions<S extends OptionSpec>(args: string[], spec: S, positionals = 0): { options: Parsed<S>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(spec).map(([name, { type }]) => [name, { type }])),
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? 'an option'
      throw new UsageError(`Unknown option ${option}.`)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /'(--[^' ]+)/.exec((error as Error).message)?.[1] ?? 'An option'
      throw new UsageError(`${option} needs a value.`)
    }
    throw new UsageError((error as Error).message)
  }
  const problems: string[] = []
  if (parsed.positionals.length > positionals) problems.push(`Unexpected argument ${JSON.stringify(parsed.positionals[positionals])}.`)
  const missing = Object.entries(spec)
    .filter(([name, { required }]) => required && (parsed.values[name] === undefined || parsed.values[name] === ''))
    .map(([name]) => `--${name}`)
  if (missing.length) problems.push(`Missing option${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`)
  if (problems.length) throw new UsageError(problems.join(' '))
  return { options: parsed.values as Parsed<S>, positionals: parsed.positionals }
}
