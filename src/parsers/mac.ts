/**
 * MAC address spellings seen in Cisco output: dotted (`0050.56ab.cdef`), colon (`00:61:75:F5:B5:FF`)
 * and hyphen (`00-50-56-ab-cd-ef`). Everything netops compares is lower-case, colon-separated.
 */

import {normalizeMac as toMac} from '../util/mac.js'

/** `0050.56ab.cdef` / `00-50-56-AB-CD-EF` → `00:50:56:ab:cd:ef`; null when the text is not a MAC. */
export function normalizeMac(text: string): string | null {
  return toMac(text) ?? null
}

/** The MAC when `text` is one, else the text unchanged (LLDP chassis / port ids may be either). */
export function macOrText(text: string): string {
  return normalizeMac(text) ?? text
}
