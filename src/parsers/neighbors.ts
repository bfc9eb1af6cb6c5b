/**
 * `show lldp neighbors [<if>] detail` and `show cdp neighbors [<if>] detail`, IOS / IOS-XE and NX-OS.
 *
 * LLDP, IOS: records separated by `------` rules, each led by `Local Intf: Gi1/0/19`; `System Name:`
 * (or `System Name - not advertised`), `System Description:` on its own line followed by the text
 * and a blank line, `Management Addresses:` followed by indented `IP: x` / `IPV6: x` lines,
 * `Total entries displayed: N` at the end.
 * LLDP, NX-OS: records led by `Chassis id:`, local port in `Local Port id: Eth1/19`, one-line
 * `System Description:` continued on the following lines up to `Time remaining:`, `Management
 * Address: x` inline (`not advertised` when absent).
 * CDP, both: records separated by `-----` rules, `Device ID: x` (NX-OS `Device ID:x`), `Entry
 * address(es):` / `Interface address(es):` / `Management address(es):` / `Mgmt address(es):` followed
 * by indented `IP address: x` / `IPv4 Address: x` / `IPv6 Address: x` lines, `Platform: x,  Capabilities: ...`,
 * `Interface: Gi1/0/19,  Port ID (outgoing port): eth0`.
 */

import type {Neighbor} from '../loop/types.js'
import {longName, type NormalizeOptions} from '../platforms/interface-names.js'
import {macOrText} from './mac.js'
import {outputLines} from './text.js'

const RULE_RE = /^\s*-{5,}\s*$/
const NOT_ADVERTISED_RE = /^-?\s*not\s+advertised$/i

/** `Key: value` (also `Key - not advertised`) → [key, value]; value '' when not advertised. */
function keyValue(line: string): [string, string] | null {
  const m = /^\s*([A-Za-z][\w ()/.-]*?)\s*(?::\s*(.*)|\s-\s*(not advertised))$/i.exec(line)
  if (!m) return null
  const value = (m[2] ?? '').trim()
  return [(m[1] ?? '').toLowerCase(), NOT_ADVERTISED_RE.test(value) || m[3] !== undefined ? '' : value]
}

type TextField = 'systemName' | 'chassisId' | 'portId' | 'portDescription' | 'platform'

/** Sets a text field when the value is not empty (absent fields stay absent, not ''); NX-OS prints `null` for an empty TLV. */
function set(n: Neighbor, field: TextField, value: string | undefined): void {
  if (value !== undefined && value !== '' && value !== 'null') n[field] = value
}

/** Address lines under an address heading: `IP: 10.1.1.1`, `IP address: 10.1.1.1`, `IPv4 Address: 10.1.1.1`, `IPV6: ...`. */
const ADDRESS_LINE_RE = /^\s+(?:IP|IPV6|IP\s+address|IPv4\s+Address|IPv6\s+Address)\s*:\s*(\S+)\s*$/i

function pushUnique(list: string[], value: string): void {
  if (value !== '' && !NOT_ADVERTISED_RE.test(value) && !list.includes(value)) list.push(value)
}

/** Split output into records: at rule lines and at each line matching `start`. */
function records(lines: string[], start: RegExp): string[][] {
  const out: string[][] = []
  let cur: string[] | null = null
  for (const line of lines) {
    if (RULE_RE.test(line)) {
      cur = null
      continue
    }
    if (start.test(line)) {
      cur = []
      out.push(cur)
    }
    cur?.push(line)
  }
  return out
}

const LLDP_KEYS_AFTER_DESCRIPTION =
  /^(?:Time remaining|System Capabilities|Enabled Capabilities|Management Address|Auto Negotiation|Vlan ID|Peer Source MAC|Physical media|Media Attachment|MED Information)\b/i

/** LLDP neighbours; `localPort` is the long interface name (`Local Intf:` on IOS, `Local Port id:` on NX-OS). */
export function parseLldpNeighborsDetail(text: string, options: NormalizeOptions = {}): Neighbor[] {
  const lines = outputLines(text)
  const ios = lines.some((l) => /^\s*Local Intf:/i.test(l))
  const out: Neighbor[] = []
  for (const rec of records(lines, ios ? /^\s*Local Intf:/i : /^\s*Chassis id:/i)) {
    const n: Neighbor = {protocol: 'lldp', localPort: '', managementAddresses: []}
    let inAddresses = false
    for (let i = 0; i < rec.length; i++) {
      const line = rec[i] ?? ''
      const addr = ADDRESS_LINE_RE.exec(line)
      if (inAddresses && addr) {
        pushUnique(n.managementAddresses, addr[1] ?? '')
        continue
      }
      inAddresses = false
      const kv = keyValue(line)
      if (!kv) continue
      const [key, value] = kv
      if (key === 'local intf' || key === 'local port id') n.localPort = longName(value, options)
      else if (key === 'chassis id') set(n, 'chassisId', macOrText(value))
      else if (key === 'port id') set(n, 'portId', macOrText(value))
      else if (key === 'port description') set(n, 'portDescription', value)
      else if (key === 'system name') set(n, 'systemName', value)
      else if (key === 'system description') {
        // IOS: the text starts on the next line (after the heading); NX-OS: on this line.
        let first = value
        for (let j = i + 1; first === '' && j < rec.length; j++) {
          const next = rec[j] ?? ''
          if (LLDP_KEYS_AFTER_DESCRIPTION.test(next)) break
          first = next.trim()
        }
        set(n, 'platform', first)
      } else if (key === 'management address' || key === 'management address ipv6') {
        pushUnique(n.managementAddresses, value)
      } else if (key === 'management addresses') {
        // IOS: the addresses follow on indented lines (`IP: 10.1.1.1`), unless `- not advertised`.
        inAddresses = /:\s*$/.test(line)
      }
    }
    if (n.localPort !== '') out.push(n)
  }
  return out
}

/** CDP neighbours; `localPort` from `Interface:`, `portId` from `Port ID (outgoing port):`, `systemName` = Device ID. */
export function parseCdpNeighborsDetail(text: string, options: NormalizeOptions = {}): Neighbor[] {
  const out: Neighbor[] = []
  for (const rec of records(outputLines(text), /^\s*Device ID\s*:/i)) {
    const n: Neighbor = {protocol: 'cdp', localPort: '', managementAddresses: []}
    let inAddresses = false
    for (const line of rec) {
      const addr = ADDRESS_LINE_RE.exec(line)
      if (inAddresses && addr) {
        pushUnique(n.managementAddresses, addr[1] ?? '')
        continue
      }
      inAddresses = /^\s*(?:Entry|Interface|Management|Mgmt)\s+address\(es\)\s*:\s*$/i.test(line)
      if (inAddresses) continue
      const device = /^\s*Device ID\s*:\s*(.*?)\s*$/i.exec(line)
      if (device) set(n, 'systemName', device[1])
      const platform = /^\s*Platform\s*:\s*(.*?)\s*,\s+Capabilities\s*:/i.exec(line)
      if (platform) set(n, 'platform', platform[1])
      const intf = /^\s*Interface\s*:\s*(\S+?)\s*,\s+Port ID \(outgoing port\)\s*:\s*(.*?)\s*$/i.exec(line)
      if (intf) {
        n.localPort = longName(intf[1] ?? '', options)
        set(n, 'portId', intf[2])
      }
    }
    if (n.localPort !== '') out.push(n)
  }
  return out
}
