/**
 * `netops loop trace` (issue 13), read-only: follow a switch port into the node's OVS bridge and
 * back, and say whether the frame that came back went through a loop on the node.
 *
 *   traceLoop(io, opts)
 *     1. the traced switch: the port's facts (as `switch diagnose` reads them) and the layer-2
 *        tables (src/switch/layer2.ts) → SwitchSide: the port, its VLANs, the other up ports in them
 *     2. one hop further: a switch heard by LLDP/CDP on an up port of the VLAN is opened (its
 *        system name through ~/.ssh/config when a Host entry names it, else its management
 *        address) and its up ports in the shared VLANs join the SwitchSide as peers of that switch
 *     3. the node: --node, else the LLDP/CDP neighbour on the port (or on its VLAN peers)
 *     4. the node's facts (src/loop/node-facts.ts) and the verdict (src/loop/verdict.ts)
 *
 * What cannot be read is evidence, not a failure: a second switch that does not answer, a node
 * that cannot be reached (verdict `unknown`, nodeError). Only the traced switch must answer.
 * Never sends configuration. The IO (opening switches and the node, ~/.ssh/config lookups) comes
 * from the caller: the command builds it from its flags, tests from lab switches and fake executors.
 */
import {isIP} from 'node:net'
import {InterruptedError} from '../errors.js'
import type {Executor} from '../ovs/executor.js'
import type {VsctlOptions} from '../ovs/vsctl.js'
import {matchPort, shortName} from '../platforms/interface-names.js'
import {quoteArg} from '../ssh/quote.js'
import type {SwitchDevice} from '../switch/device.js'
import {readLayer2, switchSideOf} from '../switch/layer2.js'
import type {PortFacts} from '../switch/types.js'
import {describeHeard, deviceName, neighborSwitches, nodeCandidates, sameHost, type HeardNeighbor} from './identify.js'
import {readNodeFacts} from './node-facts.js'
import type {Link, NodeSide, SwitchSide, Verdict} from './types.js'
import {traceVerdict, type TraceResult} from './verdict.js'

/** How traceLoop reaches the world. */
export interface TraceIo {
  /**
   * An opened switch. `host` is --switch for the traced one (`traced: true`), else the LLDP/CDP
   * system name that ~/.ssh/config names, or the management address.
   */
  openSwitch(host: string, opts: {traced: boolean}): Promise<SwitchDevice>
  /** An executor on the node: `local` = this machine, else an ssh host. */
  openNode(host: string): Promise<Executor>
  /** ~/.ssh/config: the HostName a Host entry gives `name`; undefined when no Host entry names it. */
  sshConfigHostName(name: string): Promise<string | undefined>
  /** This machine's hostname (a name `--node local` goes by). */
  localHostname(): string
  /** One line of progress (the CLI writes it on stderr). */
  progress?(message: string): void
}

export interface TraceRunOptions {
  /** --switch as given. */
  switch: string
  /** --port as given (`19`, `gi1/0/19`, ...). */
  port: string
  /** --node HOST|local; absent = identified from LLDP/CDP. */
  node?: string
  /** ovs-vsctl / ovs-appctl options on the node (timeout, --db, --target). */
  vsctl?: VsctlOptions
  /** The flags the plan's `netops switch fix-loop` line carries (default `--host <switch>`). */
  switchFlags?: string
  /** The flags the plan's node line carries besides `--host` (`--sudo`, `--db ...`). */
  nodeFlags?: string[]
}

/** The --json document of `netops loop trace` (without `apply`, which `--apply` fills). */
export interface LoopTraceJson {
  /** The traced switch's hostname (its prompt). */
  switch: string
  /** The traced port, long name. */
  port: string
  /** The node read: `local`, the ssh host, or null when none was identified. */
  node: string | null
  nodeIdentifiedBy: string[]
  /** Every switch read (the traced one first). */
  switches: string[]
  links: Link[]
  bridge: TraceResult['bridge']
  verdict: Verdict
  evidence: string[]
  plan: {node: string[]; switch: string[]}
}

export interface LoopTrace extends LoopTraceJson {
  /** In memory only (not in --json): what the verdict was drawn from. */
  switchSide: SwitchSide
  nodeSide: NodeSide | null
  /** The traced port as `switch diagnose` reads it. */
  portFacts: PortFacts
  /** Why the node could not be read, when it could not. */
  nodeError?: string
}

/** The --json document: the trace without its in-memory parts; `apply` is null until `--apply` fills it. */
export function traceJson(t: LoopTrace): LoopTraceJson & {apply: null} {
  return {
    switch: t.switch,
    port: t.port,
    node: t.node,
    nodeIdentifiedBy: t.nodeIdentifiedBy,
    switches: t.switches,
    links: t.links,
    bridge: t.bridge,
    verdict: t.verdict,
    evidence: t.evidence,
    plan: t.plan,
    apply: null,
  }
}

/** `sw1 Gi1/0/19 is err-disabled (loopback), keepalive on`. */
function portLine(switchName: string, f: PortFacts): string {
  const reason = f.errDisabledReason === null ? '' : ` (${f.errDisabledReason})`
  const keepalive = f.keepalive === null ? '' : `, keepalive ${f.keepalive ? 'on' : 'off'}`
  const description = f.description === null ? '' : `, description "${f.description}"`
  return `${switchName} ${f.shortName} is ${f.status}${reason}${keepalive}${description}`
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Rethrow what must end the run (Ctrl-C); anything else becomes evidence. */
function softError(e: unknown): string {
  if (e instanceof InterruptedError) throw e
  return errorText(e)
}

/** Step 1: the traced switch's SwitchSide, its hostname, the port's facts and notes. */
async function readTracedSwitch(
  io: TraceIo,
  opts: TraceRunOptions,
): Promise<{side: SwitchSide; facts: PortFacts; hostname: string; notes: string[]}> {
  const device = await io.openSwitch(opts.switch, {traced: true})
  try {
    io.progress?.(`reading ${opts.switch} port ${opts.port}`)
    const facts = await device.readPort(opts.port)
    const l2 = await readLayer2(device, facts.interface)
    const hostname = facts.hostname || opts.switch
    const side = switchSideOf(hostname, l2, facts.interface)
    if (facts.description !== null && facts.description !== '') side.description = facts.description
    else delete side.description
    return {side, facts, hostname, notes: l2.notes}
  } finally {
    await device.close().catch(() => undefined)
  }
}

/** How to reach a device heard by LLDP/CDP: its system name when ~/.ssh/config names it, else its management address. */
async function reachable(io: TraceIo, h: HeardNeighbor): Promise<{host: string; how: string} | {host: null; why: string}> {
  const n = h.neighbor
  const names = n.systemName === undefined ? [] : [...new Set([deviceName(n.systemName), deviceName(n.systemName).split('.')[0] ?? ''])]
  for (const name of names.filter((x) => x !== '')) {
    const hostName = await io.sshConfigHostName(name)
    if (hostName !== undefined) return {host: name, how: `~/.ssh/config Host entry ${name} (HostName ${hostName})`}
  }
  const address = n.managementAddresses.find((a) => isIP(a) !== 0)
  if (address !== undefined) return {host: address, how: `its management address ${address}`}
  return {
    host: null,
    why: `${n.systemName === undefined ? 'it sends no system name' : `no ~/.ssh/config Host entry names ${n.systemName}`} and it advertises no management address`,
  }
}

/** Step 2: switches one LLDP/CDP hop away on the VLAN's up ports; their up ports in the shared VLANs become peers. */
async function readNeighborSwitches(io: TraceIo, side: SwitchSide, names: string[]): Promise<{switches: string[]; evidence: string[]}> {
  const switches: string[] = []
  const evidence: string[] = []
  for (const heard of neighborSwitches(side)) {
    if (names.some((x) => sameHost(x, heard.name)) || switches.some((x) => sameHost(x, heard.name))) continue
    const where = `${heard.neighbor.protocol.toUpperCase()} neighbour of ${side.switch} ${shortName(heard.port)}`
    const how = await reachable(io, heard)
    if (how.host === null) {
      evidence.push(`could not read ${heard.name} (${where}): ${how.why}`)
      continue
    }
    try {
      io.progress?.(`reading ${heard.name} (${where}) through ${how.how}`)
      const device = await io.openSwitch(how.host, {traced: false})
      try {
        const rows = await device.statusRows()
        const known = rows.map((r) => r.interface)
        const uplink = [heard.neighbor.portId, heard.neighbor.portDescription]
          .map((id) => (id === undefined ? undefined : matchPort(id, known)))
          .find((m) => m?.kind === 'exact')
        const uplinkPort = uplink?.kind === 'exact' ? uplink.name : ''
        const l2 = await readLayer2(device, uplinkPort === '' ? null : uplinkPort)
        const far = switchSideOf(heard.name, l2, uplinkPort, {vlans: heard.vlans, except: uplinkPort === '' ? [] : [uplinkPort]})
        // ports facing back to the traced switch are the same domain seen twice, not peers
        const peers = far.peers.filter(
          (p) => !p.neighbors.some((n) => n.systemName !== undefined && names.some((x) => sameHost(x, deviceName(n.systemName ?? '')))),
        )
        for (const p of peers) side.peers.push({...p, switch: heard.name})
        switches.push(heard.name)
        const vlans = heard.vlans.length === 0 ? '' : ` in VLAN ${heard.vlans.join(',')}`
        evidence.push(
          `read ${heard.name} (${where}) through ${how.how}: ${peers.length} up port${peers.length === 1 ? '' : 's'}${vlans}${peers.length === 0 ? '' : ` (${peers.map((p) => shortName(p.port)).join(', ')})`}`,
        )
        evidence.push(...l2.notes)
      } finally {
        await device.close().catch(() => undefined)
      }
    } catch (e) {
      evidence.push(`could not read ${heard.name} (${where}) through ${how.how}: ${softError(e)}`)
    }
  }
  return {switches, evidence}
}

/** Step 3: the node from --node, or from the neighbours heard on the port and its VLAN peers. */
async function identifyNode(
  io: TraceIo,
  side: SwitchSide,
  opts: TraceRunOptions,
): Promise<{host: string | null; by: string[]; evidence: string[]}> {
  if (opts.node !== undefined) return {host: opts.node, by: [`--node ${opts.node}`], evidence: []}
  const candidates = nodeCandidates(side)
  const unresolved: string[] = []
  for (const c of candidates) {
    const how = await reachable(io, c)
    if (how.host !== null) return {host: how.host, by: [`${describeHeard(c)}, reached through ${how.how}`], evidence: []}
    unresolved.push(`${describeHeard(c)}: ${how.why}`)
  }
  const seen =
    candidates.length === 0
      ? [
          `no node identified: no LLDP/CDP neighbour other than switches on ${side.switch} ${shortName(side.port)} or the up ports of its VLAN`,
        ]
      : [`no node identified: ${unresolved.join('; ')}`]
  return {host: null, by: [], evidence: [...seen, 'pass --node HOST (an ssh host or ~/.ssh/config alias), or --node local']}
}

/** Step 4: the node's facts and the names it goes by; a node that cannot be read gives nodeError. */
async function readNode(
  io: TraceIo,
  host: string,
  opts: TraceRunOptions,
): Promise<{side: NodeSide | null; names: string[]; error?: string}> {
  const names = [host]
  let exec: Executor | undefined
  try {
    io.progress?.(`reading the node ${host}`)
    const configured = host === 'local' ? undefined : await io.sshConfigHostName(host)
    if (configured !== undefined) names.push(configured)
    exec = await io.openNode(host)
    if (host === 'local') names.push(io.localHostname())
    else {
      const r = await exec.run(['hostname'], {timeoutMs: ((opts.vsctl?.timeoutSec ?? 5) + 10) * 1000})
      const remote = r.stdout.trim()
      if (r.exitCode === 0 && /^[\w.-]+$/.test(remote)) names.push(remote)
    }
    const label = host === 'local' ? io.localHostname() : host
    const side = await readNodeFacts(exec, {...opts.vsctl, node: label})
    return {side, names: [...new Set(names)]}
  } catch (e) {
    return {side: null, names, error: `${host}: ${softError(e)}`}
  } finally {
    await exec?.close().catch(() => undefined)
  }
}

/**
 * The switch side needs nothing from fix-loop: the port is not err-disabled, keepalive is off (or the
 * port has none) and loop-back err-disable recovers by itself.
 */
export function switchDone(f: PortFacts): boolean {
  return !/err-?disab/i.test(f.status) && f.keepalive !== true && f.recovery.loopback
}

/** Follow the loop from the switch port into the node's bridge and back. Read-only. */
export async function traceLoop(io: TraceIo, opts: TraceRunOptions): Promise<LoopTrace> {
  const traced = await readTracedSwitch(io, opts)
  const {side, facts, hostname} = traced
  const switchNames = [...new Set([hostname, opts.switch])]
  const cross = await readNeighborSwitches(io, side, switchNames)
  const who = await identifyNode(io, side, opts)
  const context = [portLine(hostname, facts), ...traced.notes, ...cross.evidence]
  const base = {
    switch: hostname,
    port: facts.interface,
    switches: [hostname, ...cross.switches],
    switchSide: side,
    portFacts: facts,
  }
  if (who.host === null) {
    return {
      ...base,
      node: null,
      nodeIdentifiedBy: [],
      links: [],
      bridge: null,
      verdict: 'unknown',
      evidence: [...who.evidence, ...context],
      plan: {node: [], switch: []},
      nodeSide: null,
    }
  }
  const node = await readNode(io, who.host, opts)
  const nodeFlags = [...(who.host === 'local' ? [] : [`--host ${quoteArg(who.host)}`]), ...(opts.nodeFlags ?? [])].join(' ')
  const r = traceVerdict(side, node.side ?? undefined, {
    nodeNames: node.names,
    switchNames,
    nodeFlags,
    switchFlags: opts.switchFlags ?? `--host ${opts.switch}`,
    ...(node.error === undefined ? {} : {nodeError: node.error}),
  })
  // with --node, the link to the traced port says how the switch sees that node
  const primary = r.links.find((l) => l.switch === hostname && l.switchPort === facts.interface)
  const by = opts.node !== undefined && primary !== undefined ? [...who.by, ...primary.evidence] : who.by
  return {
    ...base,
    node: who.host,
    nodeIdentifiedBy: by,
    links: r.links,
    bridge: r.bridge,
    verdict: r.verdict,
    evidence: [...r.evidence, ...context],
    plan: switchDone(facts) ? {...r.plan, switch: []} : r.plan,
    nodeSide: node.side,
    ...(node.error === undefined ? {} : {nodeError: node.error}),
  }
}
