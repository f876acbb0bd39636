import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'
import type { HomeVisitCard } from './service.ts'

/**
 * The home visit card (R-REC-2) as a one-page A6 PDF, to print and leave at the door when no parent was
 * reached. DejaVu Sans is embedded so staff names such as Paweł print correctly. The card says nothing a
 * passer-by should not read: no pupil or family name, only the visit's purpose in general terms.
 */

const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const MARGIN = 22

export function renderHomeVisitCardPdf(card: HomeVisitCard): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: 'A6', margin: MARGIN, info: { Title: `Home visit card: ${card.schoolName}`, Subject: 'We called to see you', Creator: 'Doorstep' } })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    pdf.registerFont('regular', path.join(fontDir, 'DejaVuSans.ttf'))
    pdf.registerFont('bold', path.join(fontDir, 'DejaVuSans-Bold.ttf'))
    const width = pdf.page.width - MARGIN * 2
    pdf.page.margins.bottom = 0

    pdf.font('bold').fontSize(15).text(card.schoolName, { width })
    pdf.moveDown(0.3)
    pdf.moveTo(MARGIN, pdf.y).lineTo(MARGIN + width, pdf.y).lineWidth(1).strokeColor('#1d70b8').stroke()
    pdf.moveDown(0.5)
    pdf.font('bold').fontSize(13).text('Sorry we missed you', { width })
    pdf.moveDown(0.4)
    pdf.font('regular').fontSize(9.5).text('We called today to see you. We would like to talk with you, so please get in touch with the school.', { width, lineGap: 1.5 })
    pdf.moveDown(0.6)

    const item = (label: string, value: string) => {
      pdf.font('bold').fontSize(8.5).fillColor('#505a5f').text(label, { width })
      pdf.font('regular').fontSize(10).fillColor('black').text(value, { width, lineGap: 1 })
      pdf.moveDown(0.45)
    }
    item('When we called', `${card.date} at ${card.time}`)
    item(card.callers.length === 1 ? 'Who called' : 'Who called', card.callers.join(', ') || 'Staff from the school')
    item('Why', card.why)
    item('Please contact the school', [card.phone ? `Phone ${card.phone}` : 'Phone the school office', card.address].filter(Boolean).join('\n'))
    pdf.end()
  })
}
