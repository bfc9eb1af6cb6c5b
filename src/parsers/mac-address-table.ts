/**
 * `show mac address-table [interface X]` (IOS / IOS-XE / NX-OS) and the older `show mac-address-table`.
 *
 * Layouts met in real captures (ntc-templates, genieparser):
 * - Catalyst IOS / IOS-XE: `Vlan  Mac Address  Type  Ports` with `----` rules, `All` rows for CPU
 *   entries and a `Total Mac Addresses for this criterion: N` footer;
 * - Catalyst 6500 / 4500: `vlan mac address type learn age ports` (6500, with a `*` primary-entry
 *   marker and a `Legend:` block) or `vlan mac address type protocols port` (4500, `Unicast Entries`
 *   / `Multicast Entries` sections);
 * - old 2900XL / 3500XL: `Destination Address  Address Type  VLAN  Destination Port` (VLAN after the type);
 * - NX-OS: `VLAN  MAC Address  Type  age  Secure NTFY  Ports`, rows led by `*`, `G`, `+`, `C`, `O`
 *   markers, a `Legend:` block, ports such as `Po1`, `Eth1/19`, `vPC Peer-Link`, `sup-eth1(R)`.
 * A row is any line holding a MAC address; rows without a numeric VLAN (`All`, `N/A`, `-`) are
 * skipped, and so are group (multicast / broadcast) MACs: nothing is learned from them, and their
 * port lists wrap onto continuation lines (4500 `Multicast Entries`). Ports are long interface names when they parse
 * (`Gi1/0/19` → `GigabitEthernet1/0/19`), else as printed (`CPU`, `Router`, `Drop`, `sup-eth1(R)`).
 */

import type {MacEntry} from '../loop/types.js'
import {longName, type NormalizeOptions} from '../platforms/interface-names.js'
import {normalizeMac} from './mac.js'
import {outputLines, tokens} from './text.js'

const VLAN_RE = /^\d{1,4}$/
const TYPE_RE = /^[a-z][\w-]*$/i

/** The I/G bit of the first octet: multicast and broadcast addresses. */
function isGroupMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1
}

/** Every MAC entry with a numeric VLAN and a port. `platform: 'nxos'` spells port channels `port-channel5`. */
export function parseMacAddressTable(text: string, options: NormalizeOptions = {}): MacEntry[] {
  const entries: MacEntry[] = []
  for (const line of outputLines(text)) {
    const words = tokens(line).map((t) => t.text)
    const macIdx = words.findIndex((w) => normalizeMac(w) !== null)
    if (macIdx < 0) continue
    const mac = normalizeMac(words[macIdx] ?? '') ?? ''
    if (isGroupMac(mac)) continue
    const before = words.slice(0, macIdx)
    const after = words.slice(macIdx + 1)
    // The port is the last word: `vPC Peer-Link` (`vPC Peer-Link(R)`) is the one NX-OS port spelled with a space.
    let port = after.at(-1) ?? ''
    let rest = after.slice(0, -1)
    if (port.startsWith('Peer-Link') && rest.at(-1) === 'vPC') {
      port = `vPC ${port}`
      rest = rest.slice(0, -1)
    }
    const typeIdx = rest.findIndex((w) => TYPE_RE.test(w))
    if (typeIdx < 0) continue
    const type = (rest[typeIdx] ?? '').toLowerCase()
    // VLAN before the MAC (every layout but the 2900XL one), else after the type.
    const vlanWord =
      before.find((w) => VLAN_RE.test(w)) ?? (before.length === 0 ? rest.slice(typeIdx + 1).find((w) => VLAN_RE.test(w)) : undefined)
    if (vlanWord === undefined) continue
    entries.push({vlan: Number(vlanWord), mac, type, port: longName(port, options)})
  }
  return entries
}
