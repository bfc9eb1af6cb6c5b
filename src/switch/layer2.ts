/**
 * The layer-2 reads of `netops loop trace` (issue 13) on one switch, read-only: the whole MAC
 * address table, the whole LLDP and CDP neighbour tables (one read each, not one per port), the
 * VLAN table and the switchport settings of the ports that matter; then a pure join
 * (switchSideOf) into the SwitchSide the verdict reads: the traced port, its VLANs, and the other
 * up ports of those VLANs (peers) with the MACs and neighbours seen on them.
 *
 *   session → platform commands (src/platforms) → parsers (src/parsers) → here
 *
 * A device that answers `% LLDP is not enabled` / `% CDP is not enabled` (or rejects the command:
 * NX-OS without `feature lldp`) has no neighbours of that protocol, and a note says so.
 */
import type {MacEntry, Neighbor, SwitchSide} from '../loop/types.js'
import type {InterfaceStatusRow} from '../parsers/interfaces-status.js'
import {parseMacAddressTable} from '../parsers/mac-address-table.js'
import {parseCdpNeighborsDetail, parseLldpNeighborsDetail} from '../parsers/neighbors.js'
import {parseSwitchport, vlanListIncludes, type SwitchportRow} from '../parsers/switchport.js'
import {parseVlanBrief, type VlanBriefRow} from '../parsers/vlan-brief.js'
import {sameInterface} from '../platforms/interface-names.js'
import type {SwitchDevice} from './device.js'

/** Everything read from one switch for a trace. */
export interface Layer2Facts {
  /** `show interfaces status`. */
  ports: InterfaceStatusRow[]
  vlans: VlanBriefRow[]
  /** Switchport settings of the ports read (the traced one and the up trunks). */
  switchports: SwitchportRow[]
  macs: MacEntry[]
  neighbors: Neighbor[]
  /** What could not be seen and why (`LLDP is not enabled on sw1`). */
  notes: string[]
}

/** `% LLDP is not enabled`, `% CDP is not enabled` (IOS, IOS-XE; NX-OS `CDP is not enabled`). */
const NOT_ENABLED_RE = /^\s*%?\s*(LLDP|CDP) is not enabled/im

/** A neighbour table's output → neighbours, or none with a note when the protocol is off or the command is refused. */
export function neighborsOf(
  protocol: 'lldp' | 'cdp',
  result: {command: string; output: string; failed: string | null},
  switchName: string,
  nxos: boolean,
): {neighbors: Neighbor[]; note?: string} {
  const name = protocol.toUpperCase()
  if (NOT_ENABLED_RE.test(result.output)) return {neighbors: [], note: `${name} is not enabled on ${switchName}: no ${name} neighbours`}
  if (result.failed !== null) {
    return {
      neighbors: [],
      note: `${switchName} refused \`${result.command}\` (${result.failed.trim()}): no ${name} neighbours${nxos && protocol === 'lldp' ? ' (feature lldp off?)' : ''}`,
    }
  }
  const options = nxos ? {platform: 'nxos' as const} : {}
  const neighbors = protocol === 'lldp' ? parseLldpNeighborsDetail(result.output, options) : parseCdpNeighborsDetail(result.output, options)
  return {neighbors}
}

/** True when the status row says the port is up. */
function isUp(row: InterfaceStatusRow): boolean {
  return row.status === 'connected' || row.status === 'up'
}

/**
 * Read a switch's layer-2 tables: MAC table, LLDP, CDP, VLANs, and the switchport settings of
 * `port` (long name) and of the up trunk ports. `readPort` (or `resolvePort`) has already read the status table.
 */
export async function readLayer2(device: SwitchDevice, port: string | null): Promise<Layer2Facts> {
  const c = device.platform.commands
  const nxos = device.platform.name === 'nxos'
  const options = nxos ? {platform: 'nxos' as const} : {}
  const ports = await device.statusRows()
  const send = (command: string) => device.session.send(command, {check: false})
  const notes: string[] = []

  const vlanOut = await send(c.vlanBrief)
  const vlans = vlanOut.failed === null ? parseVlanBrief(vlanOut.output, options) : []
  if (vlanOut.failed !== null) notes.push(`${device.name} refused \`${c.vlanBrief}\`: VLANs read from the status table only`)

  const switchports: SwitchportRow[] = []
  const wanted = ports.filter((r) => (port !== null && sameInterface(r.interface, port)) || (isUp(r) && r.vlan === 'trunk'))
  for (const r of wanted) {
    const out = await send(c.switchport(r.interface))
    if (out.failed === null) switchports.push(...parseSwitchport(out.output, options))
  }

  const macOut = await send(c.macAddressTable())
  const macs = macOut.failed === null ? parseMacAddressTable(macOut.output, options) : []
  if (macOut.failed !== null) notes.push(`${device.name} refused \`${macOut.command}\` (${macOut.failed.trim()}): no MAC addresses seen`)

  const neighbors: Neighbor[] = []
  for (const protocol of ['lldp', 'cdp'] as const) {
    const command = protocol === 'lldp' ? c.lldpNeighborsDetail() : c.cdpNeighborsDetail()
    const r = neighborsOf(protocol, await send(command), device.name, nxos)
    neighbors.push(...r.neighbors)
    if (r.note !== undefined) notes.push(r.note)
  }
  return {ports, vlans, switchports, macs, neighbors, notes}
}

/** VLANs that exist and carry traffic (not the 1002-1005 `act/unsup` ones). */
function activeVlans(facts: Layer2Facts): number[] {
  return facts.vlans.filter((v) => v.status === 'active').map((v) => v.vlan)
}

/** The VLANs a port carries: its access VLAN, or the active VLANs its trunk allows; [] when unknown. */
function vlansOfPort(facts: Layer2Facts, port: string): number[] {
  const sp = facts.switchports.find((s) => sameInterface(s.interface, port))
  const row = facts.ports.find((r) => sameInterface(r.interface, port))
  const trunk = sp !== undefined ? /trunk/i.test(sp.operationalMode || sp.adminMode) : row?.vlan === 'trunk'
  if (trunk) {
    const allowed = sp?.trunkVlans ?? ''
    const known = activeVlans(facts)
    if (allowed === '') return known
    return known.filter((v) => vlanListIncludes(allowed, v))
  }
  if (sp?.accessVlan !== undefined && sp.accessVlan !== null) return [sp.accessVlan]
  if (row !== undefined && /^\d+$/.test(row.vlan)) return [Number(row.vlan)]
  const member = facts.vlans.find((v) => v.ports.some((p) => sameInterface(p, port)))
  return member === undefined ? [] : [member.vlan]
}

type Peer = SwitchSide['peers'][number]

const onPort = <T extends {port: string} | {localPort: string}>(list: T[], port: string): T[] =>
  list.filter((x) => sameInterface('port' in x ? x.port : x.localPort, port))

/**
 * The SwitchSide of `port` (long name): its VLANs (or `vlans` when given: the VLANs a trunk
 * shares with the traced switch), MACs and neighbours; peers = the other UP ports carrying any of
 * those VLANs, each with its own. `except` leaves ports out (the uplink back to the traced switch).
 */
export function switchSideOf(name: string, facts: Layer2Facts, port: string, opts: {vlans?: number[]; except?: string[]} = {}): SwitchSide {
  const vlans = opts.vlans ?? vlansOfPort(facts, port)
  const peers: Peer[] = []
  for (const row of facts.ports) {
    if (sameInterface(row.interface, port) || !isUp(row)) continue
    if ((opts.except ?? []).some((e) => sameInterface(e, row.interface))) continue
    const own = vlansOfPort(facts, row.interface)
    const shared = vlans.length === 0 ? own : own.filter((v) => vlans.includes(v))
    if (shared.length === 0) continue
    peers.push({
      port: row.interface,
      vlans: own,
      macs: onPort(facts.macs, row.interface),
      neighbors: onPort(facts.neighbors, row.interface),
      ...(row.name === '' ? {} : {description: row.name}),
    })
  }
  const description = facts.ports.find((r) => sameInterface(r.interface, port))?.name ?? ''
  return {
    switch: name,
    port,
    vlans,
    macs: onPort(facts.macs, port),
    neighbors: onPort(facts.neighbors, port),
    ...(description === '' ? {} : {description}),
    peers,
  }
}
