import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Pool } from '../src/db/pool.ts'
import { vapidKeys, webPushSender, type PushSender } from '../src/features/live/deliver.ts'

/**
 * A Web Push service in the test process, and the browsers subscribed to it: what Doorstep's Web Push
 * (web-push, VAPID) talks to instead of a browser vendor's push service. It is strict the way real
 * ones are, and decrypts each message the way the browser would:
 *
 *   - HTTPS on 127.0.0.1 (web-push speaks only HTTPS) with the certificate in test/fixtures, which
 *     `agent` trusts; each browser's endpoint is <origin>/push/<id>;
 *   - checks the VAPID header (RFC 8292), `Authorization: vapid t=<JWT>, k=<key>`: k must be the
 *     application server key the browser subscribed with, the JWT an ES256 signature by that key
 *     over claims whose `aud` is this service's origin, `exp` within 24 hours, `sub` mailto: or https:
 *     (otherwise 401/403);
 *   - needs `TTL`, and `Content-Encoding: aes128gcm`;
 *   - decrypts the body (RFC 8188 content coding, RFC 8291 keys) with the browser's P-256 private
 *     key and auth secret: the ECDH secret with the sender's key (the record's keyid), IKM = HKDF
 *     (auth secret, "WebPush: info\0" || ua_public || as_public), then CEK and nonce from HKDF(salt,
 *     IKM) with "Content-Encoding: aes128gcm\0" / "Content-Encoding: nonce\0", AES-128-GCM per
 *     record, the padding delimiter stripped;
 *   - can answer a browser's next messages with an error (`failNext(id, 500, …)`: nothing is
 *     delivered) or 410 Gone for good once the browser `unsubscribe`s.
 */

export type PushMessage = {
  browserId: string
  /** The decrypted payload, parsed as JSON (null if it was not JSON). */
  payload: Record<string, unknown> | null
  text: string
  ttl: number
  urgency: string | null
  claims: { aud: string; exp: number; sub: string }
}

export type PushBrowser = {
  id: string
  /** What the browser's PushSubscription.toJSON() gives the page, to POST to Doorstep. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }
  received(): PushMessage[]
}

export type PushService = {
  origin: string
  /** An HTTPS agent that trusts this service's certificate, for Doorstep's web-push sender. */
  agent: https.Agent
  /** A new browser, subscribed with `applicationServerKey` (Doorstep's VAPID public key, base64url). */
  browser(applicationServerKey: string): PushBrowser
  /** The browser's next messages are answered with these statuses, one each, and not delivered. */
  failNext(browserId: string, ...statuses: number[]): void
  /** The browser turned alerts off: every message from now on is answered 410 Gone. */
  unsubscribe(browserId: string): void
  /** Every message delivered, in order. */
  messages: PushMessage[]
  /** Every message answered with an error: status, and why. */
  refusals: Array<{ browserId: string; status: number; reason: string }>
  waitFor(count: number, timeoutMs?: number): Promise<PushMessage[]>
  close(): Promise<void>
}

const fixtures = path.join(import.meta.dirname, 'fixtures')
const certificate = fs.readFileSync(path.join(fixtures, 'push-service.crt'))
const privateKey = fs.readFileSync(path.join(fixtures, 'push-service.key'))

type Browser = { id: string; ecdh: ECDH; publicKey: Buffer; auth: Buffer; serverKey: string; failures: number[]; gone: boolean; received: PushMessage[] }

export async function startPushService(t: TestContext): Promise<PushService> {
  const browsers = new Map<string, Browser>()
  const messages: PushMessage[] = []
  const refusals: PushService['refusals'] = []
  let origin = ''

  const server = https.createServer({ key: privateKey, cert: certificate }, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const answer = (status: number, reason: string, browserId = '') => {
        if (status >= 300) refusals.push({ browserId, status, reason })
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? reason : '')
      }
      const match = /^\/push\/([0-9a-f-]{36})$/.exec(request.url ?? '')
      const browser = match && browsers.get(match[1]!)
      if (request.method !== 'POST' || !browser) return answer(404, 'No such subscription')
      if (browser.gone) return answer(410, 'The subscription has expired or the user unsubscribed', browser.id)

      const vapid = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(String(request.headers.authorization ?? ''))
      if (!vapid) return answer(401, 'Missing VAPID authorisation', browser.id)
      const [, jwt, key] = vapid as unknown as [string, string, string]
      if (key !== browser.serverKey) return answer(403, 'VAPID key is not the application server key of the subscription', browser.id)
      const claims = verifiedClaims(jwt, key)
      if (typeof claims === 'string') return answer(403, claims, browser.id)
      if (claims.aud !== origin) return answer(403, `JWT aud is ${claims.aud}, not ${origin}`, browser.id)
      const now = Date.now() / 1000
      if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return answer(403, 'JWT exp is not within the next 24 hours', browser.id)
      if (!/^(mailto:|https:)/.test(claims.sub)) return answer(403, 'JWT sub must be a mailto: or https: address', browser.id)
      const ttl = Number(request.headers.ttl)
      if (request.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0) return answer(400, 'TTL header is required', browser.id)
      if (request.headers['content-encoding'] !== 'aes128gcm') return answer(415, 'Content-Encoding must be aes128gcm', browser.id)

      const failure = browser.failures.shift()
      if (failure) return answer(failure, `Told to answer ${failure}`, browser.id)

      let text: string
      try {
        text = decrypt(Buffer.concat(chunks), browser).toString('utf8')
      } catch (error) {
        return answer(400, `The browser could not decrypt the message: ${(error as Error).message}`, browser.id)
      }
      let payload: Record<string, unknown> | null
      try {
        payload = JSON.parse(text) as Record<string, unknown>
      } catch {
        payload = null
      }
      const message: PushMessage = { browserId: browser.id, payload, text, ttl, urgency: (request.headers.urgency as string | undefined) ?? null, claims }
      browser.received.push(message)
      messages.push(message)
      answer(201, 'Created', browser.id)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const agent = new https.Agent({ ca: certificate, keepAlive: false })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    agent.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.after(close)

  return {
    origin,
    agent,
    browser(applicationServerKey) {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      const browser: Browser = {
        id: randomUUID(),
        ecdh,
        publicKey: ecdh.getPublicKey(),
        auth: randomBytes(16),
        serverKey: applicationServerKey,
        failures: [],
        gone: false,
        received: [],
      }
      browsers.set(browser.id, browser)
      return {
        id: browser.id,
        subscription: { endpoint: `${origin}/push/${browser.id}`, expirationTime: null, keys: { p256dh: browser.publicKey.toString('base64url'), auth: browser.auth.toString('base64url') } },
        received: () => browser.received,
      }
    },
    failNext(browserId, ...statuses) {
      browsers.get(browserId)!.failures.push(...statuses)
    },
    unsubscribe(browserId) {
      browsers.get(browserId)!.gone = true
    },
    messages,
    refusals,
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (messages.length < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
      return messages
    },
    close,
  }
}

/** The JWT's claims if it is an ES256 JWT signed by the P-256 public key `key` (base64url, uncompressed point); else why not. */
function verifiedClaims(jwt: string, key: string): { aud: string; exp: number; sub: string } | string {
  const parts = jwt.split('.')
  if (parts.length !== 3) return 'The JWT does not have three parts'
  const [header, body, signature] = parts as [string, string, string]
  let parsed: { header: { alg?: string; typ?: string }; claims: { aud: string; exp: number; sub: string } }
  try {
    parsed = { header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), claims: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) }
  } catch {
    return 'The JWT is not base64url JSON'
  }
  if (parsed.header.alg !== 'ES256') return `JWT alg is ${parsed.header.alg}, not ES256`
  const point = Buffer.from(key, 'base64url')
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 public key'
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' })
  const good = verify('sha256', Buffer.from(`${header}.${body}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))
  return good ? parsed.claims : 'The JWT signature does not verify with k'
}

/** RFC 8188 aes128gcm with RFC 8291's keys, as the browser decrypts a push message. */
function decrypt(body: Buffer, browser: Browser): Buffer {
  if (body.length < 21) throw new Error('too short for an aes128gcm header')
  const salt = body.subarray(0, 16)
  const recordSize = body.readUInt32BE(16)
  const idLength = body[20]!
  const senderPublicKey = body.subarray(21, 21 + idLength)
  if (senderPublicKey.length !== 65) throw new Error('the keyid is not the sender’s P-256 public key')
  const content = body.subarray(21 + idLength)
  if (recordSize < 18) throw new Error('record size too small')

  const ecdhSecret = browser.ecdh.computeSecret(senderPublicKey)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0', 'latin1'), browser.publicKey, senderPublicKey])
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, browser.auth, keyInfo, 32))
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0', 'latin1'), 16))
  const nonceBase = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0', 'latin1'), 12))

  const records: Buffer[] = []
  for (let offset = 0, sequence = 0; offset < content.length; offset += recordSize, sequence++) {
    const record = content.subarray(offset, offset + recordSize)
    const nonce = Buffer.from(nonceBase)
    // The nonce is the base XOR the record's sequence number, big-endian (here below 2^32: the last 4 bytes).
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8)
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
    decipher.setAuthTag(record.subarray(record.length - 16))
    const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
    let end = plain.length - 1
    while (end >= 0 && plain[end] === 0) end--
    const last = offset + recordSize >= content.length
    if (end < 0 || plain[end] !== (last ? 2 : 1)) throw new Error('bad padding delimiter')
    records.push(plain.subarray(0, end))
  }
  return Buffer.concat(records)
}

/** Doorstep's real Web Push sender (its VAPID keys from the database), trusting this push service's certificate. */
export function pushTo(service: PushService): (pool: Pool) => Promise<PushSender> {
  return async (pool) => webPushSender(await vapidKeys(pool), 'mailto:doorstep@school.example', { agent: service.agent, timeoutMs: 5_000 })
}
