import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'

/** The largest file a form may upload (the pupil import's limit). */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024

/**
 * A file sent with a form (multipart/form-data). Its bytes are a private field, so the request checks that walk
 * every value of a body (unstorable characters, src/app.ts) do not walk megabytes of them, and a binary file is
 * for the route to refuse in words, not a generic 400.
 */
export class UploadedFile {
  readonly filename: string
  readonly mimetype: string
  readonly #content: Buffer
  constructor(filename: string, mimetype: string, content: Buffer) {
    this.filename = filename
    this.mimetype = mimetype
    this.#content = content
  }
  /** The file's bytes, for a route that checks what kind of file it is before reading it as text. */
  bytes(): Buffer {
    return this.#content
  }
  get size(): number {
    return this.#content.length
  }
  /** The file as UTF-8 text (a byte-order mark dropped), or null when it is not text: NUL bytes, or not UTF-8. */
  text(): string | null {
    if (this.#content.includes(0)) return null
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(this.#content)
    } catch {
      return null
    }
  }
}

/**
 * Forms sent as multipart/form-data arrive as the same flat body a url-encoded form gives (`_csrf`, text fields),
 * with each file an UploadedFile. One file per form, at most MAX_UPLOAD_BYTES.
 */
export async function registerUploads(app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 8 * 1024 * 1024 },
    async onFile(part) {
      const content = await part.toBuffer()
      ;(part as unknown as { value: unknown }).value = content.length === 0 && !part.filename ? undefined : new UploadedFile(part.filename, part.mimetype, content)
    },
  })
}
