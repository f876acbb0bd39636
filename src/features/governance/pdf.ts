import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'
import { formatDate } from '../../domain/dates.ts'
import type { Chart, Report, Table } from './service.ts'

/**
 * The governors' report as an A4 PDF (R-GOV-3): the page's sections, tables and bar charts, from the same model.
 * DejaVu Sans is embedded so any school name prints.
 */
const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const REGULAR = path.join(fontDir, 'DejaVuSans.ttf')
const BOLD = path.join(fontDir, 'DejaVuSans-Bold.ttf')
const MARGIN = 40

export function renderReportPdf(report: Report): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `Governors’ report: ${report.schoolName}, ${report.periodLabel}`, Subject: 'Home visits: report for governors', Creator: 'Doorstep' } })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    pdf.registerFont('regular', REGULAR)
    pdf.registerFont('bold', BOLD)
    const width = pdf.page.width - MARGIN * 2
    const bottom = () => pdf.page.height - MARGIN
    const room = (needed: number) => {
      if (pdf.y + needed > bottom()) pdf.addPage()
    }

    pdf.font('bold').fontSize(18).text('Home visits: report for governors', { width })
    pdf.font('regular').fontSize(11).text(`${report.schoolName}. ${report.periodLabel}.`, { width })
    pdf.fillColor('#505a5f').fontSize(9).text(`Produced by Doorstep on ${formatDate(report.generatedOn)}. No pupil, family or staff names are included.`, { width }).fillColor('#0b0c0c')
    for (const section of report.sections) {
      room(80)
      pdf.moveDown(1)
      pdf.font('bold').fontSize(13).text(section.heading, MARGIN, pdf.y, { width })
      pdf.font('regular').fontSize(9.5)
      for (const line of section.intro) pdf.text(line, { width })
      if (section.chart) drawChart(pdf, section.chart, width, room)
      for (const table of section.tables) drawTable(pdf, table, width, room)
    }
    pdf.end()
  })
}

function drawTable(pdf: PDFKit.PDFDocument, table: Table, width: number, room: (needed: number) => void) {
  room(40)
  pdf.moveDown(0.6)
  pdf.font('bold').fontSize(10).text(table.caption, MARGIN, pdf.y, { width })
  if (table.rows.length === 0) {
    if (table.empty) pdf.font('regular').fontSize(9.5).text(table.empty, { width })
    return
  }
  const first = Math.min(width * 0.45, 230)
  const other = (width - first) / Math.max(1, table.head.length - 1)
  const x = (i: number) => (i === 0 ? MARGIN : MARGIN + first + other * (i - 1))
  const w = (i: number) => (i === 0 ? first - 6 : other - 6)
  const row = (cells: Array<string | number>, bold: boolean) => {
    pdf.font(bold ? 'bold' : 'regular').fontSize(8.5)
    const height = Math.max(...cells.map((cell, i) => pdf.heightOfString(String(cell), { width: w(i) }))) + 3
    room(height + 2)
    const top = pdf.y
    cells.forEach((cell, i) => pdf.text(String(cell), x(i), top, { width: w(i), align: i === 0 ? 'left' : 'right', lineBreak: true }))
    pdf.y = top + height
    pdf.moveTo(MARGIN, pdf.y - 1).lineTo(MARGIN + width, pdf.y - 1).lineWidth(0.5).strokeColor('#b1b4b6').stroke()
  }
  row(table.head, true)
  for (const cells of table.rows) row(cells, false)
  pdf.x = MARGIN
}

function drawChart(pdf: PDFKit.PDFDocument, chart: Chart, width: number, room: (needed: number) => void) {
  const height = 110
  room(height + 50)
  pdf.moveDown(0.5)
  pdf.font('bold').fontSize(9.5).text(chart.title, MARGIN, pdf.y, { width })
  const top = pdf.y + 14
  const max = chart.percent ? 100 : Math.max(1, ...chart.bars.map((b) => b.value))
  const slot = Math.min(90, width / Math.max(1, chart.bars.length))
  pdf.lineWidth(0.5).strokeColor('#b1b4b6').moveTo(MARGIN, top + height).lineTo(MARGIN + width, top + height).stroke()
  chart.bars.forEach((bar, i) => {
    const barHeight = (height * bar.value) / max
    const x = MARGIN + i * slot + 6
    pdf.rect(x, top + height - barHeight, slot - 12, barHeight).fill('#1d70b8')
    pdf.fillColor('#0b0c0c').font('regular').fontSize(8)
    pdf.text(`${bar.value}${chart.percent ? '%' : ''}`, x, top + height - barHeight - 11, { width: slot - 12, align: 'center' })
    pdf.text(bar.label, x - 4, top + height + 3, { width: slot - 4, align: 'center', height: 30, ellipsis: true })
  })
  pdf.x = MARGIN
  pdf.y = top + height + 34
}
