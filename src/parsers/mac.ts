/**
 * MAC address spellings seen in Cisco output: dotted (`0050.56ab.cdef`), colon (`00:61:75:F5:B5:FF`)
 * and hyphen (`00-50-56-ab-cd-ef`). Everything netops compares is lower-case, colon-separated.
 */

const DOTTED_RE = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i
const SEPARATED_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i

/** `0050.56ab.cdef` / `00-50-56-AB-CD-EF` → `00:50:56:ab:cd:ef`; null when the text is not a MAC. */
export function normalizeMac(text: string): string | null {
  const t = text.trim()
  const dotted = DOTTED_RE.exec(t)
  const hex = dotted ? `${dotted[1] ?? ''}${dotted[2] ?? ''}${dotted[3] ?? ''}` : SEPARATED_RE.test(t) ? t.replace(/[:-]/g, '') : null
  if (hex === null) return null
  return (hex.toLowerCase().match(/../g) ?? []).join(':')
}

/** The MAC when `text` is one, else the text unchanged (LLDP chassis / port ids may be either). */
export function macOrText(text: string): string {
  return normalizeMac(text) ?? text
}
