/**
 * Spanning tree on an OVS bridge: read status, plan and apply `on`/`off`, wait until settled.
 * Reads come from ovsdb (authoritative for config and per-port state, works without
 * ovs-vswitchd) plus `ovs-appctl stp/show|rstp/show` (path cost, root port) when ovs-vswitchd runs.
 */
import {ExecTimeoutError, InputError, OvsConflictError, OvsVswitchdDownError, VerificationError} from '../errors.js'
import type {OvsdbAtom} from './ovsdb-json.js'
import {parseStpShow, type StpShowBridge} from './stp-show.js'
import {bridgeNotFound, type BridgeRow, type OvsSnapshot, type Vsctl} from './vsctl.js'

export type StpMode = 'stp' | 'rstp' | 'off'

export interface StpPortStatus {
  name: string
  /** Interface type as OVS has it: '' (system), 'internal', 'patch', ... */
  type: string
  /** Internal ports never run STP. */
  internal: boolean
  /** listening | learning | forwarding | blocking | disabled (RSTP: discarding | learning | forwarding | disabled); null: no STP on this port. */
  state: string | null
  /** root | designated | alternate | backup | disabled; null: no STP on this port. */
  role: string | null
  /** Port id in hex, `8001` = priority 128, port 1. */
  portId: string | null
  pathCost: number | null
  bpdu: {rx: number; tx: number; errors: number} | null
  /** state, role and bpdu are what ovsdb last stored, not live: ovs-vswitchd is not running to update them. */
  stale: boolean
}

interface StpTimers {
  /** Configured values from other_config; null = OVS default (priority 32768, hello 2, max-age 20, forward-delay 15). */
  priority: number | null
  helloTime: number | null
  maxAge: number | null
  forwardDelay: number | null
}

export interface StpBridgeStatus {
  bridge: string
  /** Column stp_enable. */
  stp: boolean
  /** Column rstp_enable. */
  rstp: boolean
  /** What actually runs: RSTP wins when both are on. */
  mode: StpMode
  /** ovs-vswitchd answered: live state below is real (else only stored config is known). */
  active: boolean
  bridgeId: string | null
  rootId: string | null
  isRoot: boolean | null
  rootPort: string | null
  rootPathCost: number | null
  config: StpTimers
  ports: StpPortStatus[]
  warnings: string[]
}

const STP_DEFAULTS = {priority: 32768, helloTime: 2, maxAge: 20, forwardDelay: 15} as const

export interface StpOnOptions {
  priority?: number
  forwardDelay?: number
  helloTime?: number
  maxAge?: number
  /** Enable RSTP instead (and STP off). */
  rstp?: boolean
  /** RSTP is on: switch it off and run STP. */
  force?: boolean
}

function num(v: OvsdbAtom | undefined): number | null {
  if (v === undefined) return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

const bridgeNames = (snap: OvsSnapshot): string[] => snap.bridges.map((b) => b.name).sort()

function findBridge(snap: OvsSnapshot, name: string, where: string): BridgeRow {
  const b = snap.bridges.find((x) => x.name === name)
  if (b === undefined) throw bridgeNotFound(name, {where, bridges: bridgeNames(snap)})
  return b
}

function timersOf(b: BridgeRow, mode: 'stp' | 'rstp'): StpTimers {
  const oc = b.otherConfig
  return {
    priority: num(oc[`${mode}-priority`]),
    helloTime: mode === 'stp' ? num(oc['stp-hello-time']) : null,
    maxAge: num(oc[`${mode}-max-age`]),
    forwardDelay: num(oc[`${mode}-forward-delay`]),
  }
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

/** Build the status of one bridge from a snapshot and (optionally) parsed stp/show or rstp/show. */
function bridgeStatus(snap: OvsSnapshot, b: BridgeRow, show: StpShowBridge | undefined, active: boolean): StpBridgeStatus {
  const mode: StpMode = b.rstpEnable ? 'rstp' : b.stpEnable ? 'stp' : 'off'
  const warnings: string[] = []
  if (b.stpEnable && b.rstpEnable) warnings.push(`both stp_enable and rstp_enable are true on ${b.name}: OVS runs RSTP only`)
  const ifaces = new Map(snap.interfaces.map((i) => [i.uuid, i]))
  const portsByUuid = new Map(snap.ports.map((p) => [p.uuid, p]))
  const ports: StpPortStatus[] = []
  for (const uuid of b.portUuids) {
    const p = portsByUuid.get(uuid)
    if (p === undefined) continue
    const type = p.interfaceUuids.map((u) => ifaces.get(u)?.type ?? '')[0] ?? ''
    const internal = type === 'internal'
    const shown = show?.ports.find((x) => x.name === p.name)
    let state: string | null = null
    let role: string | null = null
    let portId: string | null = null
    let bpdu: StpPortStatus['bpdu'] = null
    if (!internal && mode === 'stp') {
      state = p.status.stp_state === undefined ? (shown?.state ?? null) : String(p.status.stp_state)
      role = p.status.stp_role === undefined ? (shown?.role ?? null) : String(p.status.stp_role)
      const id = num(p.status.stp_port_id)
      portId = id === null ? null : hex4(id)
      if (p.statistics.stp_rx_count !== undefined) {
        bpdu = {
          rx: num(p.statistics.stp_rx_count) ?? 0,
          tx: num(p.statistics.stp_tx_count) ?? 0,
          errors: num(p.statistics.stp_error_count) ?? 0,
        }
      }
    } else if (!internal && mode === 'rstp') {
      const st = p.rstpStatus.rstp_port_state ?? shown?.state
      const rl = p.rstpStatus.rstp_port_role ?? shown?.role
      state = st === undefined ? null : String(st).toLowerCase()
      role = rl === undefined ? null : String(rl).toLowerCase()
      portId = p.rstpStatus.rstp_port_id === undefined ? null : String(p.rstpStatus.rstp_port_id)
      if (p.rstpStatistics.rstp_rx_count !== undefined) {
        bpdu = {
          rx: num(p.rstpStatistics.rstp_rx_count) ?? 0,
          tx: num(p.rstpStatistics.rstp_tx_count) ?? 0,
          errors: num(p.rstpStatistics.rstp_error_count) ?? 0,
        }
      }
    }
    const configuredCost = num(p.otherConfig[mode === 'rstp' ? 'rstp-path-cost' : 'stp-path-cost'])
    ports.push({
      name: p.name,
      type,
      internal,
      state,
      role,
      portId,
      pathCost: internal || mode === 'off' ? null : (shown?.cost ?? configuredCost),
      bpdu,
      stale: !active && (state !== null || bpdu !== null),
    })
  }
  ports.sort((x, y) => x.name.localeCompare(y.name))

  let bridgeId: string | null = null
  let rootId: string | null = null
  let rootPathCost: number | null = null
  if (mode === 'stp') {
    bridgeId = b.status.stp_bridge_id === undefined ? null : String(b.status.stp_bridge_id)
    rootId = b.status.stp_designated_root === undefined ? null : String(b.status.stp_designated_root)
    rootPathCost = num(b.status.stp_root_path_cost)
  } else if (mode === 'rstp') {
    bridgeId = b.rstpStatus.rstp_bridge_id === undefined ? null : String(b.rstpStatus.rstp_bridge_id)
    rootId = b.rstpStatus.rstp_root_id === undefined ? null : String(b.rstpStatus.rstp_root_id)
    rootPathCost = num(b.rstpStatus.rstp_root_path_cost)
  }
  const isRoot = show !== undefined ? show.isRoot : bridgeId !== null && rootId !== null ? bridgeId === rootId : null
  if (mode !== 'off' && !active) {
    const stale = ports.some((p) => p.stale)
    warnings.push(
      `ovs-vswitchd is not running: ${mode.toUpperCase()} is configured on ${b.name} but not active (no live port states${stale ? '; the port states shown are stale, from when it last ran' : ''})`,
    )
  }
  return {
    bridge: b.name,
    stp: b.stpEnable,
    rstp: b.rstpEnable,
    mode,
    active,
    bridgeId,
    rootId,
    isRoot: mode === 'off' ? null : isRoot,
    rootPort: show?.rootPort ?? null,
    rootPathCost: show?.rootPathCost ?? rootPathCost,
    config: timersOf(b, mode === 'rstp' ? 'rstp' : 'stp'),
    ports,
    warnings,
  }
}

/** Status of one bridge, or of all bridges (sorted by name) when `bridge` is undefined. */
export async function getStpStatus(vsctl: Vsctl, bridge?: string): Promise<StpBridgeStatus[]> {
  const snap = await vsctl.snapshot()
  const selected =
    bridge === undefined ? [...snap.bridges].sort((a, b) => a.name.localeCompare(b.name)) : [findBridge(snap, bridge, vsctl.where)]
  const needStp = selected.some((b) => b.stpEnable && !b.rstpEnable)
  const needRstp = selected.some((b) => b.rstpEnable)
  let active = true
  let reason: string | undefined
  const shows: StpShowBridge[] = []
  const warnings: string[] = []
  for (const kind of [...(needStp ? ['stp' as const] : []), ...(needRstp ? ['rstp' as const] : [])]) {
    const r = await vsctl.show(kind)
    if (r.ok) shows.push(...parseStpShow(r.text).map((s) => ({...s, kind})))
    else {
      const probe = await vsctl.probeVswitchd()
      if (!probe.running) {
        active = false
        reason = probe.reason ?? r.reason
      } else warnings.push(`ovs-appctl ${kind}/show failed: ${r.reason}`)
    }
  }
  if (!needStp && !needRstp) {
    const probe = await vsctl.probeVswitchd()
    active = probe.running
    reason = probe.reason
  }
  return selected.map((b) => {
    const show = shows.find((s) => s.bridge === b.name)
    const st = bridgeStatus(snap, b, show, active)
    st.warnings.push(...warnings)
    if (!active && reason !== undefined && b.stpEnable) st.warnings.push(`ovs-appctl: ${reason}`)
    return st
  })
}

/* ------------------------------------------------------------------ on / off ---------- */

function checkRange(name: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return
  if (!Number.isInteger(v) || v < min || v > max)
    throw new InputError(`--${name} must be an integer from ${min} to ${max} (got ${v})`, {
      suggestions: [`pick a --${name} from ${min} to ${max}`],
    })
}

/** The valid priorities next to an invalid one: the two around it, or the one end of the range it is beyond. */
function nearestPriorities(p: number): number[] {
  if (!(p > 0)) return [0]
  if (p >= 61440) return [61440]
  const lower = Math.floor(p / 4096) * 4096
  return [lower, lower + 4096]
}

/** Checks that need no state: ranges, multiple of 4096, RSTP has no hello-time. Throws InputError. */
export function validateStpOptions(o: StpOnOptions): void {
  if (o.priority !== undefined) {
    if (!Number.isInteger(o.priority) || o.priority < 0 || o.priority > 61440 || o.priority % 4096 !== 0) {
      throw new InputError(`--priority must be a multiple of 4096 from 0 to 61440 (got ${o.priority}); OVS would silently mangle it`, {
        suggestions: [`use --priority ${nearestPriorities(o.priority).join(' or ')}`, 'lower wins the root election; the default is 32768'],
      })
    }
  }
  checkRange('hello-time', o.helloTime, 1, 10)
  checkRange('max-age', o.maxAge, 6, 40)
  checkRange('forward-delay', o.forwardDelay, 4, 30)
  if (o.rstp === true && o.helloTime !== undefined) {
    throw new InputError('--hello-time does not apply to RSTP in Open vSwitch (its hello time is fixed at 2 s)', {
      suggestions: ['drop --hello-time, or drop --rstp'],
    })
  }
  if (o.rstp === true && o.force === true) {
    throw new InputError('--rstp and --force contradict each other: --rstp keeps RSTP, --force replaces RSTP by STP', {
      suggestions: ['use one of them'],
    })
  }
}

/** The timer relations 802.1D requires and OVS enforces by silently changing values. */
function validateTimers(t: {helloTime: number; maxAge: number; forwardDelay: number}, given: StpOnOptions, current: string): void {
  if (2 * (t.forwardDelay - 1) < t.maxAge) {
    throw new InputError(
      `forward-delay ${t.forwardDelay} and max-age ${t.maxAge} break 2 x (forward-delay - 1) >= max-age${current}; OVS would raise forward-delay to ${Math.ceil(t.maxAge / 2 + 1)}`,
      {
        suggestions: [
          `use --max-age ${2 * (t.forwardDelay - 1)} or less with --forward-delay ${t.forwardDelay}`,
          'fast timers: --hello-time 1 --max-age 6 --forward-delay 4',
        ],
        details: {...t, given},
      },
    )
  }
  if (t.maxAge < 2 * (t.helloTime + 1)) {
    throw new InputError(`max-age ${t.maxAge} is below 2 x (hello-time + 1) = ${2 * (t.helloTime + 1)}${current}`, {
      suggestions: [`use --max-age ${2 * (t.helloTime + 1)} or more, or a lower --hello-time`],
      details: {...t, given},
    })
  }
}

export interface StpPlan {
  bridge: string
  /** column=value pairs for ONE `ovs-vsctl set Bridge` (empty when nothing changes). */
  settings: Array<[string, string]>
  changed: boolean
  /** stp/rstp after applying. */
  stp: boolean
  rstp: boolean
  /** This plan turns spanning tree on where it was off (the BPDU warning applies). */
  enabling: boolean
  warnings: string[]
}

function bpduWarnings(bridge: string, forwardDelay: number, rstp: boolean): string[] {
  return [
    `${bridge} will start sending BPDUs: a switch port with BPDU guard (common on portfast edge ports) err-disables for bpduguard and cuts this node off; check the switch side first (netops switch diagnose recognises bpduguard)`,
    rstp
      ? `ports may discard for up to 2 x forward-delay (${2 * forwardDelay} s) if the peer does not speak RSTP`
      : `ports spend 2 x forward-delay (${2 * forwardDelay} s) in listening and learning before they forward`,
  ]
}

function desiredConfig(b: BridgeRow, o: StpOnOptions, mode: 'stp' | 'rstp'): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const want: Array<[string, number | undefined]> = [
    [`${mode}-priority`, o.priority],
    ...(mode === 'stp' ? [['stp-hello-time', o.helloTime] as [string, number | undefined]] : []),
    [`${mode}-max-age`, o.maxAge],
    [`${mode}-forward-delay`, o.forwardDelay],
  ]
  for (const [key, v] of want) {
    if (v === undefined) continue
    if (String(b.otherConfig[key] ?? '') !== String(v)) out.push([`other_config:${key}`, String(v)])
  }
  return out
}

/** What `stp on` would change on bridge `b` (pure). Throws OvsConflictError / InputError. */
export function planStpOn(b: BridgeRow, o: StpOnOptions, where: string): StpPlan {
  validateStpOptions(o)
  const mode = o.rstp === true ? 'rstp' : 'stp'
  const cur = timersOf(b, mode)
  const eff = {
    helloTime: mode === 'rstp' ? STP_DEFAULTS.helloTime : (o.helloTime ?? cur.helloTime ?? STP_DEFAULTS.helloTime),
    maxAge: o.maxAge ?? cur.maxAge ?? STP_DEFAULTS.maxAge,
    forwardDelay: o.forwardDelay ?? cur.forwardDelay ?? STP_DEFAULTS.forwardDelay,
  }
  const fromBridge =
    (o.maxAge === undefined && cur.maxAge !== null) ||
    (o.forwardDelay === undefined && cur.forwardDelay !== null) ||
    (o.helloTime === undefined && cur.helloTime !== null)
  validateTimers(eff, o, fromBridge ? ` (values not given are ${b.name}'s current ones)` : ' (values not given are the defaults)')

  const settings: Array<[string, string]> = []
  if (mode === 'stp') {
    if (b.rstpEnable && o.force !== true) {
      const on = where === 'local' ? '' : ` on ${where}`
      throw new OvsConflictError(`RSTP is on for ${b.name}${on}: with both on, OVS runs RSTP and reports no STP state`, {
        suggestions: [`keep RSTP: netops ovs stp on ${b.name} --rstp`, `replace RSTP by STP: netops ovs stp on ${b.name} --force`],
        details: {bridge: b.name, stp: b.stpEnable, rstp: b.rstpEnable},
      })
    }
    if (!b.stpEnable) settings.push(['stp_enable', 'true'])
    if (b.rstpEnable) settings.push(['rstp_enable', 'false'])
  } else {
    if (!b.rstpEnable) settings.push(['rstp_enable', 'true'])
    if (b.stpEnable) settings.push(['stp_enable', 'false'])
  }
  settings.push(...desiredConfig(b, o, mode))
  const wasOn = mode === 'stp' ? b.stpEnable && !b.rstpEnable : b.rstpEnable
  const enabling = !wasOn && !(mode === 'stp' ? b.rstpEnable : b.stpEnable)
  return {
    bridge: b.name,
    settings,
    changed: settings.length > 0,
    stp: mode === 'stp',
    rstp: mode === 'rstp',
    enabling,
    warnings: enabling
      ? bpduWarnings(b.name, eff.forwardDelay, mode === 'rstp')
      : mode === 'stp' && b.rstpEnable
        ? [reconvergeWarning(b.name, eff.forwardDelay)]
        : [],
  }
}

/** --force replaces RSTP by STP: the whole tree starts over with 802.1D's slow timers. */
function reconvergeWarning(bridge: string, forwardDelay: number): string {
  return `replacing RSTP by STP on ${bridge} restarts spanning tree: every port goes back through listening and learning (2 x forward-delay = ${2 * forwardDelay} s) and forwards nothing meanwhile; RSTP peers fall back to STP on these links`
}

/** What `stp off` would change: spanning tree off entirely (STP and RSTP). */
export function planStpOff(b: BridgeRow): StpPlan {
  const settings: Array<[string, string]> = []
  if (b.stpEnable) settings.push(['stp_enable', 'false'])
  if (b.rstpEnable) settings.push(['rstp_enable', 'false'])
  return {
    bridge: b.name,
    settings,
    changed: settings.length > 0,
    stp: false,
    rstp: false,
    enabling: false,
    warnings: settings.length > 0 ? [`${b.name} no longer blocks loops: a second path to the same switch now loops frames`] : [],
  }
}

export interface StpChangeResult {
  bridge: string
  changed: boolean
  stp: boolean
  rstp: boolean
  /** ovs-vswitchd confirmed the change (false: stored in ovsdb, applies when ovs-vswitchd starts). */
  active: boolean
  /** Bridge columns that were set, e.g. {stp_enable: 'true', 'other_config:stp-priority': '4096'}. */
  applied: Record<string, string>
  /** The ovs-vsctl argv that ran (with dryRun: would run), or null when nothing needed changing. */
  command: string[] | null
  /** Nothing was written: `command` is what would have run. */
  dryRun: boolean
  warnings: string[]
  /** With --wait: the settled status. */
  status?: StpBridgeStatus
}

export interface ChangeHooks {
  /** Called after planning, before anything is written (print the plan and warnings here). */
  onPlan?: (plan: StpPlan) => void | Promise<void>
  /** Plan, probe and report the command, write nothing. */
  dryRun?: boolean
  /**
   * The caller will wait for the tree to settle (--wait): refuse before writing anything when
   * ovs-vswitchd is not running, since nothing could converge.
   */
  requireActive?: boolean
}

/** ovs-vswitchd is down and the caller asked to wait for a convergence that cannot happen. */
function cannotConverge(plan: StpPlan, where: string, reason: string | undefined): OvsVswitchdDownError {
  const on = where === 'local' ? '' : ` on ${where}`
  const what = plan.changed ? 'nothing was changed' : `${plan.stp ? 'STP' : plan.rstp ? 'RSTP' : 'spanning tree'} is stored but not active`
  return new OvsVswitchdDownError(
    `cannot wait for ${plan.bridge} to settle: ovs-vswitchd is not running${on} (${reason ?? 'no answer'}), so nothing can converge; ${what}`,
    {
      suggestions: [
        'start it: systemctl start openvswitch-switch (or /usr/share/openvswitch/scripts/ovs-ctl start), then run this again',
        'or drop --wait to store the setting now; it applies when ovs-vswitchd starts',
      ],
      details: {bridge: plan.bridge, changed: false, vswitchd: 'not running'},
    },
  )
}

async function applyPlan(vsctl: Vsctl, plan: StpPlan, bridges: string[], hooks: ChangeHooks): Promise<StpChangeResult> {
  await hooks.onPlan?.(plan)
  const warnings = [...plan.warnings]
  if (!plan.changed) {
    const probe = await vsctl.probeVswitchd()
    const on = plan.stp || plan.rstp
    if (on && !probe.running) {
      if (hooks.requireActive === true) throw cannotConverge(plan, vsctl.where, probe.reason)
      warnings.push(
        `ovs-vswitchd is not running${vsctl.where === 'local' ? '' : ` on ${vsctl.where}`} (${probe.reason ?? 'no answer'}): ${plan.rstp ? 'RSTP' : 'STP'} on ${plan.bridge} is stored in ovsdb but NOT active until ovs-vswitchd runs (systemctl start openvswitch-switch)`,
      )
    }
    return {
      bridge: plan.bridge,
      changed: false,
      stp: plan.stp,
      rstp: plan.rstp,
      active: probe.running,
      applied: {},
      command: null,
      dryRun: hooks.dryRun === true,
      warnings,
    }
  }
  const probe = await vsctl.probeVswitchd()
  if (!probe.running && hooks.requireActive === true && (plan.stp || plan.rstp)) throw cannotConverge(plan, vsctl.where, probe.reason)
  const notActive = (why: string): string =>
    `ovs-vswitchd ${why}${vsctl.where === 'local' ? '' : ` on ${vsctl.where}`}: the change is stored in ovsdb but NOT active until ovs-vswitchd runs (systemctl start openvswitch-switch)`
  if (hooks.dryRun) {
    if (!probe.running) warnings.push(notActive(`is not running (${probe.reason ?? 'no answer'})`))
    const command = vsctl.setBridgeArgv(plan.bridge, plan.settings, {noWait: !probe.running})
    return {
      bridge: plan.bridge,
      changed: true,
      stp: plan.stp,
      rstp: plan.rstp,
      active: probe.running,
      applied: Object.fromEntries(plan.settings),
      command,
      dryRun: true,
      warnings,
    }
  }
  const set = await vsctl.setBridge(plan.bridge, plan.settings, {noWait: !probe.running, bridges})
  let active = probe.running
  if (!probe.running) warnings.push(notActive(`is not running (${probe.reason ?? 'no answer'})`))
  else if (set.unconfirmed) {
    active = false
    warnings.push(notActive('did not confirm within --timeout'))
  }
  // Read back.
  const after = findBridge(await vsctl.snapshot(), plan.bridge, vsctl.where)
  if (after.stpEnable !== plan.stp || after.rstpEnable !== plan.rstp) {
    throw new VerificationError(
      `after setting, ${plan.bridge} has stp_enable=${after.stpEnable} rstp_enable=${after.rstpEnable} (wanted ${plan.stp}/${plan.rstp})`,
      {
        suggestions: ['another tool may be managing this bridge; check: ovs-vsctl list Bridge ' + plan.bridge],
      },
    )
  }
  return {
    bridge: plan.bridge,
    changed: true,
    stp: plan.stp,
    rstp: plan.rstp,
    active,
    applied: Object.fromEntries(plan.settings),
    command: set.command,
    dryRun: false,
    warnings,
  }
}

export async function stpOn(vsctl: Vsctl, bridge: string, o: StpOnOptions, hooks: ChangeHooks = {}): Promise<StpChangeResult> {
  validateStpOptions(o)
  const snap = await vsctl.snapshot()
  const b = findBridge(snap, bridge, vsctl.where)
  return applyPlan(vsctl, planStpOn(b, o, vsctl.where), bridgeNames(snap), hooks)
}

export async function stpOff(vsctl: Vsctl, bridge: string, hooks: ChangeHooks = {}): Promise<StpChangeResult> {
  const snap = await vsctl.snapshot()
  const b = findBridge(snap, bridge, vsctl.where)
  return applyPlan(vsctl, planStpOff(b), bridgeNames(snap), hooks)
}

/* ------------------------------------------------------------------ wait --------------- */

/** A port has settled when it forwards or blocks (RSTP: forwarding, or discarding as alternate/backup). */
export function isSettled(p: StpPortStatus, mode: StpMode): boolean {
  if (p.internal || p.state === null) return true
  if (p.state === 'forwarding' || p.state === 'disabled') return true
  if (mode === 'stp') return p.state === 'blocking'
  return p.state === 'discarding' && (p.role === 'alternate' || p.role === 'backup' || p.role === 'disabled')
}

export interface WaitOptions {
  timeoutMs: number
  pollMs?: number
  onProgress?: (status: StpBridgeStatus, elapsedMs: number) => void
  /** For tests. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export function stateCounts(st: StpBridgeStatus): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const p of st.ports) if (!p.internal && p.state !== null) counts[p.state] = (counts[p.state] ?? 0) + 1
  return counts
}

/** Poll until every STP port of `bridge` has settled; throws ExecTimeoutError after timeoutMs. */
export async function waitUntilSettled(vsctl: Vsctl, bridge: string, o: WaitOptions): Promise<StpBridgeStatus> {
  const now = o.now ?? Date.now
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const start = now()
  for (;;) {
    const [st] = await getStpStatus(vsctl, bridge)
    if (st === undefined) throw new Error('unreachable: getStpStatus returned nothing')
    const elapsed = now() - start
    o.onProgress?.(st, elapsed)
    if (st.mode === 'off' || !st.active) return st
    const hasStpPorts = st.ports.some((p) => !p.internal)
    if (hasStpPorts && st.ports.every((p) => isSettled(p, st.mode))) return st
    if (!hasStpPorts) return st
    if (elapsed >= o.timeoutMs) {
      const pending = st.ports.filter((p) => !isSettled(p, st.mode)).map((p) => `${p.name}=${p.state ?? '?'}`)
      throw new ExecTimeoutError(`${bridge}: ports not settled after ${Math.round(elapsed / 1000)} s: ${pending.join(', ')}`, {
        suggestions: [
          "the root bridge's timers govern the tree: 2 x forward-delay is the minimum",
          'check again: netops ovs stp status ' + bridge,
        ],
        details: {bridge, pending},
      })
    }
    await sleep(o.pollMs ?? 500)
  }
}

/** How long --wait allows: 2 x forward-delay + max-age + 10 s, at least 60 s (the root's timers may be slower). */
export function waitBudgetMs(st: StpBridgeStatus | undefined, o: StpOnOptions): number {
  const fd = o.forwardDelay ?? st?.config.forwardDelay ?? STP_DEFAULTS.forwardDelay
  const ma = o.maxAge ?? st?.config.maxAge ?? STP_DEFAULTS.maxAge
  return Math.max(60, 2 * fd + ma + 10) * 1000
}
