/**
 * Bar charts drawn on the server as SVG (R-ATT-1, R-GOV-3): no script, the same on every browser and in print.
 * Each chart is role="img" with a title naming what it shows; the page puts the same figures in a table beside it.
 */

export type Bar = { label: string; value: number | null; /** Shown above the bar: "92.5%" */ text?: string }
export type ChartLine = { value: number; label: string }

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!)

/** Short month label for an axis: "November 2026" → "Nov 26". */
export function shortMonth(label: string): string {
  const [month = '', year = ''] = label.split(' ')
  return `${month.slice(0, 3)} ${year.slice(2)}`
}

/**
 * A vertical bar chart with values from 0 to `max` (100 for percentages), optional reference lines (a policy
 * threshold), each bar labelled below and its value above. `id` makes the title's id unique on the page.
 */
export function barChart(options: { id: string; title: string; bars: readonly Bar[]; max?: number; lines?: readonly ChartLine[] }): string {
  const { id, title, bars } = options
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value ?? 0))
  const slot = 56
  const left = 40
  const top = 16
  const height = 180
  const width = left + Math.max(1, bars.length) * slot + 8
  const y = (value: number) => top + height - (height * Math.min(value, max)) / max
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="doorstep-chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${top + height + 40}" width="100%" height="${top + height + 40}" preserveAspectRatio="xMinYMin meet" focusable="false">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
  )
  for (const value of [...new Set([0, 0.25, 0.5, 0.75, 1].map((tick) => Math.round(max * tick)))]) {
    parts.push(`<line x1="${left}" x2="${width - 4}" y1="${y(value)}" y2="${y(value)}" stroke="#b1b4b6" stroke-width="1"/>`)
    parts.push(`<text x="${left - 4}" y="${y(value) + 4}" text-anchor="end" font-size="11" fill="#0b0c0c">${value}</text>`)
  }
  bars.forEach((bar, i) => {
    const x = left + i * slot + 8
    const barWidth = slot - 16
    const centre = x + barWidth / 2
    if (bar.value !== null) {
      parts.push(`<rect x="${x}" y="${y(bar.value)}" width="${barWidth}" height="${top + height - y(bar.value)}" fill="#1d70b8"/>`)
      parts.push(`<text x="${centre}" y="${y(bar.value) - 3}" text-anchor="middle" font-size="11" fill="#0b0c0c">${escapeXml(bar.text ?? String(bar.value))}</text>`)
    }
    parts.push(`<text x="${centre}" y="${top + height + 16}" text-anchor="middle" font-size="11" fill="#0b0c0c">${escapeXml(bar.label)}</text>`)
  })
  for (const line of options.lines ?? []) {
    parts.push(`<line x1="${left}" x2="${width - 4}" y1="${y(line.value)}" y2="${y(line.value)}" stroke="#d4351c" stroke-width="2" stroke-dasharray="6 3"/>`)
    parts.push(`<text x="${width - 6}" y="${y(line.value) - 4}" text-anchor="end" font-size="11" fill="#d4351c">${escapeXml(line.label)}</text>`)
  }
  parts.push('</svg>')
  return parts.join('')
}
