import { auditVerify } from './cli/audit-verify.ts'
import { CommandError, UsageError, type Command, type CommandContext } from './cli/command.ts'
import { policyPresets, policyRender } from './cli/policy.ts'
import { schoolCreate } from './cli/school-create.ts'
import { systemClock } from './clock.ts'
import { ConfigError, loadConfig } from './config.ts'
import { openDatabase, type Database } from './db/database.ts'

/**
 * `npm run doorstep -- <command>`: Doorstep's command-line tools. A command is one entry in
 * this table (see src/cli/command.ts). It uses the database at DATABASE_URL, else the
 * embedded server of a Doorstep running on the same data directory, else starts that server
 * itself for the length of the command.
 *
 * Exit status: 0 done, 1 it could not be done (or `audit verify` found a break), 2 used wrongly.
 */
const commands: Command[] = [
  schoolCreate,
  auditVerify,
  policyPresets,
  policyRender,
]

const out = (text: string) => process.stdout.write(`${text}\n`)
const err = (text: string) => process.stderr.write(`${text}\n`)

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 'help [command]'.length)
  return [
    'Doorstep command-line tools',
    '',
    'Usage: npm run doorstep -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help [command]'.padEnd(width)}  Show this help, or the options of one command`,
    '',
    'The database is the one at DATABASE_URL if set; otherwise the embedded PostgreSQL server in',
    'DOORSTEP_DATA_DIR (default ./data), shared with a Doorstep that is running or started for the command.',
  ].join('\n')
}

function commandUsage(command: Command): string {
  return [`Usage: npm run doorstep -- ${command.name}${command.usage ? ` ${command.usage}` : ''}`, ...(command.options ?? []).map((o) => `  ${o}`)].join('\n')
}

/** The command named by the first words of `argv`, and the arguments after its name. */
function find(argv: string[]): { command: Command; args: string[] } | undefined {
  for (const command of commands) {
    const words = command.name.split(' ')
    if (words.every((word, i) => argv[i] === word)) return { command, args: argv.slice(words.length) }
  }
  return undefined
}

async function open(): Promise<Database> {
  const config = loadConfig()
  try {
    return await openDatabase(config, (message) => err(`[doorstep] ${message}`), { shareRunning: true })
  } catch (error) {
    const where = config.databaseUrl ? 'the PostgreSQL server at DATABASE_URL' : `the embedded PostgreSQL server in ${config.dataDir}`
    throw new CommandError(`Could not open ${where}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0]!)) {
    if (argv.length <= 1) {
      out(usage())
      return 0
    }
    const topic = find(argv.slice(1))
    if (!topic) {
      err(`Unknown command: ${argv.slice(1).join(' ')}\n\n${usage()}`)
      return 2
    }
    out(`${topic.command.summary}.\n\n${commandUsage(topic.command)}`)
    return 0
  }
  const found = find(argv)
  if (!found) {
    err(`Unknown command: ${argv.join(' ')}\n`)
    err(usage())
    return 2
  }
  const { command, args } = found

  let database: Promise<Database> | undefined
  const context: CommandContext = {
    args,
    out,
    err,
    stdin: process.stdin,
    clock: systemClock,
    database: () => (database ??= open()),
  }
  try {
    return await command.run(context)
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\nUsage: npm run doorstep -- ${command.name}${command.usage ? ` ${command.usage}` : ''}`)
      if (command.options?.length) err(`Run \`npm run doorstep -- help ${command.name}\` for what each option means.`)
      return 2
    }
    if (error instanceof CommandError || error instanceof ConfigError) err(error.message)
    else err(`${command.name} failed: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  } finally {
    await database?.then((db) => db.close()).catch(() => {})
  }
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    err(`Doorstep failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)
