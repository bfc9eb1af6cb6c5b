/**
 * The node side of `netops loop trace` (issue 13): a node's NICs, its OVS bridges (STP/RSTP, port
 * roles and states, bonds), each bridge's forwarding table and, when lldpd runs, its LLDP neighbours.
 * Read through an OVS Executor (local or over SSH, with --sudo). The parsers are pure functions over
 * the commands' text so they test on captured output; readNodeFacts() runs the commands:
 *
 *   ip -j link                                    → parseIpLink
 *   ovs-vsctl --format=json -- list Bridge/Port/Interface (one transaction) → parseOvsTopology
 *   ovs-appctl stp/show | rstp/show               → parseStpShow (only for roles/states ovsdb lacks)
 *   ovs-appctl fdb/show BR                        → parseFdbShow (port numbers → names via Interface.ofport)
 *   lldpctl -f json                               → parseLldpctlJson (absent/not running: lldp false)
 */
import {normalizeMac as toMac} from '../util/mac.js'
import {ExecError, type Executor} from '../ovs/executor.js'
import {bool, map, parseTables, set, str, type OvsdbAtom} from '../ovs/ovsdb-json.js'
import {parseStpShow} from '../ovs/stp-show.js'
import {classifyFailure, listTablesArgs, Vsctl, type VsctlOptions} from '../ovs/vsctl.js'
import type {Neighbor, NodeBridge, NodeNic, NodeSide} from './types.js'

/** Lower-case, colon-separated; anything that is not a 48-bit MAC gives undefined. */
export function normalizeMac(s: string | undefined): string | undefined {
  return s === undefined ? undefined : toMac(s)
}

/* ------------------------------------------------------------------ ip -j link ---------- */

export interface IpLink {
  name: string
  mac: string
  up: boolean
  /** `ether`, `loopback`, ... as iproute2 says. */
  linkType: string
}

/** `ip -j link`: every link with a MAC (loopback and tunnels without one are left out). */
export function parseIpLink(text: string): IpLink[] {
  const doc: unknown = JSON.parse(text)
  if (!Array.isArray(doc)) throw new TypeError('ip -j link did not print a JSON array')
  const out: IpLink[] = []
  for (const raw of doc as Array<Record<string, unknown>>) {
    const name = typeof raw['ifname'] === 'string' ? raw['ifname'] : undefined
    const mac = normalizeMac(typeof raw['address'] === 'string' ? raw['address'] : undefined)
    const linkType = typeof raw['link_type'] === 'string' ? raw['link_type'] : ''
    if (name === undefined || mac === undefined || linkType !== 'ether') continue
    const flags = Array.isArray(raw['flags']) ? raw['flags'].map(String) : []
    out.push({name, mac, up: flags.includes('UP') && flags.includes('LOWER_UP'), linkType})
  }
  return out
}

/* ------------------------------------------------------------------ ovs-vsctl ----------- */

const BRIDGE_COLUMNS = ['name', 'stp_enable', 'rstp_enable', 'ports']
const PORT_COLUMNS = ['_uuid', 'name', 'interfaces', 'bond_mode', 'status', 'rstp_status']
const INTERFACE_COLUMNS = ['_uuid', 'name', 'type', 'ofport', 'mac_in_use']

/** The ovs-vsctl arguments parseOvsTopology reads (after `ovs-vsctl --timeout=N [--db=...]`). */
function ovsTopologyArgs(): string[] {
  return listTablesArgs([
    ['Bridge', BRIDGE_COLUMNS],
    ['Port', PORT_COLUMNS],
    ['Interface', INTERFACE_COLUMNS],
  ])
}

export interface OvsInterfaceFact {
  name: string
  type: string
  /** OpenFlow port number (what fdb/show prints); null when OVS has not assigned one. */
  ofport: number | null
  mac?: string
  bridge: string
  port: string
}

export interface OvsTopology {
  /** Bridges sorted by name, ports sorted by name, `fdb` still empty. */
  bridges: NodeBridge[]
  interfaces: OvsInterfaceFact[]
}

/** The three tables of ovsTopologyArgs() → bridges with their ports (bond, STP/RSTP role/state) and interfaces. */
export function parseOvsTopology(text: string): OvsTopology {
  const [b, p, i] = parseTables(text)
  if (b === undefined || p === undefined || i === undefined) throw new TypeError('ovs-vsctl printed fewer than 3 tables')
  const ifaces = new Map(
    i.rows.map((r) => {
      const ofport = set(r.ofport)[0]
      const mac = normalizeMac(set(r.mac_in_use).map(String)[0])
      const row = {name: str(r.name), type: str(r.type), ofport: typeof ofport === 'number' && ofport >= 0 ? ofport : null, mac}
      return [str(r._uuid), row] as const
    }),
  )
  const ports = new Map(p.rows.map((r) => [str(r._uuid), r]))
  const bridges: NodeBridge[] = []
  const interfaces: OvsInterfaceFact[] = []
  for (const br of b.rows) {
    const name = str(br.name)
    const stp = bool(br.stp_enable)
    const rstp = bool(br.rstp_enable)
    const nodePorts: NodeBridge['ports'] = []
    for (const uuid of set(br.ports).map(String)) {
      const pr = ports.get(uuid)
      if (pr === undefined) continue
      const portName = str(pr.name)
      const members = set(pr.interfaces)
        .map((u) => ifaces.get(String(u)))
        .filter((x) => x !== undefined)
      const ifNames = members.map((m) => m.name).sort()
      for (const {mac, ...m} of members) interfaces.push({...m, ...(mac === undefined ? {} : {mac}), bridge: name, port: portName})
      const port: NodeBridge['ports'][number] = {name: portName, interfaces: ifNames, bond: ifNames.length > 1 || str(pr.bond_mode) !== ''}
      const roleState = rstp ? rstpRoleState(map(pr.rstp_status)) : stp ? stpRoleState(map(pr.status)) : {}
      if (roleState.role !== undefined) port.role = roleState.role
      if (roleState.state !== undefined) port.state = roleState.state
      nodePorts.push(port)
    }
    nodePorts.sort((x, y) => x.name.localeCompare(y.name))
    bridges.push({name, stp, rstp, ports: nodePorts, fdb: []})
  }
  bridges.sort((x, y) => x.name.localeCompare(y.name))
  interfaces.sort((x, y) => x.name.localeCompare(y.name))
  return {bridges, interfaces}
}

function stpRoleState(status: Record<string, OvsdbAtom>): {role?: string; state?: string} {
  const out: {role?: string; state?: string} = {}
  if (status['stp_role'] !== undefined) out.role = String(status['stp_role']).toLowerCase()
  if (status['stp_state'] !== undefined) out.state = String(status['stp_state']).toLowerCase()
  return out
}

function rstpRoleState(status: Record<string, OvsdbAtom>): {role?: string; state?: string} {
  const out: {role?: string; state?: string} = {}
  if (status['rstp_port_role'] !== undefined) out.role = String(status['rstp_port_role']).toLowerCase()
  if (status['rstp_port_state'] !== undefined) out.state = String(status['rstp_port_state']).toLowerCase()
  return out
}

/** Fill roles/states ovsdb did not have (ovs-vswitchd not yet written back) from stp/show or rstp/show text. */
export function fillRolesFromShow(bridge: NodeBridge, showText: string): void {
  const shown = parseStpShow(showText).find((s) => s.bridge === bridge.name)
  if (shown === undefined) return
  for (const port of bridge.ports) {
    const row = shown.ports.find((x) => x.name === port.name)
    if (row === undefined) continue
    port.role ??= row.role
    port.state ??= row.state
  }
}

/* ------------------------------------------------------------------ fdb/show ------------ */

export interface FdbRow {
  /** OpenFlow port number as printed, or `LOCAL`. */
  port: string
  vlan: number
  mac: string
  /** Seconds, or `static`. */
  age: string
}

/** `ovs-appctl fdb/show BR`: ` port  VLAN  MAC                Age` rows. */
export function parseFdbShow(text: string): FdbRow[] {
  const out: FdbRow[] = []
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const m = /^\s*(\S+)\s+(\d+)\s+([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s+(\S+)\s*$/.exec(line)
    if (m === null) continue
    const [, port = '', vlan = '0', mac = '', age = ''] = m
    out.push({port, vlan: Number.parseInt(vlan, 10), mac: mac.toLowerCase(), age})
  }
  return out
}

/** fdb rows with port numbers replaced by OVS port names (LOCAL → the bridge's own port); unknown numbers are kept as printed. */
export function fdbToPortNames(rows: FdbRow[], bridge: string, interfaces: OvsInterfaceFact[]): NodeBridge['fdb'] {
  const byOfport = new Map(interfaces.filter((i) => i.bridge === bridge && i.ofport !== null).map((i) => [String(i.ofport), i.port]))
  return rows.map((r) => ({port: r.port === 'LOCAL' ? bridge : (byOfport.get(r.port) ?? r.port), vlan: r.vlan, mac: r.mac}))
}

/* ------------------------------------------------------------------ lldpctl ------------- */

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v])

/** A value lldpctl prints as a string, or (json0) as [{"value": "..."}], or as an object with "value". */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  const first = asList(v)[0]
  if (isObj(first) && typeof first['value'] === 'string') return first['value']
  if (typeof first === 'string') return first
  return undefined
}

function idOf(v: unknown): {type?: string; value?: string} {
  const first = asList(v)[0]
  if (!isObj(first)) return typeof first === 'string' ? {value: first} : {}
  const out: {type?: string; value?: string} = {}
  if (typeof first['type'] === 'string') out.type = first['type']
  const value = text(first['value'] ?? first)
  if (value !== undefined) out.value = value
  return out
}

/**
 * `lldpctl -f json` (= `show neighbors`): {"lldp": {"interface": ...}} where "interface" is an object
 * keyed by interface name when there is one neighbour, an ARRAY of such one-key objects when there are
 * several, and each interface's "chassis" is an object keyed by the system name (or the bare chassis
 * when the neighbour sends none). `-f json0` (arrays everywhere, "name" fields) is read too.
 */
export function parseLldpctlJson(textIn: string): Neighbor[] {
  const doc: unknown = JSON.parse(textIn)
  if (!isObj(doc)) return []
  const out: Neighbor[] = []
  for (const lldp of asList(doc['lldp'])) {
    if (!isObj(lldp)) continue
    for (const entry of asList(lldp['interface'])) {
      if (!isObj(entry)) continue
      // json0: {"name": "eth0", ...}; json: {"eth0": {...}}
      const pairs: Array<[string, Json]> =
        typeof entry['name'] === 'string' ? [[entry['name'], entry]] : Object.entries(entry).filter((e): e is [string, Json] => isObj(e[1]))
      for (const [ifname, iface] of pairs) out.push(neighborOf(ifname, iface))
    }
  }
  return out
}

function neighborOf(localPort: string, iface: Json): Neighbor {
  const n: Neighbor = {protocol: 'lldp', localPort, managementAddresses: []}
  let chassis: Json | undefined
  let systemName: string | undefined
  for (const c of asList(iface['chassis'])) {
    if (!isObj(c)) continue
    if ('id' in c || 'descr' in c || 'mgmt-ip' in c) {
      chassis = c
      systemName = text(c['name'])
    } else {
      const [key, inner] = Object.entries(c).find((e) => isObj(e[1])) ?? []
      if (key !== undefined && isObj(inner)) {
        chassis = inner
        systemName = key
      }
    }
    break
  }
  if (systemName !== undefined) n.systemName = systemName
  if (chassis !== undefined) {
    const id = idOf(chassis['id'])
    if (id.value !== undefined) n.chassisId = id.type === 'mac' ? (normalizeMac(id.value) ?? id.value) : id.value
    for (const a of asList(chassis['mgmt-ip'])) {
      const t = text(a)
      if (t !== undefined) n.managementAddresses.push(t)
    }
    const descr = text(chassis['descr'])
    if (descr !== undefined) n.platform = descr.split('\n')[0] ?? descr
  }
  const port = asList(iface['port'])[0]
  if (isObj(port)) {
    const id = idOf(port['id'])
    if (id.value !== undefined) n.portId = id.type === 'mac' ? (normalizeMac(id.value) ?? id.value) : id.value
    const descr = text(port['descr'])
    if (descr !== undefined) n.portDescription = descr
  }
  return n
}

/* ------------------------------------------------------------------ the reader ---------- */

export interface NodeFactsOptions extends VsctlOptions {
  /** The node's label for NodeSide.node (default: the executor's `where`). */
  node?: string
}

/** Read every node-side fact through `exec`. Throws the ovs layer's typed errors when ip/ovs-vsctl fail. */
export async function readNodeFacts(exec: Executor, opts: NodeFactsOptions = {}): Promise<NodeSide> {
  const vsctl = new Vsctl(exec, opts)
  const timeoutMs = ((opts.timeoutSec ?? 5) + 10) * 1000
  const links = await readIpLinks(exec, timeoutMs)
  const topo = await readTopology(vsctl, timeoutMs)
  await fillRoles(vsctl, topo.bridges)
  for (const br of topo.bridges) {
    const res = await exec.run(vsctl.appctlArgv(['fdb/show', br.name]), {timeoutMs})
    // ovs-vswitchd down: no forwarding table, the rest still stands.
    if (res.exitCode === 0) br.fdb = fdbToPortNames(parseFdbShow(res.stdout), br.name, topo.interfaces)
  }
  const lldp = await readLldp(exec, timeoutMs)
  return {node: opts.node ?? exec.where, nics: nicsOf(links, topo), bridges: topo.bridges, neighbors: lldp.neighbors, lldp: lldp.running}
}

async function readIpLinks(exec: Executor, timeoutMs: number): Promise<IpLink[]> {
  const res = await exec.run(['ip', '-j', 'link'], {timeoutMs})
  if (res.exitCode !== 0)
    throw new ExecError(`ip -j link failed on ${exec.where}: ${res.stderr.trim() || `exit status ${res.exitCode}`}`, res)
  return parseIpLink(res.stdout)
}

async function readTopology(vsctl: Vsctl, timeoutMs: number): Promise<OvsTopology> {
  const res = await vsctl.exec.run(vsctl.vsctlArgv(ovsTopologyArgs()), {timeoutMs})
  if (res.exitCode !== 0) throw classifyFailure(res, {where: vsctl.where})
  return parseOvsTopology(res.stdout)
}

async function fillRoles(vsctl: Vsctl, bridges: NodeBridge[]): Promise<void> {
  const missing = (b: NodeBridge): boolean => (b.stp || b.rstp) && b.ports.some((p) => p.role === undefined && p.name !== b.name)
  for (const kind of ['stp', 'rstp'] as const) {
    const wanted = bridges.filter((b) => missing(b) && (kind === 'rstp' ? b.rstp : !b.rstp))
    if (wanted.length === 0) continue
    const r = await vsctl.show(kind)
    if (r.ok) for (const b of wanted) fillRolesFromShow(b, r.text)
  }
}

async function readLldp(exec: Executor, timeoutMs: number): Promise<{running: boolean; neighbors: Neighbor[]}> {
  const res = await exec.run(['lldpctl', '-f', 'json'], {timeoutMs})
  // Not installed (127) or lldpd not running (lldpctl cannot reach its socket): no LLDP, not an error.
  if (res.exitCode !== 0) return {running: false, neighbors: []}
  try {
    return {running: true, neighbors: parseLldpctlJson(res.stdout)}
  } catch {
    return {running: false, neighbors: []}
  }
}

/** NICs: ether links that are not OVS internal ports, with the bridge (and bond) holding them. */
export function nicsOf(links: IpLink[], topo: OvsTopology): NodeNic[] {
  const byName = new Map(topo.interfaces.map((i) => [i.name, i]))
  const bridgeOf = new Map(topo.bridges.flatMap((b) => b.ports.map((p) => [p.name, p] as const)))
  const nics: NodeNic[] = []
  for (const l of links) {
    const ovs = byName.get(l.name)
    if (ovs !== undefined && ovs.type !== '' && ovs.type !== 'system') continue
    if (l.name === 'ovs-system' || l.name === 'ovs-netdev') continue
    const nic: NodeNic = {name: l.name, mac: l.mac, up: l.up}
    if (ovs !== undefined) {
      nic.bridge = ovs.bridge
      if (bridgeOf.get(ovs.port)?.bond === true) nic.bond = ovs.port
    }
    nics.push(nic)
  }
  return nics.sort((a, b) => a.name.localeCompare(b.name))
}
