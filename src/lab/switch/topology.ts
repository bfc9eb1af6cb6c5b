/**
 * `netops lab switch --topology FILE`: lab switches cabled to named nodes (NIC name and MAC) and to
 * each other, so their MAC tables and LLDP / CDP answers describe a real layer-2 topology.
 *
 *   switches:
 *     - hostname: sw1
 *       platform: ios                 # ios | nxos (IOS-XE / NX-OS spellings accepted)
 *       ssh_port: 2201                # optional; absent = any free port
 *       base_mac: 70:35:09:52:2a:00   # optional chassis MAC
 *       mgmt_address: 192.0.2.11      # optional
 *       vlans: {10: compute}
 *       ports:
 *         Gi1/0/19:
 *           vlan: 10
 *           state: err-disabled       # up (default) | down | shutdown | err-disabled (keepalive loop-back)
 *           cable: {node: node1, nic: eth0, mac: 52:54:00:aa:bb:01, lldp: true}
 *           learned: [52:54:00:cc:dd:01]   # more MACs behind the port (VMs on the node's bridge)
 *         Gi1/0/24: {mode: trunk, cable: {switch: sw2, port: Eth1/1}}
 *
 * Learned MACs come from the topology (a node cable teaches its NIC's MAC in the port's access VLAN),
 * not from simulated forwarding. Errors carry FILE:LINE:COLUMN (src/util/yaml-position.ts).
 */
import {readFileSync} from 'node:fs'
import {LineCounter, parseDocument} from 'yaml'
import * as z from 'zod'
import {InputError} from '../../errors.js'
import {normalizePlatform} from '../../platforms/types.js'
import {nodeAtPath, nodePosition, positionAt} from '../../util/yaml-position.js'
import type {PlatformName} from '../../platforms/types.js'
import {buildPorts, findPort, type SwitchModel} from './ports.js'

type PortLinkState = 'up' | 'down' | 'shutdown' | 'err-disabled'

/** What is at the far end of a port's cable, resolved (a peer switch's identity is copied in). */
export type FarEnd =
  | {
      kind: 'node'
      node: string
      nic: string
      mac: string
      lldp: boolean
      cdp: boolean
      systemName: string
      /** lldpd's chassis id: the MAC of the node's first NIC in the file. */
      chassisMac: string
      mgmtAddress?: string
      systemDescription: string
    }
  | {
      kind: 'switch'
      switch: string
      platform: PlatformName
      /** Long name of the peer's port. */
      port: string
      portShort: string
      portDescription: string
      lldp: boolean
      cdp: boolean
      chassisMac: string
      mgmtAddress?: string
      vlan: number
    }

export interface LearnedMac {
  mac: string
  vlan: number
}

interface PortTopology {
  /** Full interface name. */
  port: string
  mode: 'access' | 'trunk'
  vlan: number
  /** Trunk: allowed VLANs (empty = all). */
  trunkVlans: number[]
  state: PortLinkState
  description: string | null
  far: FarEnd | null
  learned: LearnedMac[]
}

export interface SwitchTopology {
  hostname: string
  platform: PlatformName
  model: SwitchModel
  sshPort?: number
  baseMac: string
  mgmtAddress?: string
  vlans: Array<{id: number; name: string}>
  ports: PortTopology[]
}

export interface TopologyProblem {
  file: string
  line: number
  column: number
  path: string
  message: string
}

export const DEFAULT_BASE_MAC = {ios: '70:35:09:52:2a:00', nxos: '00:3a:9c:5b:2a:00'} as const
const NODE_DESCRIPTION = 'Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64'

const got = (v: unknown): string =>
  v === undefined || v === null ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : JSON.stringify(v)

/** A MAC in any common spelling (52:54:00:aa:bb:01, 5254.00aa.bb01, 52-54-...) → lower-case colon form. */
export function normalizeMac(text: string): string | undefined {
  const hex = text.trim().toLowerCase().replace(/[:.-]/g, '')
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined
  if (!/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$|^[0-9a-f]{12}$/.test(text.trim().toLowerCase())) return undefined
  return hex.match(/../g)!.join(':')
}

const mac = z.string({error: (i) => `expected a MAC address, got ${got(i.input)}`}).transform((s, ctx) => {
  const m = normalizeMac(s)
  if (m) return m
  ctx.addIssue({code: 'custom', message: `expected a MAC address (52:54:00:aa:bb:01 or 5254.00aa.bb01), got ${got(s)}`})
  return z.NEVER
})
const vlanId = z
  .number({error: (i) => `expected a VLAN number (1-4094), got ${got(i.input)}`})
  .int({error: (i) => `expected a VLAN number (1-4094), got ${got(i.input)}`})
  .min(1, {error: (i) => `expected a VLAN number (1-4094), got ${got(i.input)}`})
  .max(4094, {error: (i) => `expected a VLAN number (1-4094), got ${got(i.input)}`})
const name = (what: string) =>
  z.string({error: (i) => `expected ${what}, got ${got(i.input)}`}).refine((s) => s.trim() !== '' && !/\s/.test(s), {
    error: (i) => `expected ${what} (no spaces), got ${got(i.input)}`,
  })
const ipv4 = z.string({error: (i) => `expected an IPv4 address, got ${got(i.input)}`}).refine((s) => /^(\d{1,3}\.){3}\d{1,3}$/.test(s), {
  error: (i) => `expected an IPv4 address, got ${got(i.input)}`,
})

const nodeCable = z.strictObject({
  node: name('a node name'),
  nic: name('a NIC name, e.g. eth0'),
  mac,
  lldp: z.boolean({error: (i) => `expected true or false, got ${got(i.input)}`}).optional(),
  cdp: z.boolean({error: (i) => `expected true or false, got ${got(i.input)}`}).optional(),
  system_name: name('a system name').optional(),
  mgmt_address: ipv4.optional(),
  system_description: z.string().optional(),
})
const switchCable = z.strictObject({
  switch: name('a switch hostname of this file'),
  port: z.union([z.string(), z.number()], {error: (i) => `expected a port name, got ${got(i.input)}`}).transform(String),
  lldp: z.boolean({error: (i) => `expected true or false, got ${got(i.input)}`}).optional(),
  cdp: z.boolean({error: (i) => `expected true or false, got ${got(i.input)}`}).optional(),
})
const cable = z.custom<unknown>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: (i) => `expected a cable {node, nic, mac} or {switch, port}, got ${got(i.input)}`,
})

const learned = z.union([mac, z.strictObject({mac, vlan: vlanId.optional()})], {
  error: (i) => `expected a MAC address or {mac, vlan}, got ${got(i.input)}`,
})

const STATES = ['up', 'down', 'shutdown', 'err-disabled'] as const
const portEntry = z.preprocess(
  (v) => (v === null ? {} : v),
  z.strictObject(
    {
      mode: z.enum(['access', 'trunk'], {error: (i) => `expected access or trunk, got ${got(i.input)}`}).optional(),
      vlan: vlanId.optional(),
      vlans: z.array(vlanId, {error: (i) => `expected a list of VLAN numbers, got ${got(i.input)}`}).optional(),
      state: z.enum(STATES, {error: (i) => `expected one of ${STATES.join(', ')}, got ${got(i.input)}`}).optional(),
      description: z.string().optional(),
      cable: cable.optional(),
      learned: z.array(learned, {error: (i) => `expected a list of MAC addresses, got ${got(i.input)}`}).optional(),
    },
    {error: (i) => `expected a port's settings (vlan, state, cable, ...), got ${got(i.input)}`},
  ),
)

const platform = z.string({error: (i) => `expected a platform (ios or nxos), got ${got(i.input)}`}).transform((s, ctx) => {
  const p = normalizePlatform(s)
  if (p !== undefined && p !== 'auto') return p
  ctx.addIssue({code: 'custom', message: `expected a platform (ios or nxos), got ${got(s)}`})
  return z.NEVER
})

const switchEntry = z.strictObject(
  {
    hostname: name('a hostname'),
    platform: platform.optional(),
    model: z.enum(['single', 'stack'], {error: (i) => `expected single or stack, got ${got(i.input)}`}).optional(),
    ssh_port: z
      .number({error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
      .int()
      .min(1, {error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
      .max(65535, {error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
      .optional(),
    base_mac: mac.optional(),
    mgmt_address: ipv4.optional(),
    vlans: z
      .record(z.string(), z.string().nullable(), {error: (i) => `expected a mapping of VLAN number to name, got ${got(i.input)}`})
      .optional(),
    ports: z.record(z.string(), portEntry, {error: (i) => `expected a mapping of port name to settings, got ${got(i.input)}`}).optional(),
  },
  {error: (i) => `expected a switch (hostname, platform, ports, ...), got ${got(i.input)}`},
)

const topologySchema = z.strictObject(
  {
    switches: z
      .array(switchEntry, {error: (i) => `\`switches:\` must be a list, got ${got(i.input)}`})
      .min(1, {error: 'the `switches:` list is empty'}),
  },
  {error: (i) => `a topology is a mapping with \`switches:\`, got ${got(i.input)}`},
)

type Parsed = z.infer<typeof topologySchema>

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}

/** `19` → the member-1 port 19 of the platform; names as the CLI accepts them. */
function portName(platform: PlatformName, model: SwitchModel, ref: string): string | undefined {
  const ports = buildPorts(platform, model)
  const text = /^\d+$/.test(ref.trim()) ? (platform === 'nxos' ? `Ethernet1/${ref.trim()}` : `GigabitEthernet1/0/${ref.trim()}`) : ref
  return findPort(platform, ports, text)?.name
}

export type TopologyResult = {ok: true; switches: SwitchTopology[]} | {ok: false; errors: TopologyProblem[]}

/** Parse and check a topology file's text; never throws for bad input. */
export function parseTopology(text: string, file: string): TopologyResult {
  const lc = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lc, uniqueKeys: true, prettyErrors: false})
  const errors: TopologyProblem[] = []
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const p = e.linePos?.[0] ? {line: e.linePos[0].line, column: e.linePos[0].col} : positionAt(lc, e.pos[0])
      errors.push({file, ...p, path: '', message: `YAML: ${e.message.split('\n')[0] ?? e.message}`})
    }
    return {ok: false, errors}
  }
  let value: unknown
  try {
    value = doc.toJS({maxAliasCount: 100})
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err
    return {ok: false, errors: [{file, line: 1, column: 1, path: '', message: 'YAML: aliases expand to too many nodes'}]}
  }
  const problem = (path: readonly PropertyKey[], message: string, key = false): void => {
    errors.push({file, ...nodePosition(lc, nodeAtPath(doc, path, {key})), path: pathText(path), message})
  }
  const result = topologySchema.safeParse(value ?? null)
  if (!result.success) {
    for (const i of result.error.issues) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) problem([...i.path, k], `unknown key \`${k}\``, true)
      else problem(i.path, i.message)
    }
    return {ok: false, errors: sortProblems(errors)}
  }
  const switches = resolve(result.data, problem)
  return errors.length ? {ok: false, errors: sortProblems(errors)} : {ok: true, switches}
}

function sortProblems(errors: TopologyProblem[]): TopologyProblem[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** Second pass: port names, VLANs, cables (node cables checked, switch cables wired both ways). */
function resolve(data: Parsed, problem: (path: readonly PropertyKey[], message: string, key?: boolean) => void): SwitchTopology[] {
  const out: SwitchTopology[] = []
  const hostnames = new Map<string, number>()
  data.switches.forEach((s, n) => {
    if (hostnames.has(s.hostname)) problem(['switches', n, 'hostname'], `hostname \`${s.hostname}\` is used twice`)
    hostnames.set(s.hostname, n)
  })
  const sshPorts = new Map<number, number>()
  data.switches.forEach((s, n) => {
    if (s.ssh_port === undefined) return
    if (sshPorts.has(s.ssh_port)) problem(['switches', n, 'ssh_port'], `ssh_port ${s.ssh_port} is used twice`)
    sshPorts.set(s.ssh_port, n)
  })
  // the first NIC of each node in file order is its LLDP chassis id (as lldpd does)
  const chassis = new Map<string, string>()
  for (const s of data.switches)
    for (const p of Object.values(s.ports ?? {})) {
      const c = nodeCable.safeParse(p.cable)
      if (c.success && !chassis.has(c.data.node)) chassis.set(c.data.node, c.data.mac)
    }

  data.switches.forEach((s, n) => {
    const plat: PlatformName = s.platform ?? 'ios'
    const model: SwitchModel = plat === 'nxos' ? 'single' : (s.model ?? 'single')
    const vlans = new Map<number, string>([[1, 'default']])
    for (const [k, v] of Object.entries(s.vlans ?? {})) {
      const id = Number(k)
      if (!/^\d+$/.test(k) || id < 1 || id > 4094) {
        problem(['switches', n, 'vlans', k], `expected a VLAN number (1-4094), got ${JSON.stringify(k)}`, true)
        continue
      }
      vlans.set(id, v ?? `VLAN${String(id).padStart(4, '0')}`)
    }
    const sw: SwitchTopology = {
      hostname: s.hostname,
      platform: plat,
      model,
      ...(s.ssh_port === undefined ? {} : {sshPort: s.ssh_port}),
      baseMac: s.base_mac ?? DEFAULT_BASE_MAC[plat],
      ...(s.mgmt_address === undefined ? {} : {mgmtAddress: s.mgmt_address}),
      vlans: [],
      ports: [],
    }
    const seen = new Map<string, string>()
    for (const [ref, p] of Object.entries(s.ports ?? {})) {
      const at = ['switches', n, 'ports', ref]
      const full = portName(plat, model, ref)
      if (!full) {
        problem(
          at,
          `no port \`${ref}\` on a ${plat === 'nxos' ? 'Nexus 9000 (Ethernet1/1-48)' : 'WS-C3850-48P (Gi1/0/1-48, Te1/1/1-4)'}`,
          true,
        )
        continue
      }
      if (seen.has(full)) {
        problem(at, `port \`${ref}\` is the same port as \`${seen.get(full)}\``, true)
        continue
      }
      seen.set(full, ref)
      const mode = p.mode ?? (p.vlans ? 'trunk' : 'access')
      if (mode === 'access' && p.vlans) problem([...at, 'vlans'], 'an access port has one `vlan:`, not `vlans:` (or write `mode: trunk`)')
      const vlan = p.vlan ?? 1
      for (const v of mode === 'access' ? [vlan] : (p.vlans ?? [])) if (!vlans.has(v)) vlans.set(v, `VLAN${String(v).padStart(4, '0')}`)
      let far: FarEnd | null = null
      if (p.cable !== undefined) {
        const c = p.cable as Record<string, unknown>
        if ('switch' in c) {
          const r = switchCable.safeParse(c)
          if (!r.success)
            for (const i of r.error.issues)
              problem([...at, 'cable', ...i.path], i.code === 'unrecognized_keys' ? `unknown key \`${i.keys.join('`, `')}\`` : i.message)
        } else {
          const r = nodeCable.safeParse(c)
          if (!r.success) {
            for (const i of r.error.issues)
              if (i.code === 'unrecognized_keys') for (const k of i.keys) problem([...at, 'cable', k], `unknown key \`${k}\``, true)
              else problem([...at, 'cable', ...i.path], i.path.length ? i.message : `expected a cable {node, nic, mac} or {switch, port}`)
          } else {
            const d = r.data
            far = {
              kind: 'node',
              node: d.node,
              nic: d.nic,
              mac: d.mac,
              lldp: d.lldp ?? false,
              cdp: d.cdp ?? false,
              systemName: d.system_name ?? d.node,
              chassisMac: chassis.get(d.node) ?? d.mac,
              ...(d.mgmt_address === undefined ? {} : {mgmtAddress: d.mgmt_address}),
              systemDescription: d.system_description ?? NODE_DESCRIPTION,
            }
          }
        }
      }
      const learnedMacs: LearnedMac[] = (p.learned ?? []).map((l) =>
        typeof l === 'string' ? {mac: l, vlan: mode === 'access' ? vlan : 1} : {mac: l.mac, vlan: l.vlan ?? (mode === 'access' ? vlan : 1)},
      )
      sw.ports.push({
        port: full,
        mode,
        vlan: mode === 'access' ? vlan : 1,
        trunkVlans: mode === 'trunk' ? (p.vlans ?? []) : [],
        state: p.state ?? 'up',
        description: p.description ?? (far?.kind === 'node' ? `${far.node} ${far.nic}` : null),
        far,
        learned: learnedMacs,
      })
    }
    sw.vlans = [...vlans].sort((a, b) => a[0] - b[0]).map(([id, nm]) => ({id, name: nm}))
    out.push(sw)
  })
  wireSwitchCables(data, out, problem)
  return out
}

/** `cable: {switch: sw2, port: Eth1/1}`: each end sees the other; the far port is created when not listed. */
function wireSwitchCables(
  data: Parsed,
  out: SwitchTopology[],
  problem: (path: readonly PropertyKey[], message: string, key?: boolean) => void,
): void {
  data.switches.forEach((s, n) => {
    for (const [ref, p] of Object.entries(s.ports ?? {})) {
      const r = switchCable.safeParse(p.cable)
      if (!r.success) continue
      const at = ['switches', n, 'ports', ref, 'cable']
      const me = out[n]!
      const mine = me.ports.find((x) => x.port === portName(me.platform, me.model, ref))
      const peer = out.find((x) => x.hostname === r.data.switch)
      if (!mine) continue
      if (!peer || peer === me) {
        problem([...at, 'switch'], peer ? 'a cable from a switch to itself' : `no switch \`${r.data.switch}\` in this file`)
        continue
      }
      const peerPortName = portName(peer.platform, peer.model, r.data.port)
      if (!peerPortName) {
        problem([...at, 'port'], `no port \`${r.data.port}\` on ${peer.hostname}`)
        continue
      }
      let theirs = peer.ports.find((x) => x.port === peerPortName)
      if (!theirs) {
        theirs = {
          port: peerPortName,
          mode: mine.mode,
          vlan: mine.vlan,
          trunkVlans: mine.trunkVlans,
          state: 'up',
          description: null,
          far: null,
          learned: [],
        }
        peer.ports.push(theirs)
      } else if (theirs.far && !(theirs.far.kind === 'switch' && theirs.far.switch === me.hostname && theirs.far.port === mine.port)) {
        problem([...at, 'port'], `${peer.hostname} ${peerPortName} is cabled to something else`)
        continue
      }
      const lldp = r.data.lldp ?? true
      const cdp = r.data.cdp ?? true
      mine.far = farSwitch(peer, theirs, lldp, cdp)
      theirs.far = farSwitch(me, mine, lldp, cdp)
    }
  })
}

function farSwitch(sw: SwitchTopology, p: PortTopology, lldp: boolean, cdp: boolean): FarEnd {
  const short = p.port.replace(/^GigabitEthernet/, 'Gi').replace(/^TenGigabitEthernet/, 'Te')
  return {
    kind: 'switch',
    switch: sw.hostname,
    platform: sw.platform,
    port: p.port,
    portShort: sw.platform === 'nxos' ? p.port : short,
    portDescription: p.description ?? p.port,
    lldp,
    cdp,
    chassisMac: sw.baseMac,
    ...(sw.mgmtAddress === undefined ? {} : {mgmtAddress: sw.mgmtAddress}),
    vlan: p.vlan,
  }
}

/** `file:line:column: path: message`. */
export function formatTopologyProblem(p: TopologyProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`
}

/** Read a topology file; an unreadable or invalid one is an InputError (exit 2) listing every problem. */
export function readTopology(file: string): SwitchTopology[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read topology ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      suggestions: ['check the --topology path'],
      cause: error,
    })
  }
  const r = parseTopology(text, file)
  if (r.ok) return r.switches
  const n = r.errors.length
  throw new InputError(
    `invalid lab topology ${file} (${n} problem${n === 1 ? '' : 's'}):\n${r.errors.map(formatTopologyProblem).join('\n')}`,
    {
      suggestions: ['fix the lines above'],
      details: {errors: r.errors},
    },
  )
}
