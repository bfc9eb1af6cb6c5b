/** MAC addresses: everything netops compares is lower-case and colon-separated. */

/**
 * `0050.56ab.cdef` (Cisco), `00-50-56-AB-CD-EF`, `00:50:56:ab:cd:ef` → `00:50:56:ab:cd:ef`;
 * undefined when the text is not a MAC (one separator throughout: `00:50-56:...` is not one).
 */
export function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase()
  let hex: string | undefined
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/.test(t)) hex = t.replace(/[:-]/g, '')
  else if (/^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/.test(t)) hex = t.replace(/\./g, '')
  if (hex === undefined) return undefined
  return hex.match(/../g)!.join(':')
}
