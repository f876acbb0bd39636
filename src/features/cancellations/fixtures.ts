import { fileURLToPath } from 'node:url'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))

/** A PDF's page count and its text in reading order, as pdf.js reads it back (for tests). */
export async function readPdf(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item) parts.push(item.str)
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, text: parts.join(' ').replace(/\s+/g, ' ') }
}
