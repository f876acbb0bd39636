import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'

/**
 * A plain A4 document (a cancellation notice, a reminder letter): a heading, lines of facts and paragraphs of
 * text. DejaVu Sans is embedded so names such as Wiśniewska or Paweł print as written.
 */
const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const REGULAR = path.join(fontDir, 'DejaVuSans.ttf')
const BOLD = path.join(fontDir, 'DejaVuSans-Bold.ttf')

export type PdfDocument = {
  title: string
  subject: string
  /** Lines at the top right: the school's name, a date. */
  header: string[]
  /** Lines at the top left: who it is addressed to. */
  addressLines?: string[]
  heading?: string
  facts?: Array<{ label: string; value: string }>
  /** Paragraphs; a paragraph's lines are kept as written. */
  paragraphs: string[]
}

export function renderDocumentPdf(doc: PdfDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: 'A4', margin: 56, info: { Title: doc.title, Subject: doc.subject, Creator: 'Doorstep' } })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    pdf.registerFont('regular', REGULAR)
    pdf.registerFont('bold', BOLD)
    const width = pdf.page.width - 112
    pdf.font('regular').fontSize(10)
    for (const line of doc.header) pdf.text(line, { width, align: 'right' })
    pdf.moveDown()
    if (doc.addressLines?.length) {
      pdf.fontSize(11)
      for (const line of doc.addressLines) pdf.text(line, { width })
      pdf.moveDown()
    }
    if (doc.heading) {
      pdf.font('bold').fontSize(15).text(doc.heading, { width })
      pdf.moveDown(0.5)
    }
    for (const fact of doc.facts ?? []) {
      pdf.font('bold').fontSize(10.5).text(`${fact.label}: `, { width, continued: true }).font('regular').text(fact.value)
    }
    if (doc.facts?.length) pdf.moveDown()
    pdf.font('regular').fontSize(11)
    for (const paragraph of doc.paragraphs) {
      pdf.text(paragraph, { width, lineGap: 2 })
      pdf.moveDown(0.6)
    }
    pdf.end()
  })
}
