import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'
import { PERSISTENT_MISSED_PERCENT, type MonthFigures } from '../../domain/attendance.ts'
import { formatDate } from '../../domain/dates.ts'
import { shortMonth } from '../attendance/chart.ts'
import type { ReferralPack } from './service.ts'

/**
 * The referral pack as an A4 PDF (R-ATT-1): the attendance summary, the monthly bars drawn in the PDF with the
 * same figures as a table, then the visits and records, agreements and letters, oldest first. DejaVu Sans is
 * embedded so any name prints (Wiśniewska, Paweł).
 */
const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const REGULAR = path.join(fontDir, 'DejaVuSans.ttf')
const BOLD = path.join(fontDir, 'DejaVuSans-Bold.ttf')
const MARGIN = 40

const ukDateTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

export function renderReferralPackPdf(pack: ReferralPack): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `Attendance referral: ${pack.pupil.name}, ${pack.schoolName}`, Subject: 'Referral to the local authority about attendance', Creator: 'Doorstep' } })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    pdf.registerFont('regular', REGULAR)
    pdf.registerFont('bold', BOLD)
    const width = pdf.page.width - MARGIN * 2
    const room = (needed: number) => {
      if (pdf.y + needed > pdf.page.height - MARGIN) pdf.addPage()
    }
    const heading = (text: string) => {
      room(60)
      pdf.moveDown(1)
      pdf.font('bold').fontSize(13).fillColor('#0b0c0c').text(text, MARGIN, pdf.y, { width })
      pdf.moveTo(MARGIN, pdf.y).lineTo(MARGIN + width, pdf.y).lineWidth(0.6).strokeColor('#0b0c0c').stroke()
      pdf.moveDown(0.3)
    }
    const para = (text: string, bold = false) => pdf.font(bold ? 'bold' : 'regular').fontSize(9.5).fillColor('#0b0c0c').text(text, MARGIN, pdf.y, { width })

    pdf.font('bold').fontSize(18).text('Attendance: referral to the local authority', { width })
    pdf.font('regular').fontSize(11).text(`${pack.pupil.name}, ${pack.pupil.yearGroup}${pack.pupil.upn ? `, UPN ${pack.pupil.upn}` : ''}. ${pack.schoolName}.`, { width })
    pdf.fillColor('#505a5f').fontSize(9).text(`Produced by ${pack.producedBy} on ${formatDate(pack.producedOn)} from Doorstep. ${pack.includesConcerns ? 'Safeguarding concern detail is included at the DSL’s decision.' : 'Safeguarding concern detail is not included: ask the school’s DSL.'}`, { width }).fillColor('#0b0c0c')

    heading('Attendance')
    const a = pack.attendance
    if (!a) {
      para('No attendance marks have been imported for this pupil.')
    } else {
      para(`This school year, since ${formatDate(a.yearStart)}, to ${formatDate(a.asOf)}: ${a.year.percent}% attendance (${a.year.attended} of ${a.year.possible} possible sessions; ${a.year.authorised} authorised and ${a.year.unauthorised} unauthorised absences).`)
      pdf.moveDown(0.3)
      if (a.flags.length) {
        para('Flagged by attendance:', true)
        for (const flag of a.flags) para(`• ${flag.title}. ${flag.why}`)
      } else {
        para('Not flagged by attendance.')
      }
      pdf.moveDown(0.3)
      para(a.rule)
      drawMonths(pdf, a.months, a.threshold, width, room)
      drawMonthTable(pdf, a.months, width, room)
    }

    for (const section of pack.sections) {
      heading(section.heading)
      if (section.entries.length === 0) para(section.empty)
      for (const entry of section.entries) {
        const lines = [entry.who, entry.what, entry.actions ? `Actions: ${entry.actions}` : ''].filter((l) => l.trim())
        pdf.font('regular').fontSize(9)
        const height = pdf.heightOfString(lines.join('\n'), { width }) + 16
        room(Math.min(height, 120))
        pdf.font('bold').fontSize(9.5).fillColor('#0b0c0c').text(`${ukDateTime.format(entry.at)} — ${entry.category}`, MARGIN, pdf.y, { width })
        pdf.font('regular').fontSize(9).text(lines.join('\n'), MARGIN, pdf.y, { width })
        pdf.moveDown(0.5)
      }
    }
    pdf.end()
  })
}

/** The monthly bars: attendance as a percentage of possible sessions, with the persistent-absence line and the policy's threshold. */
function drawMonths(pdf: PDFKit.PDFDocument, months: MonthFigures[], threshold: number | null, width: number, room: (needed: number) => void) {
  const height = 120
  room(height + 60)
  pdf.moveDown(0.6)
  pdf.font('bold').fontSize(9.5).text('Attendance by month, as a percentage of possible sessions', MARGIN, pdf.y, { width })
  const top = pdf.y + 14
  const slot = Math.min(60, width / Math.max(1, months.length))
  pdf.lineWidth(0.5).strokeColor('#b1b4b6').moveTo(MARGIN, top + height).lineTo(MARGIN + width, top + height).stroke()
  months.forEach((month, i) => {
    const percent = month.percent ?? 0
    const barHeight = (height * percent) / 100
    const x = MARGIN + i * slot + 4
    pdf.rect(x, top + height - barHeight, slot - 8, barHeight).fill(threshold !== null && percent < threshold ? '#d4351c' : '#1d70b8')
    pdf.fillColor('#0b0c0c').font('regular').fontSize(7.5)
    pdf.text(`${month.percent}%`, x - 2, top + height - barHeight - 10, { width: slot - 4, align: 'center' })
    pdf.text(shortMonth(month.label), x - 2, top + height + 3, { width: slot - 4, align: 'center' })
  })
  const line = (value: number, label: string, colour: string) => {
    const y = top + height - (height * value) / 100
    pdf.lineWidth(0.8).strokeColor(colour).dash(3, { space: 2 }).moveTo(MARGIN, y).lineTo(MARGIN + width, y).stroke().undash()
    pdf.fillColor(colour).fontSize(7).text(label, MARGIN + width - 150, y - 9, { width: 150, align: 'right' }).fillColor('#0b0c0c')
  }
  line(100 - PERSISTENT_MISSED_PERCENT, `Persistent absence below ${100 - PERSISTENT_MISSED_PERCENT}%`, '#505a5f')
  if (threshold !== null) line(threshold, `Policy threshold ${threshold}%`, '#d4351c')
  pdf.x = MARGIN
  pdf.y = top + height + 20
}

function drawMonthTable(pdf: PDFKit.PDFDocument, months: MonthFigures[], width: number, room: (needed: number) => void) {
  const head = ['Month', 'Attendance', 'Attended', 'Possible', 'Authorised absence', 'Unauthorised absence']
  const col = width / head.length
  const row = (cells: string[], bold: boolean) => {
    room(16)
    const top = pdf.y
    pdf.font(bold ? 'bold' : 'regular').fontSize(8.5).fillColor('#0b0c0c')
    cells.forEach((cell, i) => pdf.text(cell, MARGIN + i * col, top, { width: col - 6, align: i === 0 ? 'left' : 'right' }))
    pdf.y = top + (bold ? 22 : 13)
    pdf.moveTo(MARGIN, pdf.y - 1).lineTo(MARGIN + width, pdf.y - 1).lineWidth(0.5).strokeColor('#b1b4b6').stroke()
  }
  row(head, true)
  for (const m of months) row([m.label, `${m.percent}%`, String(m.attended), String(m.possible), String(m.authorised), String(m.unauthorised)], false)
  pdf.x = MARGIN
}
