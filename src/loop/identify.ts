/**
 * Who is at the far end of a switch port, for `netops loop trace` (issue 13). Pure: reads the
 * LLDP/CDP neighbours of a SwitchSide and says which are switches (to read one hop further) and
 * which could be the node (to open with ~/.ssh/config or the management address).
 */
import {isIP} from 'node:net'
import {normalizeInterface, shortName} from '../platforms/interface-names.js'
import type {Neighbor, SwitchSide} from './types.js'

/** System descriptions / CDP platforms of network devices (a Linux node running lldpd says `Linux`, `Debian`...). */
const SWITCH_PLATFORM_RE =
  /\b(?:cisco|catalyst|nexus|nx-os|ios|n\dk|ws-c\d|c9\d{3}|arista|eos|junos|juniper|procurve|aruba|comware|dell emc networking|cumulus|sonic)\b/i

/** `node1.lab.example` names `node1` (and the other way round); case-insensitive; addresses only equal themselves. */
export function sameHost(a: string, b: string): boolean {
  const x = a.trim().toLowerCase()
  const y = b.trim().toLowerCase()
  if (x === y) return true
  if (x === '' || y === '' || isIP(x) !== 0 || isIP(y) !== 0) return false
  return x.split('.')[0] === y.split('.')[0]
}

/** `sw2(FDO21120U5D)` (a CDP Device ID with the serial number NX-OS appends) → `sw2`. */
export function deviceName(systemName: string): string {
  return systemName.replace(/\([^()]*\)\s*$/, '').trim() || systemName
}

/** True when the neighbour looks like a switch: its platform names a network OS, or its port id is a switch interface name. */
export function isSwitchNeighbor(n: Neighbor): boolean {
  if (n.platform !== undefined && SWITCH_PLATFORM_RE.test(n.platform)) return true
  const id = n.portId ?? ''
  const parsed = normalizeInterface(id)
  // a switch port id parses as a Cisco-style interface (`Gi1/0/7`, `Ethernet1/1`); a Linux NIC name (`eth0`, `ens3`) does not have a slot/port
  return parsed !== null && /\d+\/\d+/.test(id)
}

/** A neighbour and where it was heard. */
export interface HeardNeighbor {
  switch: string
  port: string
  neighbor: Neighbor
}

/** `LLDP on sw1 Gi1/0/19: system name node1` (management addresses appended when `withAddresses`). */
export function describeHeard(h: HeardNeighbor, withAddresses = false): string {
  const n = h.neighbor
  const what =
    n.systemName !== undefined ? `system name ${n.systemName}` : n.chassisId !== undefined ? `chassis ${n.chassisId}` : 'no system name'
  const addresses = withAddresses && n.managementAddresses.length > 0 ? `, management address ${n.managementAddresses.join(', ')}` : ''
  return `${n.protocol.toUpperCase()} on ${h.switch} ${shortName(h.port)}: ${what}${addresses}`
}

/** Neighbours that could be the node: not switches, the traced port's first, then the VLAN peers' (LLDP before CDP on each port). */
export function nodeCandidates(side: SwitchSide): HeardNeighbor[] {
  const out: HeardNeighbor[] = []
  const byProtocol = (a: Neighbor, b: Neighbor): number => (a.protocol === b.protocol ? 0 : a.protocol === 'lldp' ? -1 : 1)
  for (const p of [{port: side.port, neighbors: side.neighbors, switch: side.switch}, ...side.peers]) {
    for (const n of [...p.neighbors].sort(byProtocol)) {
      if (!isSwitchNeighbor(n)) out.push({switch: p.switch ?? side.switch, port: p.port, neighbor: n})
    }
  }
  return out
}

/** Switches heard on the traced switch's VLAN peers (its own ports only), one entry per switch name (LLDP preferred). */
export function neighborSwitches(side: SwitchSide): Array<HeardNeighbor & {name: string; vlans: number[]}> {
  const out = new Map<string, HeardNeighbor & {name: string; vlans: number[]}>()
  for (const p of side.peers) {
    if (p.switch !== undefined && p.switch !== side.switch) continue
    for (const n of p.neighbors) {
      if (!isSwitchNeighbor(n) || n.systemName === undefined) continue
      const name = deviceName(n.systemName)
      const key = name.toLowerCase()
      const seen = out.get(key)
      if (seen !== undefined && !(seen.neighbor.protocol === 'cdp' && n.protocol === 'lldp')) continue
      const vlans = side.vlans.length === 0 ? p.vlans : p.vlans.filter((v) => side.vlans.includes(v))
      out.set(key, {switch: side.switch, port: p.port, neighbor: n, name, vlans})
    }
  }
  return [...out.values()]
}
