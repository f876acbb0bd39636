/**
 * Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in. Browsers
 * drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example" would
 * leave the site: only printable characters, no backslash, and no second slash at the start.
 */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && !next.includes('\\') ? next : '/'
}
