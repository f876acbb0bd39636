import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { SMTPServer, type SMTPServerSession } from 'smtp-server'
import { smtpMailer, type Mailer } from '../src/features/live/deliver.ts'

/**
 * A real SMTP server in the test process (the `smtp-server` package) on 127.0.0.1 and a free port:
 * Doorstep's mailer talks SMTP to it over TCP exactly as it would to a school's mail server. It keeps
 * every message it accepts, and can misbehave the ways mail servers do:
 *   - `refuseRecipients: n` answers the first n RCPT TO of each address with 451 (try again later);
 *   - `stall: true` takes the message and never answers DATA (a hung server), until `release()`;
 *   - `maxClients: n` turns away connections beyond n at once (421), a rate limit.
 */
export type ReceivedMail = { from: string; to: string[]; raw: string; subject: string; text: string; headers: Record<string, string> }

export type SmtpSink = {
  url: string
  messages: ReceivedMail[]
  /** Messages sent but not answered (stall: true). */
  stalled(): number
  /** RCPT TO refused so far. */
  refused(): number
  /** Answer every stalled DATA (with 250) and stop stalling. */
  release(): void
  /** Waits until `count` messages arrived (or `timeoutMs` passed) and returns them all. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>
  /** A mailer for Doorstep on this server, with short timeouts. */
  mailer(from?: string): Mailer
  close(): Promise<void>
}

export async function startSmtpSink(t: TestContext, behaviour: { refuseRecipients?: number; stall?: boolean; maxClients?: number } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = []
  let refused = 0
  const refusedPerAddress = new Map<string, number>()
  let stall = behaviour.stall ?? false
  const stalled = new Set<() => void>()
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    maxClients: behaviour.maxClients,
    closeTimeout: 100,
    onRcptTo(address, _session, callback) {
      const before = refusedPerAddress.get(address.address) ?? 0
      if (before < (behaviour.refuseRecipients ?? 0)) {
        refused++
        refusedPerAddress.set(address.address, before + 1)
        const error = new Error('4.3.2 Mailbox busy, try again later') as Error & { responseCode: number }
        error.responseCode = 451
        return callback(error)
      }
      callback()
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const accept = () => {
          messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session))
          callback()
        }
        if (!stall) return accept()
        const answer = () => {
          stalled.delete(answer)
          accept()
        }
        stalled.add(answer)
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  const url = `smtp://127.0.0.1:${port}`
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    stalled.clear()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.after(close)
  return {
    url,
    messages,
    stalled: () => stalled.size,
    refused: () => refused,
    release() {
      stall = false
      for (const answer of [...stalled]) answer()
    },
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (messages.length < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
      return messages
    },
    mailer: (from = 'doorstep@school.example') => smtpMailer(url, from, { ignoreTLS: true, connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 60_000 }),
    close,
  }
}

/** Headers (unfolded, lower-case names, RFC 2047 words decoded) and the text body (quoted-printable decoded). */
function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const split = raw.search(/\r?\n\r?\n/)
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ')
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '')
  const headers: Record<string, string> = {}
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim())
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  const text =
    encoding === 'quoted-printable'
      ? Buffer.from(
          body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8')
      : encoding === 'base64'
        ? Buffer.from(body, 'base64').toString('utf8')
        : body
  return {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((r) => r.address),
    raw,
    subject: headers.subject ?? '',
    text: text.replace(/\r\n/g, '\n'),
    headers,
  }
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_m, kind: string, data: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_n, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  )
}
