/**
 * `show vlan brief` (IOS / IOS-XE and NX-OS; also the first table of `show vlan`): VLAN → name,
 * status and access ports. Layout `VLAN Name Status Ports` with a `----` rule; the Ports column
 * wraps onto continuation lines that hold only ports (indented to the Ports column); a VLAN with no
 * access port has an empty Ports column. Trunk ports are not listed here (`show interfaces trunk`).
 * The table ends at the first blank line or the next header (`VLAN Type ...` in `show vlan`).
 */

import {longName, type NormalizeOptions} from '../platforms/interface-names.js'
import {outputLines} from './text.js'

export interface VlanBriefRow {
  vlan: number
  name: string
  /** As printed, lower-case: `active`, `act/unsup`, `suspended`, `act/lshut`, ... */
  status: string
  /** Long interface names (`Gi1/0/19` → `GigabitEthernet1/0/19`, `Eth1/19` → `Ethernet1/19`). */
  ports: string[]
}

const HEADER_RE = /^\s*VLAN\s+Name\s+Status\s+Ports\s*$/i
const RULE_RE = /^[\s-]+$/
const ROW_RE = /^(\d{1,4})\s+(\S+)\s+(\S+)(?:\s+(.*))?$/
const CONTINUATION_RE = /^\s+\S/

function portList(text: string | undefined, options: NormalizeOptions): string[] {
  return (text ?? '')
    .split(/[,\s]+/)
    .filter((p) => p !== '')
    .map((p) => longName(p, options))
}

/** Every VLAN of the brief table, in output order. `platform: 'nxos'` spells port channels `port-channel5`. */
export function parseVlanBrief(text: string, options: NormalizeOptions = {}): VlanBriefRow[] {
  const rows: VlanBriefRow[] = []
  let inTable = false
  for (const line of outputLines(text)) {
    if (HEADER_RE.test(line)) {
      inTable = true
      continue
    }
    if (!inTable) continue
    if (line.trim() === '') {
      if (rows.length > 0) inTable = false
      continue
    }
    if (RULE_RE.test(line)) continue
    const row = ROW_RE.exec(line)
    if (row) {
      rows.push({
        vlan: Number(row[1]),
        name: row[2] ?? '',
        status: (row[3] ?? '').toLowerCase(),
        ports: portList(row[4], options),
      })
      continue
    }
    const last = rows.at(-1)
    if (last && CONTINUATION_RE.test(line)) last.ports.push(...portList(line, options))
    else inTable = false
  }
  return rows
}
