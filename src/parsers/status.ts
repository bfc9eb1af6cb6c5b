/**
 * Canonical spellings for port status words and err-disable causes. Devices truncate and vary
 * them (NX-OS `notconnec`, `xcvrAbsen`, `linkFlapE`; IOS `notconnect: TD`); callers compare
 * the canonical word and show the raw one. NX-OS err-disabled cells other than `linkFlapE` have not
 * been seen in a real capture: an unknown word is returned as is, and readPort treats a port listed
 * by `show interface status err-disabled` with a word that is not a known up/down state as err-disabled.
 */

/** Status words that say a port is up or down for an ordinary reason (not err-disabled). */
export const ORDINARY_STATUSES: ReadonlySet<string> = new Set([
  'connected',
  'notconnect',
  'disabled',
  'suspended',
  'monitoring',
  'inactive',
  'xcvr-absent',
  'sfp-absent',
  'sfp-invalid',
  'xcvr-invalid',
  'no-oper-members',
  'channel-down',
  'down',
  'up',
])

const STATUS_MAP: [RegExp, string][] = [
  [/^connected$/, 'connected'],
  [/^notconnec(?:t(?:ed)?)?$/, 'notconnect'],
  [/^(?:err-?disab\w*|error[- ]?disabled)$/, 'err-disabled'],
  // NX-OS cuts the Status cell to 9 characters: `linkFlapE` (genieparser nxos ShowInterfaceStatus golden6),
  // `linkFlapErr` in the wider err-disabled listing.
  [/^linkflape\w*$/, 'err-disabled'],
  [/^disabled$/, 'disabled'],
  [/^(?:suspended|suspnd)$/, 'suspended'],
  [/^monitor(?:ing)?$/, 'monitoring'],
  [/^inactive$/, 'inactive'],
  [/^xcvrabsen\w*$/, 'xcvr-absent'],
  [/^sfpabsent?$/, 'sfp-absent'],
  [/^sfpinval\w*$/, 'sfp-invalid'],
  [/^xcvrinval\w*$/, 'xcvr-invalid'],
  [/^noopermem\w*$/, 'no-oper-members'],
  [/^channeldo\w*$/, 'channel-down'],
  [/^down$/, 'down'],
  [/^up$/, 'up'],
]

/** `notconnec` → `notconnect`, `notconnect: TD` → `notconnect`, `linkFlapE` / `linkFlapErr` → `err-disabled`. */
export function canonicalStatus(raw: string): string {
  const word = raw.trim().replace(/:.*$/, '').toLowerCase()
  for (const [re, canonical] of STATUS_MAP) if (re.test(word)) return canonical
  return word
}

const REASON_MAP: [RegExp, string][] = [
  [/^bpdu[\s-]?guard/, 'bpduguard'],
  [/^udld/, 'udld'],
  [/^link[\s-]?flap/, 'link-flap'],
  [/^loop[\s-]?back/, 'loopback'],
  [/^loop[\s-]?detect/, 'loopdetect'],
  [/^storm[\s-]?c(?:on)?tr(?:o)?l/, 'storm-control'],
  [/^psecure[\s-]?violation|^psec[\s-]?violation/, 'psecure-violation'],
  [/^sec(?:urity)?[\s-]?violation/, 'security-violation'],
]

/**
 * Err-disable cause in lower case, unified across spellings (`BPDUGuard` → `bpduguard`,
 * `linkFlapErrDisabled` → `link-flap`, `storm-ctrl` → `storm-control`). Unknown causes are
 * returned lower-cased as printed.
 */
export function canonicalReason(raw: string): string {
  const r = raw.trim().toLowerCase()
  for (const [re, canonical] of REASON_MAP) if (re.test(r)) return canonical
  return r
}
