/**
 * `show interfaces [<if>] switchport` (IOS / IOS-XE) and `show interface [<if>] switchport` (NX-OS):
 * a port's mode, access VLAN, native VLAN and allowed trunk VLANs.
 *
 * Records start at `Name: Gi1/0/19` (IOS short name) or `Name: Ethernet1/19` (NX-OS, fields indented
 * two spaces). IOS says `Trunking VLANs Enabled:`, NX-OS `Trunking VLANs Allowed:`; a long IOS list
 * ends its line with a comma and continues on an indented line. VLAN fields read `1 (default)`,
 * `100 (PLC1)`, `3 (Vlan not created)`: the number is kept. NX-OS has no `Administrative Mode`.
 */

import {longName, type NormalizeOptions} from '../platforms/interface-names.js'
import {outputLines} from './text.js'

export interface SwitchportRow {
  /** Long interface name. */
  interface: string
  /** `Switchport: Enabled`. */
  switchport: boolean
  /** IOS `Administrative Mode` (`trunk`, `static access`, `dynamic auto`); '' on NX-OS. */
  adminMode: string
  /** `Operational Mode`: `trunk`, `static access` (IOS), `access` (NX-OS), `down`; '' when absent. */
  operationalMode: string
  accessVlan: number | null
  nativeVlan: number | null
  /** Allowed trunk VLANs as printed, continuation lines joined: `ALL`, `1-4094`, `1,12,15,31-36`; '' when absent. */
  trunkVlans: string
}

const NAME_RE = /^\s*Name:\s*(\S+)\s*$/
const FIELD_RE = /^\s*([A-Za-z][\w -]*?)\s*:\s*(.*?)\s*$/

function vlanNumber(value: string): number | null {
  const m = /^(\d{1,4})\b/.exec(value)
  return m ? Number(m[1]) : null
}

/** One row per `Name:` record. `platform: 'nxos'` spells port channels `port-channel5`. */
export function parseSwitchport(text: string, options: NormalizeOptions = {}): SwitchportRow[] {
  const rows: SwitchportRow[] = []
  let cur: SwitchportRow | null = null
  let continuing = false
  for (const line of outputLines(text)) {
    const name = NAME_RE.exec(line)
    if (name) {
      cur = {
        interface: longName(name[1] ?? '', options),
        switchport: false,
        adminMode: '',
        operationalMode: '',
        accessVlan: null,
        nativeVlan: null,
        trunkVlans: '',
      }
      rows.push(cur)
      continuing = false
      continue
    }
    if (!cur) continue
    if (continuing && /^\s+[\d,-]+$/.test(line)) {
      cur.trunkVlans += line.trim()
      continuing = cur.trunkVlans.endsWith(',')
      continue
    }
    continuing = false
    const field = FIELD_RE.exec(line)
    if (!field) continue
    const key = (field[1] ?? '').toLowerCase()
    const value = field[2] ?? ''
    if (key === 'switchport') cur.switchport = /^enabled$/i.test(value)
    else if (key === 'administrative mode') cur.adminMode = value
    else if (key === 'operational mode') cur.operationalMode = value
    else if (key === 'access mode vlan') cur.accessVlan = vlanNumber(value)
    else if (key === 'trunking native mode vlan') cur.nativeVlan = vlanNumber(value)
    else if (key === 'trunking vlans enabled' || key === 'trunking vlans allowed') {
      cur.trunkVlans = value
      continuing = value.endsWith(',')
    }
  }
  return rows
}

/** Expands an allowed-VLAN list (`1,12,31-36`, `ALL`, `none`) to a predicate. */
export function vlanListIncludes(list: string, vlan: number): boolean {
  const l = list.trim().toLowerCase()
  if (l === 'all') return vlan >= 1 && vlan <= 4094
  return l.split(',').some((part) => {
    const [a, b] = part.split('-').map((s) => Number(s.trim()))
    if (a === undefined || Number.isNaN(a)) return false
    return b === undefined ? vlan === a : vlan >= a && vlan <= b
  })
}
