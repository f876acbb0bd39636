import readline from 'node:readline'
import { MIN_PASSWORD_LENGTH } from '../features/auth/passwords.ts'
import { CommandError } from './command.ts'

/**
 * A new password for the command line, never from its arguments (they end up in shell history
 * and in every other user's `ps`). At a terminal it is typed twice with nothing echoed; when
 * standard input is a pipe or a file, its first line is the password.
 */
export async function readNewPassword(stdin: NodeJS.ReadStream, prompt: NodeJS.WritableStream, who: string): Promise<string> {
  let password: string
  if (stdin.isTTY) {
    password = await askHidden(stdin, prompt, `Password for ${who} (at least ${MIN_PASSWORD_LENGTH} characters): `)
    checkLength(password)
    const again = await askHidden(stdin, prompt, 'Type it again: ')
    if (again !== password) throw new CommandError('The two passwords do not match. Nothing was changed.')
  } else {
    const line = await firstLine(stdin)
    if (line === undefined) {
      throw new CommandError(
        `No password was given for ${who}: type it when asked, or send it on standard input, e.g. \`... < password.txt\`. Nothing was changed.`,
      )
    }
    password = line
    checkLength(password)
  }
  return password
}

function checkLength(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new CommandError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters. Nothing was changed.`)
  }
  if (password.length > 1000) throw new CommandError('The password must be 1000 characters or fewer. Nothing was changed.')
}

/** The first line of a piped standard input (without its line ending); undefined when it is empty. */
function firstLine(stdin: NodeJS.ReadStream): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: stdin, crlfDelay: Infinity, terminal: false })
    let answered = false
    lines.once('line', (line) => {
      answered = true
      lines.close()
      stdin.pause()
      resolve(line)
    })
    lines.once('close', () => {
      if (!answered) resolve(undefined)
    })
    stdin.once('error', reject)
  })
}

/** Reads one line at a terminal without echoing it. Ctrl-C or Ctrl-D cancels. */
function askHidden(stdin: NodeJS.ReadStream, prompt: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    prompt.write(question)
    let value: string[] = []
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      prompt.write('\n')
    }
    const onData = (chunk: Buffer | string) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') {
          finish()
          resolve(value.join(''))
          return
        }
        if (character === '\u0003' || character === '\u0004') {
          finish()
          reject(new CommandError('Cancelled. Nothing was changed.'))
          return
        }
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1)
        else if (character === '\u0015') value = [] // Ctrl-U clears the line
        else if (character >= ' ') value.push(character)
      }
    }
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onData)
  })
}
