/**
 * The verdict of `netops loop trace` (issue 13), a pure join of the switch's view of a port and the
 * node's bridges: which node NIC faces which switch port (links, each with its evidence), whether two
 * or more ports of one OVS bridge face the same layer-2 domain, and what to do about it.
 *
 *   traceVerdict(switchSide, nodeSide, {nodeNames, switchMacs}) → {links, bridge, verdict, evidence, plan}
 *   drawPath(result, switchSide)  → `sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw1 Gi1/0/20 (VLAN 10)`
 */
import {longName, sameInterface, shortName} from '../platforms/interface-names.js'
import {deviceName, sameHost} from './identify.js'
import {normalizeMac} from './node-facts.js'
import type {Link, Neighbor, NodeBridge, NodeNic, NodeSide, SwitchSide, Verdict} from './types.js'

export interface TraceOptions {
  /** Other names the node goes by (ssh alias, FQDN, LLDP system name): matched against switch neighbours. */
  nodeNames?: string[]
  /** Other names of the traced switch (its hostname when `switch` is an ssh alias). */
  switchNames?: string[]
  /** The switch's own MACs (chassis / port MACs): seen in the node's fdb = a path back to the switch. */
  switchMacs?: string[]
  /** The node could not be read: why (the verdict is `unknown`). */
  nodeError?: string
  /** Flags the plan's commands carry to reach the node (`--host node1 --sudo`) and the switch (`--host sw1`). */
  nodeFlags?: string
  switchFlags?: string
}

interface TraceBridge {
  name: string
  stp: boolean
  rstp: boolean
  ports: NodeBridge['ports']
}

export interface TraceResult {
  links: Link[]
  bridge: TraceBridge | null
  verdict: Verdict
  evidence: string[]
  plan: {node: string[]; switch: string[]}
}

/** One switch port as the switch side knows it: the traced one and its peers. */
type SwitchPort = Pick<SwitchSide, 'switch' | 'port' | 'vlans' | 'macs' | 'neighbors' | 'description'>

const lc = (s: string): string => s.trim().toLowerCase()
/** A switch's key in the layer-2 domain: its name without the serial a CDP Device ID may carry (`sw2(FDO21120U5D)` → `sw2`). */
const dkey = (s: string): string => lc(deviceName(s))

function portsOf(sw: SwitchSide): SwitchPort[] {
  return [
    {
      switch: sw.switch,
      port: sw.port,
      vlans: sw.vlans,
      macs: sw.macs,
      neighbors: sw.neighbors,
      ...(sw.description === undefined ? {} : {description: sw.description}),
    },
    ...sw.peers.map((p) => ({switch: sw.switch, ...p})),
  ]
}

const vlanText = (vlans: number[]): string => (vlans.length === 0 ? '' : ` (VLAN ${vlans.join(',')})`)

/** A port id naming a NIC: its name, or its MAC. */
function portIdIsNic(n: Neighbor, nic: NodeNic): boolean {
  const id = n.portId ?? ''
  return id === nic.name || normalizeMac(id) === nic.mac || n.portDescription === nic.name
}

class Builder {
  readonly links: Link[] = []
  add(l: Omit<Link, 'evidence'>, why: string): void {
    const found = this.links.find((x) => x.nic === l.nic && x.switch === l.switch && sameInterface(x.switchPort, l.switchPort))
    if (found === undefined) this.links.push({...l, evidence: [why]})
    else if (!found.evidence.includes(why)) found.evidence.push(why)
  }
  has(nic: string): boolean {
    return this.links.some((l) => l.nic === nic)
  }
}

/** (a) The switch's LLDP/CDP neighbour on a port names the node and one of its NICs. */
function linksFromSwitchNeighbors(ports: SwitchPort[], node: NodeSide, names: string[], b: Builder): void {
  const nodeMacs = new Set(node.nics.map((n) => n.mac))
  for (const p of ports) {
    for (const n of p.neighbors) {
      const namesNode =
        (n.systemName !== undefined && names.some((x) => sameHost(x, n.systemName ?? ''))) ||
        (n.chassisId !== undefined && nodeMacs.has(n.chassisId))
      for (const nic of node.nics) {
        const byMac = normalizeMac(n.portId) === nic.mac
        if (!byMac && !(namesNode && portIdIsNic(n, nic))) continue
        const who = n.systemName ?? n.chassisId ?? 'the neighbour'
        b.add(
          {switch: p.switch, switchPort: p.port, nic: nic.name, ...(nic.bridge === undefined ? {} : {bridge: nic.bridge}), mac: nic.mac},
          `${n.protocol.toUpperCase()} on ${p.switch} ${shortName(p.port)}: ${who} port ${n.portId ?? n.portDescription ?? '?'}`,
        )
      }
    }
  }
}

/** Switches seen in the traced switch's VLANs: the traced one, and LLDP/CDP neighbours on its ports that are not the node. */
function switchesInDomain(sw: SwitchSide, ports: SwitchPort[], node: NodeSide, names: string[]): Map<string, string> {
  const out = new Map<string, string>([[lc(sw.switch), `${sw.switch} (the traced switch)`]])
  const nodeMacs = new Set(node.nics.map((n) => n.mac))
  for (const p of ports) {
    for (const n of p.neighbors) {
      if (n.systemName === undefined) continue
      if (names.some((x) => sameHost(x, n.systemName ?? '')) || (n.chassisId !== undefined && nodeMacs.has(n.chassisId))) continue
      // the first sighting says why (LLDP and CDP on one port name the same switch)
      if (out.has(dkey(n.systemName))) continue
      out.set(
        dkey(n.systemName),
        `${n.systemName} is ${n.protocol.toUpperCase()} neighbour of ${p.switch} ${shortName(p.port)}${vlanText(p.vlans)}`,
      )
    }
  }
  return out
}

/** (b) The node's lldpctl neighbour on a NIC names a switch of the domain and its port. */
function linksFromNodeNeighbors(node: NodeSide, domain: Map<string, string>, switchNames: string[], sw: SwitchSide, b: Builder): void {
  for (const n of node.neighbors) {
    const nic = node.nics.find((x) => x.name === n.localPort)
    if (nic === undefined || n.systemName === undefined) continue
    const isTraced = switchNames.some((x) => sameHost(x, n.systemName ?? ''))
    const key = isTraced ? lc(sw.switch) : [...domain.keys()].find((k) => sameHost(k, n.systemName ?? ''))
    if (key === undefined) continue
    const port = n.portId !== undefined && normalizeMac(n.portId) === undefined ? n.portId : (n.portDescription ?? n.portId ?? '?')
    b.add(
      {
        switch: isTraced ? sw.switch : n.systemName,
        switchPort: longName(port),
        nic: nic.name,
        ...(nic.bridge === undefined ? {} : {bridge: nic.bridge}),
        mac: nic.mac,
      },
      `LLDP on ${node.node} ${nic.name}: ${n.systemName} port ${port}`,
    )
  }
}

/** (c) A NIC's MAC learned on exactly one switch port, which does not face another switch. */
function linksFromMacs(ports: SwitchPort[], node: NodeSide, domain: Map<string, string>, b: Builder): void {
  for (const nic of node.nics) {
    const seen = ports.filter((p) => p.macs.some((m) => m.mac === nic.mac))
    const direct = seen.filter((p) => !p.neighbors.some((n) => n.systemName !== undefined && domain.has(dkey(n.systemName))))
    if (direct.length !== 1) continue
    const p = direct[0] as SwitchPort
    const vlan = p.macs.find((m) => m.mac === nic.mac)?.vlan
    b.add(
      {switch: p.switch, switchPort: p.port, nic: nic.name, ...(nic.bridge === undefined ? {} : {bridge: nic.bridge}), mac: nic.mac},
      `${p.switch} ${shortName(p.port)} learned ${nic.name}'s MAC ${nic.mac}${vlan === undefined ? '' : ` in VLAN ${vlan}`}`,
    )
  }
}

/**
 * (c') A MAC learned on a switch port that the node's bridge has in its fdb on one of its own ports (a
 * VM, the bridge itself): the frames left through the bridge's NIC, which is known when the bridge has
 * one NIC only. A MAC the bridge has behind a NIC is NOT used here: a host anywhere in the switch's
 * VLAN looks the same (fdbEvidence uses it as domain evidence). Only for switch ports and NICs no
 * stronger evidence linked, and MACs seen on one switch port.
 */
function linksFromFdb(ports: SwitchPort[], node: NodeSide, domain: Map<string, string>, b: Builder): void {
  for (const p of ports) {
    if (b.links.some((l) => l.switch === p.switch && sameInterface(l.switchPort, p.port))) continue
    if (p.neighbors.some((n) => n.systemName !== undefined && domain.has(dkey(n.systemName)))) continue
    for (const m of p.macs) {
      if (ports.some((o) => o !== p && o.macs.some((x) => x.mac === m.mac))) continue
      const hit = node.bridges.flatMap((br) => br.fdb.filter((r) => r.mac === m.mac).map((r) => ({br, r})))[0]
      if (hit === undefined) continue
      const nics = node.nics.filter((n) => n.bridge === hit.br.name)
      if (nics.some((n) => ovsPortOf(n) === hit.r.port)) continue
      const nic = nics.length === 1 ? nics[0] : undefined
      if (nic === undefined || b.has(nic.name)) continue
      b.add(
        {switch: p.switch, switchPort: p.port, nic: nic.name, bridge: hit.br.name, mac: nic.mac},
        `${p.switch} ${shortName(p.port)} learned ${m.mac} in VLAN ${m.vlan}, which ${hit.br.name} has on its port ${hit.r.port} (${nic.name} is its only NIC)`,
      )
      break
    }
  }
}

/**
 * (e) The last resort, for a port where nothing is learned now (err-disabled, down): its
 * description names the node and one of its NICs (`description node1 eth0`). Only for ports no
 * other evidence linked, and NICs no other evidence linked.
 */
function linksFromDescription(ports: SwitchPort[], node: NodeSide, names: string[], b: Builder): void {
  for (const p of ports) {
    if (p.description === undefined || p.macs.length > 0 || p.neighbors.length > 0) continue
    if (b.links.some((l) => l.switch === p.switch && sameInterface(l.switchPort, p.port))) continue
    const words = p.description.split(/[\s,;:/()[\]]+/).filter((w) => w !== '')
    if (!words.some((w) => names.some((n) => sameHost(n, w)))) continue
    const nic = node.nics.find((n) => words.includes(n.name) && !b.has(n.name))
    if (nic === undefined) continue
    b.add(
      {switch: p.switch, switchPort: p.port, nic: nic.name, ...(nic.bridge === undefined ? {} : {bridge: nic.bridge}), mac: nic.mac},
      `the description of ${p.switch} ${shortName(p.port)} names ${nic.name} ("${p.description}"); nothing is learned on the port now`,
    )
  }
}

/**
 * Names the node goes by on the switches: a neighbour whose chassis id or port id is one of the
 * node's NIC MACs is the node, whatever system name it sends (`--node local` on a host lldpd calls node1).
 */
function namesHeard(ports: SwitchPort[], node: NodeSide): string[] {
  const macs = new Set(node.nics.map((n) => n.mac))
  const out: string[] = []
  for (const p of ports)
    for (const n of p.neighbors) {
      const byMac = (n.chassisId !== undefined && macs.has(n.chassisId)) || macs.has(normalizeMac(n.portId) ?? '')
      if (byMac && n.systemName !== undefined && !out.includes(n.systemName)) out.push(n.systemName)
    }
  return out
}

/** The OVS port of a NIC (the bond when it is a member). */
const ovsPortOf = (nic: NodeNic): string => nic.bond ?? nic.name

function portState(bridge: NodeBridge, ovsPort: string): {role?: string; state?: string} {
  return bridge.ports.find((p) => p.name === ovsPort) ?? {}
}

const BLOCKING_STATES = new Set(['blocking', 'discarding'])
const BLOCKING_ROLES = new Set(['alternate', 'backup'])

function stpText(b: TraceBridge | NodeBridge): string {
  return b.rstp ? 'RSTP on' : b.stp ? 'STP on' : 'STP off'
}

/** Join the switch's and the node's views into links, a verdict with its evidence, and the fix plan. */
export function traceVerdict(sw: SwitchSide, node: NodeSide | undefined, opts: TraceOptions = {}): TraceResult {
  const unknown = (evidence: string[], links: Link[] = [], bridge: TraceBridge | null = null): TraceResult => ({
    links,
    bridge,
    verdict: 'unknown',
    evidence,
    plan: {node: [], switch: []},
  })
  if (node === undefined || opts.nodeError !== undefined)
    return unknown([`the node could not be read: ${opts.nodeError ?? 'no node facts'}`])

  const ports = portsOf(sw)
  const names = [node.node, ...(opts.nodeNames ?? []), ...namesHeard(ports, node)].filter((n) => n !== 'local')
  const switchNames = [sw.switch, ...(opts.switchNames ?? [])]
  const domain = switchesInDomain(sw, ports, node, names)
  const b = new Builder()
  linksFromSwitchNeighbors(ports, node, names, b)
  linksFromNodeNeighbors(node, domain, switchNames, sw, b)
  linksFromMacs(ports, node, domain, b)
  linksFromFdb(ports, node, domain, b)
  linksFromDescription(ports, node, names, b)
  // the traced port's link first, the others in the order the evidence found them
  const traced = (l: Link): number => (l.switch === sw.switch && sameInterface(l.switchPort, sw.port) ? 0 : 1)
  const links = [...b.links].sort((x, y) => traced(x) - traced(y))

  const primary = links.find((l) => l.switch === sw.switch && sameInterface(l.switchPort, sw.port))
  if (primary === undefined) return unknown(missing(sw, node, links), links)

  const evidence: string[] = [`${sw.switch} ${shortName(sw.port)} faces ${node.node} ${primary.nic} (${primary.evidence.join('; ')})`]
  const primaryNic = node.nics.find((n) => n.name === primary.nic) as NodeNic
  const bridge = node.bridges.find((x) => x.name === primaryNic.bridge)
  if (bridge === undefined) {
    evidence.push(`${primary.nic} is in no OVS bridge: nothing on ${node.node} can send the frame back`)
    return {links, bridge: null, verdict: 'single-link', evidence, plan: singlePlan(sw, opts)}
  }
  const traceBridge: TraceBridge = {name: bridge.name, stp: bridge.stp, rstp: bridge.rstp, ports: bridge.ports}

  // The bridge's NICs that face the same layer-2 domain, with why.
  const facing = new Map<string, string>([[primary.nic, 'the traced port']])
  for (const l of links) {
    if (l.bridge !== bridge.name || facing.has(l.nic)) continue
    if (l.switch === sw.switch) {
      const peer = ports.find((p) => sameInterface(p.port, l.switchPort))
      const shared = peer === undefined ? [] : peer.vlans.filter((v) => sw.vlans.includes(v))
      if (peer !== undefined && (shared.length > 0 || sw.vlans.length === 0))
        facing.set(
          l.nic,
          `${l.nic} faces ${sw.switch} ${shortName(l.switchPort)}${vlanText(shared)}, the same VLAN as ${shortName(sw.port)}`,
        )
    } else if (domain.has(dkey(l.switch))) {
      facing.set(l.nic, `${l.nic} faces ${l.switch} ${shortName(l.switchPort)}; ${domain.get(dkey(l.switch)) ?? ''}`)
    }
  }
  fdbEvidence(bridge, node, sw, opts, facing, evidence)
  for (const [nic, why] of facing) {
    if (nic === primary.nic) continue
    if (node.nics.find((x) => x.name === nic)?.up === false) {
      evidence.push(`${why}, but ${nic} is down on ${node.node}: it forwards nothing now`)
      facing.delete(nic)
    } else evidence.push(why)
  }

  const facingNics = [...facing.keys()].map((n) => node.nics.find((x) => x.name === n) as NodeNic)
  const ovsPorts = [...new Set(facingNics.map(ovsPortOf))]

  if (ovsPorts.length === 1) {
    const bond = primaryNic.bond
    if (bond !== undefined && facingNics.length > 1) {
      evidence.push(`${facingNics.map((n) => n.name).join(' and ')} are members of the OVS bond ${bond} on ${bridge.name}: no loop`)
      return {links, bridge: traceBridge, verdict: 'bond', evidence, plan: singlePlan(sw, opts)}
    }
    evidence.push(`no other port of ${bridge.name} was seen facing the same layer-2 domain: one link, the keepalive test is fooled`)
    return {links, bridge: traceBridge, verdict: 'single-link', evidence, plan: singlePlan(sw, opts)}
  }

  const blocked = ovsPorts.filter((p) => {
    const s = portState(bridge, p)
    return (s.state !== undefined && BLOCKING_STATES.has(s.state)) || (s.role !== undefined && BLOCKING_ROLES.has(s.role))
  })
  if ((bridge.stp || bridge.rstp) && blocked.length > 0) {
    for (const p of blocked) {
      const s = portState(bridge, p)
      evidence.push(
        `${bridge.name} ${stpText(bridge)}: port ${p} is ${[s.role, s.state].filter((x) => x !== undefined).join(' ')}: no loop`,
      )
    }
    return {links, bridge: traceBridge, verdict: 'stp-blocked', evidence, plan: singlePlan(sw, opts)}
  }
  if (bridge.stp || bridge.rstp) {
    const states = ovsPorts.map((p) => `${p} ${portState(bridge, p).state ?? 'unknown'}`).join(', ')
    evidence.push(
      `${bridge.name} has ${stpText(bridge)} but blocks none of ${ovsPorts.join(', ')} (${states}): BPDUs may not come back (BPDU filter on the switch?)`,
    )
  } else evidence.push(`${bridge.name} has STP and RSTP off: ${ovsPorts.join(' and ')} forward into each other`)
  return {links, bridge: traceBridge, verdict: 'bridge-loop', evidence, plan: loopPlan(sw, bridge, facingNics, opts)}
}

/** (d) The node's fdb: the switch's own MACs, or MACs the switch learned, behind a second NIC. */
function fdbEvidence(
  bridge: NodeBridge,
  node: NodeSide,
  sw: SwitchSide,
  opts: TraceOptions,
  facing: Map<string, string>,
  evidence: string[],
): void {
  const switchMacs = new Set((opts.switchMacs ?? []).map((m) => normalizeMac(m)).filter((m) => m !== undefined))
  for (const n of node.neighbors) if (n.chassisId !== undefined && normalizeMac(n.chassisId) !== undefined) switchMacs.add(n.chassisId)
  const nicMacs = new Set(node.nics.map((n) => n.mac))
  const learned = new Map(portsOf(sw).flatMap((p) => p.macs.filter((m) => !nicMacs.has(m.mac)).map((m) => [m.mac, p] as const)))
  for (const nic of node.nics.filter((n) => n.bridge === bridge.name)) {
    const rows = bridge.fdb.filter((r) => r.port === ovsPortOf(nic))
    const own = rows.find((r) => switchMacs.has(r.mac))
    if (own !== undefined) {
      const why = `${bridge.name} learned the switch's MAC ${own.mac} on ${nic.name}: a path back to the switch`
      if (!facing.has(nic.name)) facing.set(nic.name, why)
      else evidence.push(why)
      continue
    }
    const host = rows.find((r) => learned.has(r.mac))
    if (host !== undefined && !facing.has(nic.name)) {
      const p = learned.get(host.mac) as SwitchPort
      facing.set(
        nic.name,
        `${bridge.name} learned ${host.mac} on ${nic.name}; ${sw.switch} learned it on ${shortName(p.port)}${vlanText(p.vlans)}`,
      )
    }
  }
}

function missing(sw: SwitchSide, node: NodeSide, links: Link[]): string[] {
  const out: string[] = [`no NIC of ${node.node} could be tied to ${sw.switch} ${shortName(sw.port)}`]
  if (node.nics.length === 0) out.push(`${node.node} has no Ethernet NICs (ip -j link)`)
  if (sw.neighbors.length === 0) out.push(`${sw.switch} ${shortName(sw.port)} has no LLDP/CDP neighbour`)
  else
    out.push(
      `the LLDP/CDP neighbour on ${shortName(sw.port)} (${sw.neighbors.map((n) => n.systemName ?? n.chassisId ?? '?').join(', ')}) does not name ${node.node} or its NICs`,
    )
  if (!node.lldp) out.push(`lldpd does not run on ${node.node}: its side of LLDP could not be seen`)
  else if (!node.neighbors.some((n) => n.systemName !== undefined && sameHost(n.systemName, sw.switch)))
    out.push(`${node.node}'s LLDP neighbours do not include ${sw.switch}`)
  if (sw.macs.length === 0) out.push(`no MAC address learned on ${shortName(sw.port)}`)
  else
    out.push(
      `none of the ${sw.macs.length} MACs learned on ${shortName(sw.port)} is a NIC MAC of ${node.node} (${node.nics.map((n) => `${n.name} ${n.mac}`).join(', ')})`,
    )
  if (links.length > 0)
    out.push(`links seen elsewhere: ${links.map((l) => `${l.nic} ── ${l.switch} ${shortName(l.switchPort)}`).join(', ')}`)
  return out
}

const flags = (f: string | undefined): string => (f === undefined || f === '' ? '' : ` ${f}`)

function fixLoopLine(sw: SwitchSide, opts: TraceOptions): string {
  return `netops switch fix-loop${flags(opts.switchFlags ?? `--host ${sw.switch}`)} --port ${shortName(sw.port)}`
}

function singlePlan(sw: SwitchSide, opts: TraceOptions): {node: string[]; switch: string[]} {
  return {node: [], switch: [fixLoopLine(sw, opts)]}
}

function loopPlan(sw: SwitchSide, bridge: NodeBridge, nics: NodeNic[], opts: TraceOptions): {node: string[]; switch: string[]} {
  const others = nics.slice(1).map((n) => n.name)
  return {
    node: [
      `netops ovs stp on ${bridge.name}${flags(opts.nodeFlags)}`,
      `or, when STP is not wanted on ${bridge.name}: bond ${nics.map((n) => n.name).join(' and ')} into one OVS bond port, or remove ${others.join(', ')} from ${bridge.name}`,
    ],
    switch: [fixLoopLine(sw, opts)],
  }
}

/**
 * The path in text, short interface names: `sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw1 Gi1/0/20 (VLAN 10)`.
 * One line per bridge crossing; a single link draws `sw1 Gi1/0/19 ── eth0 [br0, STP off]`.
 */
export function drawPath(result: TraceResult, sw: SwitchSide): string {
  const first = result.links.find((l) => l.switch === sw.switch && sameInterface(l.switchPort, sw.port))
  if (first === undefined) return `${sw.switch} ${shortName(sw.port)} ── ?`
  const br = result.bridge
  const bond = br?.ports.find((p) => p.bond && p.interfaces.includes(first.nic))
  const box = br === null ? '' : ` [${br.name}${bond === undefined ? '' : ` ${bond.name}`}, ${stpText(br)}${blockedNote(br)}]`
  const head = `${sw.switch} ${shortName(sw.port)} ── ${first.nic}${box}`
  const vlanOf = (l: Link): number[] =>
    l.switch === sw.switch ? (portsOf(sw).find((p) => sameInterface(p.port, l.switchPort))?.vlans ?? []) : []
  const back =
    result.verdict === 'single-link' || result.verdict === 'unknown'
      ? []
      : result.links.filter((l) => l !== first && l.bridge === first.bridge)
  if (back.length === 0) return `${head}${vlanText(sw.vlans)}`
  return back
    .map((l) => `${head} ${l.nic} ── ${l.switch} ${shortName(l.switchPort)}${vlanText(vlanOf(l).length > 0 ? vlanOf(l) : sw.vlans)}`)
    .join('\n')
}

function blockedNote(br: TraceBridge): string {
  const blocked = br.ports.filter(
    (p) => (p.state !== undefined && BLOCKING_STATES.has(p.state)) || (p.role !== undefined && BLOCKING_ROLES.has(p.role)),
  )
  return blocked.length === 0 ? '' : `, ${blocked.map((p) => `${p.name} ${p.state ?? p.role ?? ''}`).join(', ')}`
}
