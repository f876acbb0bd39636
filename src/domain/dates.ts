const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "2025-09-01" → "1 September 2025". */
export function formatDate(isoDate: string): string {
  return longDate.format(new Date(`${isoDate}T00:00:00Z`))
}

export function addMinutes(at: Date, minutes: number): Date {
  return new Date(at.getTime() + minutes * 60_000)
}

/** 30 → "30 minutes", 120 → "2 hours", 90 → "1 hour 30 minutes", 0 → "0 minutes". */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  const hourText = hours === 1 ? '1 hour' : `${hours} hours`
  const minuteText = rest === 1 ? '1 minute' : `${rest} minutes`
  if (hours === 0) return minuteText
  return rest === 0 ? hourText : `${hourText} ${minuteText}`
}
