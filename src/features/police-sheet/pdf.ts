import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'
import type { PoliceSheet, SheetItem } from './service.ts'

/**
 * The police information sheet as a one-page A4 PDF (R-ESC-3). The text is the page's, from the same
 * model. DejaVu Sans Condensed is embedded because the built-in PDF fonts cannot write names such as
 * Wiśniewska or Paweł. The sheet is laid out at the largest type size (9.5 pt down to 6 pt) at which
 * it fits one page; the model already cuts long free text, and anything still left over is replaced by
 * a line saying the rest is in Doorstep, so the sheet never runs onto a second page.
 */

const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const REGULAR = path.join(fontDir, 'DejaVuSansCondensed.ttf')
const BOLD = path.join(fontDir, 'DejaVuSansCondensed-Bold.ttf')

const MARGIN = 34
const LABEL_WIDTH = 118
const GUTTER = 8

type Block =
  | { kind: 'title'; text: string }
  | { kind: 'line'; text: string; bold?: boolean; grey?: boolean }
  | { kind: 'heading'; text: string }
  | { kind: 'item'; item: SheetItem }

function blocksOf(sheet: PoliceSheet): Block[] {
  const blocks: Block[] = [
    { kind: 'title', text: sheet.title },
    { kind: 'line', text: sheet.subtitle, bold: true },
    { kind: 'line', text: sheet.printed, grey: true },
    { kind: 'line', text: sheet.school.join('. ') },
  ]
  for (const section of sheet.sections) {
    blocks.push({ kind: 'heading', text: section.heading })
    for (const item of section.items) blocks.push({ kind: 'item', item })
  }
  return blocks
}

export function renderPoliceSheetPdf(sheet: PoliceSheet): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      autoFirstPage: true,
      info: { Title: `${sheet.title}: ${sheet.schoolName}`, Subject: 'Home visit: information for the police', Creator: 'Doorstep' },
    })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    pdf.registerFont('regular', REGULAR)
    pdf.registerFont('bold', BOLD)

    const width = pdf.page.width - MARGIN * 2
    const room = pdf.page.height - MARGIN * 2
    let blocks = blocksOf(sheet)
    let size = 9.5
    while (size > 6 && heightOf(pdf, blocks, size, width) > room) size -= 0.25
    // Still too long at the smallest size: drop items from the end until it fits, and say so.
    const overflow: Block = { kind: 'line', text: 'The rest of this information is in Doorstep.', bold: true }
    while (heightOf(pdf, blocks, size, width) > room && blocks.length > 5) {
      blocks = [...blocks.slice(0, blocks.at(-1) === overflow ? -2 : -1), overflow]
    }
    // Measured to fit: never let pdfkit start a second page over a rounding difference.
    pdf.page.margins.bottom = 0
    for (const block of blocks) draw(pdf, block, size, width)
    pdf.end()
  })
}

const lineGap = (size: number) => size * 0.15
const gapAfter = (block: Block, size: number) => (block.kind === 'title' ? size * 0.3 : block.kind === 'heading' ? size * 0.25 : size * 0.35)
const sizeOf = (block: Block, size: number) => (block.kind === 'title' ? size * 1.8 : block.kind === 'heading' ? size * 1.2 : size)

function heightOf(pdf: PDFKit.PDFDocument, blocks: Block[], size: number, width: number): number {
  let total = 0
  for (const block of blocks) {
    total += blockHeight(pdf, block, size, width) + gapAfter(block, size)
    if (block.kind === 'heading') total += size * 0.6
  }
  return total
}

function blockHeight(pdf: PDFKit.PDFDocument, block: Block, size: number, width: number): number {
  const options = { lineGap: lineGap(size) }
  if (block.kind !== 'item') {
    pdf.font(block.kind === 'line' && !block.bold ? 'regular' : 'bold').fontSize(sizeOf(block, size))
    return pdf.heightOfString(block.text, { ...options, width })
  }
  const { item } = block
  pdf.font(item.alert ? 'bold' : 'regular').fontSize(size)
  const lines = pdf.heightOfString(item.lines.join('\n'), { ...options, width: width - LABEL_WIDTH - GUTTER })
  pdf.font('bold').fontSize(size)
  return Math.max(lines, pdf.heightOfString(item.label, { ...options, width: LABEL_WIDTH }))
}

function draw(pdf: PDFKit.PDFDocument, block: Block, size: number, width: number): void {
  const options = { lineGap: lineGap(size) }
  const top = pdf.y
  if (block.kind === 'heading') {
    pdf.y += size * 0.6
    pdf.font('bold').fontSize(sizeOf(block, size)).fillColor('black').text(block.text, MARGIN, pdf.y, { ...options, width })
    pdf.moveTo(MARGIN, pdf.y).lineTo(MARGIN + width, pdf.y).lineWidth(0.6).strokeColor('#0b0c0c').stroke()
  } else if (block.kind === 'title' || block.kind === 'line') {
    const bold = block.kind === 'title' || block.bold
    pdf.font(bold ? 'bold' : 'regular').fontSize(sizeOf(block, size)).fillColor(block.kind === 'line' && block.grey ? '#505a5f' : 'black')
    pdf.text(block.text, MARGIN, top, { ...options, width })
  } else {
    const { item } = block
    const height = blockHeight(pdf, block, size, width)
    pdf.font('bold').fontSize(size).fillColor('black').text(item.label, MARGIN, top, { ...options, width: LABEL_WIDTH })
    const left = MARGIN + LABEL_WIDTH + GUTTER
    pdf.font(item.alert ? 'bold' : 'regular').fontSize(size).fillColor('black').text(item.lines.join('\n'), left, top, { ...options, width: width - LABEL_WIDTH - GUTTER })
    pdf.y = top + height
  }
  pdf.fillColor('black')
  pdf.y += gapAfter(block, size)
}
