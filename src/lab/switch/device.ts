/**
 * The simulated switch itself, independent of any transport: ports, configuration, the log
 * buffer and the physics of keepalive loop-back err-disable and errdisable recovery.
 *
 * Time comes from an injectable Clock. Events (loop detected, recovery timer) are kept as
 * absolute due times per port; `sync()` processes every event that is due, in order, so a
 * state file reloaded later (or a FakeClock advanced by an hour) catches up exactly. Only one
 * clock timer per device exists, and only while something is pending, so idle fleets cost nothing.
 */
import {systemClock, type Clock, type TimerHandle} from '../clock.js'
import {buildPorts, findPort as findPortIn, type PortSpec, type SwitchModel} from './ports.js'
import type {PlatformName} from '../../platforms/types.js'
import {DEFAULT_BASE_MAC, type FarEnd, type LearnedMac, type SwitchTopology} from './topology.js'

export type Scenario = 'loop' | 'flapping' | 'healthy' | 'bpduguard'
export type PortStatus = 'connected' | 'notconnect' | 'disabled' | 'err-disabled'
export const SCENARIOS: readonly Scenario[] = ['loop', 'flapping', 'healthy', 'bpduguard']

/** The port every scenario is about (19 on member 1). */
export const SCENARIO_PORT = {ios: 'GigabitEthernet1/0/19', nxos: 'Ethernet1/19'} as const

export interface PortState extends PortSpec {
  description: string | null
  /** Access VLAN, or 'trunk'. */
  vlan: number | 'trunk'
  shutdown: boolean
  /** Keepalive period in seconds; null after `no keepalive`. NX-OS has no command for it: always 10. */
  keepalive: number | null
  portfast: boolean
  bpduguard: boolean
  loopdetect: boolean
  /** Something is plugged in at the far end (link comes up when enabled). */
  cable: boolean
  /** The far end reflects the switch's own keepalive frames back (the loop). */
  reflectsKeepalive: boolean
  /** The far end sends BPDUs (trips bpduguard). */
  sendsBpdu: boolean
  errDisabled: string | null
  errDisabledAt: number | null
  /** Topology lab: what the cable reaches (node NIC or another lab switch); absent on the built-in scenarios. */
  far?: FarEnd | null
  /** Topology lab: MACs learned on the port while it is up (besides a node cable's NIC MAC). */
  learned?: LearnedMac[]
  /** Topology lab: a trunk's allowed VLANs (empty = all). */
  trunkVlans?: number[]
  /** Pending detection of the loop / BPDU: when and for which err-disable cause. */
  detect: {at: number; reason: string} | null
  /** Pending errdisable recovery: base time (interval counts from it) and due time. */
  recover: {from: number; at: number} | null
  lastChange: number
}

export interface LogEntry {
  seq: number
  at: number
  text: string
}

export interface DeviceOptions {
  platform?: PlatformName
  hostname?: string
  model?: SwitchModel
  scenario?: Scenario
  /** Multiplies every device duration (keepalive 10 s, recovery interval, BPDU hello). 0.01 → 300 s become 3 s. */
  timeScale?: number
  clock?: Clock
  /** Real IOS starts the recovery timer with up to 15 % random extra; off by default (deterministic). */
  jitter?: boolean
  random?: () => number
  /** Restore a saved state (see toJSON) instead of building the scenario. */
  state?: DeviceSnapshot
  /** Build the switch a topology file describes (src/lab/switch/topology.ts) instead of a scenario. */
  topology?: SwitchTopology
}

export interface DeviceSnapshot {
  version: 1
  platform: PlatformName
  hostname: string
  model: SwitchModel
  scenario: Scenario
  timeScale: number
  bootTime: number
  ports: PortState[]
  recoveryCauses: string[]
  recoveryInterval: number
  log: LogEntry[]
  seq: number
  startupConfig: string[] | null
  lastConfigChange: {at: number; by: string} | null
  /** Topology lab identity (absent in older snapshots: the defaults). */
  baseMac?: string
  mgmtAddress?: string | null
  vlans?: Array<{id: number; name: string}>
}

const LOG_LIMIT = 2000
const BPDU_HELLO_S = 2
export const RECOVERY_RANGE = {ios: [30, 86400], nxos: [30, 65535]} as const

export class Device {
  readonly platform: PlatformName
  readonly model: SwitchModel
  readonly scenario: Scenario
  readonly timeScale: number
  readonly clock: Clock
  hostname: string
  bootTime: number
  ports: PortState[]
  recoveryCauses = new Set<string>()
  recoveryInterval = 300
  log: LogEntry[] = []
  startupConfig: string[] | null = null
  lastConfigChange: {at: number; by: string} | null = null
  /** Chassis (base Ethernet) MAC, lower-case colon form. */
  baseMac: string
  /** Management address advertised in LLDP / CDP (topology lab), if any. */
  mgmtAddress: string | null = null
  /** VLANs as `show vlan brief` lists them. */
  vlans: Array<{id: number; name: string}>
  private seq = 0
  private timer: TimerHandle | undefined
  private timerAt: number | undefined
  private readonly jitter: boolean
  private readonly random: () => number
  private listeners: Array<() => void> = []
  private closed = false

  constructor(opts: DeviceOptions = {}) {
    this.clock = opts.clock ?? systemClock
    this.jitter = opts.jitter ?? false
    this.random = opts.random ?? Math.random
    const s = opts.state
    this.platform = s?.platform ?? opts.topology?.platform ?? opts.platform ?? 'ios'
    this.model = this.platform === 'nxos' ? 'single' : (s?.model ?? opts.topology?.model ?? opts.model ?? 'single')
    this.scenario = s?.scenario ?? opts.scenario ?? 'loop'
    this.timeScale = s?.timeScale ?? opts.timeScale ?? 1
    if (!(this.timeScale > 0)) throw new RangeError('timeScale must be > 0')
    this.hostname = s?.hostname ?? opts.topology?.hostname ?? opts.hostname ?? 'sw1'
    this.baseMac = s?.baseMac ?? opts.topology?.baseMac ?? DEFAULT_BASE_MAC[this.platform]
    this.mgmtAddress = s?.mgmtAddress ?? opts.topology?.mgmtAddress ?? null
    this.vlans = s?.vlans ??
      opts.topology?.vlans ?? [
        {id: 1, name: 'default'},
        {id: 10, name: 'VLAN0010'},
      ]
    const now = this.clock.now()
    if (s) {
      this.bootTime = s.bootTime
      this.ports = s.ports.map((p) => ({...p}))
      this.recoveryCauses = new Set(s.recoveryCauses)
      this.recoveryInterval = s.recoveryInterval
      this.log = s.log.map((e) => ({...e}))
      this.seq = s.seq
      this.startupConfig = s.startupConfig
      this.lastConfigChange = s.lastConfigChange
      this.sync()
      return
    }
    this.bootTime = now - 3 * 86400_000 - 4 * 3600_000 - 17 * 60_000
    if (opts.topology) {
      this.ports = buildPorts(this.platform, this.model).map((spec) => barePort(spec, this.bootTime))
      this.buildTopology(opts.topology, now)
      return
    }
    this.ports = buildPorts(this.platform, this.model).map((spec) => initialPort(spec, this.platform, this.bootTime))
    this.buildScenario(now)
    this.startupConfig = null
  }

  // ---- time helpers -------------------------------------------------------------------------

  /** A device duration in seconds → milliseconds of (scaled) clock time. */
  ms(seconds: number): number {
    return seconds * 1000 * this.timeScale
  }

  now(): number {
    return this.clock.now()
  }

  // ---- queries --------------------------------------------------------------------------------

  findPort(ref: string): PortState | undefined {
    return findPortIn(this.platform, this.ports, ref)
  }

  port(ref: string): PortState {
    const p = this.findPort(ref)
    if (!p) throw new Error(`no such port on ${this.hostname}: ${ref}`)
    return p
  }

  isUp(p: PortState): boolean {
    return !p.shutdown && p.errDisabled === null && p.cable
  }

  status(p: PortState): PortStatus {
    if (p.errDisabled !== null) return 'err-disabled'
    if (p.shutdown) return 'disabled'
    return p.cable ? 'connected' : 'notconnect'
  }

  /** Keepalive as the port actually runs it (NX-OS: always on internally, no command to change it). */
  keepaliveOn(p: PortState): boolean {
    return this.platform === 'nxos' ? true : p.keepalive !== null
  }

  /** Ports waiting for the recovery timer, with the device-seconds left (what `show errdisable recovery` prints). */
  pendingRecoveries(): Array<{port: PortState; reason: string; secondsLeft: number}> {
    this.sync()
    const now = this.now()
    return this.ports
      .filter((p) => p.recover !== null && p.errDisabled !== null)
      .map((p) => ({
        port: p,
        reason: p.errDisabled!,
        secondsLeft: Math.max(0, Math.ceil((p.recover!.at - now) / (1000 * this.timeScale))),
      }))
  }

  onChange(fn: () => void): () => void {
    this.listeners.push(fn)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn)
    }
  }

  // ---- configuration (what the CLI calls) -------------------------------------------------------

  setKeepalive(ref: string, seconds: number | null): void {
    this.sync()
    const p = this.port(ref)
    p.keepalive = seconds
    this.rearm(p, this.now())
    this.changed()
  }

  setShutdown(ref: string, shutdown: boolean): void {
    this.sync()
    const p = this.port(ref)
    const at = this.now()
    if (shutdown === p.shutdown && !(shutdown === false && p.errDisabled !== null)) return
    if (shutdown) {
      const wasUp = this.isUp(p)
      p.shutdown = true
      p.errDisabled = null
      p.errDisabledAt = null
      p.detect = null
      p.recover = null
      p.lastChange = at
      if (this.platform === 'ios') {
        if (wasUp) this.emit(at, `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${p.name}, changed state to down`)
        this.emit(at, `%LINK-5-CHANGED: Interface ${p.name}, changed state to administratively down`)
      } else {
        this.emit(at, `%ETHPORT-5-IF_DOWN_ADMIN_DOWN: Interface ${p.name} is down (Administratively down)`)
      }
    } else {
      // `no shutdown` also clears an err-disabled state (the manual recovery)
      p.shutdown = false
      p.errDisabled = null
      p.errDisabledAt = null
      p.recover = null
      this.linkUp(p, at)
    }
    this.changed()
  }

  setDescription(ref: string, text: string | null): void {
    const p = this.port(ref)
    p.description = text
    this.changed()
  }

  setVlan(ref: string, vlan: number): void {
    const p = this.port(ref)
    p.vlan = vlan
    this.changed()
  }

  setPortfast(ref: string, on: boolean): void {
    this.port(ref).portfast = on
    this.changed()
  }

  setBpduguard(ref: string, on: boolean): void {
    this.sync()
    const p = this.port(ref)
    p.bpduguard = on
    this.rearm(p, this.now())
    this.changed()
  }

  setLoopdetect(ref: string, on: boolean): void {
    this.sync()
    const p = this.port(ref)
    p.loopdetect = on
    if (p.detect?.reason === 'loopdetect' && !on) p.detect = null
    this.rearm(p, this.now())
    this.changed()
  }

  /** Test knob: the far end stops (or starts) reflecting keepalives. */
  setLoop(ref: string, present: boolean): void {
    this.sync()
    const p = this.port(ref)
    p.reflectsKeepalive = present
    this.rearm(p, this.now())
    this.changed()
  }

  /** Test knob: plug or unplug the far end. */
  setCable(ref: string, plugged: boolean): void {
    this.sync()
    const p = this.port(ref)
    const at = this.now()
    if (p.cable === plugged) return
    const wasUp = this.isUp(p)
    p.cable = plugged
    if (plugged) this.linkUp(p, at)
    else if (wasUp) this.linkDown(p, at)
    this.changed()
  }

  setRecoveryCause(cause: string, on: boolean): void {
    this.sync()
    const at = this.now()
    const causes = cause === 'all' ? recoveryCauseKeywords(this.platform).filter((c) => c !== 'all') : [cause]
    for (const c of causes) {
      if (on) this.recoveryCauses.add(c)
      else this.recoveryCauses.delete(c)
    }
    for (const p of this.ports) {
      if (p.errDisabled === null || !causes.includes(p.errDisabled)) continue
      if (on && p.recover === null) p.recover = {from: at, at: at + this.recoveryMs()}
      if (!on) p.recover = null
    }
    this.reschedule()
    this.changed()
  }

  setRecoveryInterval(seconds: number): void {
    this.sync()
    this.recoveryInterval = seconds
    for (const p of this.ports) if (p.recover) p.recover = {from: p.recover.from, at: p.recover.from + this.recoveryMs()}
    this.sync()
    this.changed()
  }

  setHostname(name: string): void {
    this.hostname = name
    this.changed()
  }

  /** `%SYS-5-CONFIG_I` / NX-OS VSHD line when a user leaves configuration mode. */
  logConfigured(user: string, from: string): void {
    const at = this.now()
    this.lastConfigChange = {at, by: user}
    if (this.platform === 'ios') this.emit(at, `%SYS-5-CONFIG_I: Configured from console by ${user} on vty0 (${from})`)
    else this.emit(at, `%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by ${user} on ${from}@pts/0`)
    this.changed()
  }

  saveStartup(lines: string[]): void {
    this.startupConfig = lines
    this.changed()
  }

  // ---- physics --------------------------------------------------------------------------------

  /** Process every event due by now (or by `until`), then arm one clock timer for the next one. */
  sync(until: number = this.now()): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let next: {p: PortState; kind: 'detect' | 'recover'; at: number} | undefined
      for (const p of this.ports) {
        if (p.detect && p.detect.at <= until && (!next || p.detect.at < next.at)) next = {p, kind: 'detect', at: p.detect.at}
        if (p.recover && p.recover.at <= until && (!next || p.recover.at < next.at)) next = {p, kind: 'recover', at: p.recover.at}
      }
      if (!next) break
      if (next.kind === 'detect') this.fireDetect(next.p, next.at)
      else this.fireRecover(next.p, next.at)
      this.changed()
    }
    this.reschedule()
  }

  private recoveryMs(): number {
    const base = this.ms(this.recoveryInterval)
    return this.jitter ? base * (1 + 0.15 * this.random()) : base
  }

  private linkUp(p: PortState, at: number): void {
    if (!this.isUp(p)) {
      if (!p.shutdown && p.errDisabled === null && !p.cable && this.platform === 'ios') {
        this.emit(at, `%LINK-3-UPDOWN: Interface ${p.name}, changed state to down`)
      }
      return
    }
    p.lastChange = at
    if (this.platform === 'ios') {
      this.emit(at, `%LINK-3-UPDOWN: Interface ${p.name}, changed state to up`)
      this.emit(at, `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${p.name}, changed state to up`)
    } else {
      this.emit(at, `%ETHPORT-5-IF_UP: Interface ${p.name} is up in mode ${p.vlan === 'trunk' ? 'trunk' : 'access'}`)
    }
    this.rearm(p, at)
  }

  private linkDown(p: PortState, at: number): void {
    p.detect = null
    p.lastChange = at
    if (this.platform === 'ios') {
      this.emit(at, `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${p.name}, changed state to down`)
      this.emit(at, `%LINK-3-UPDOWN: Interface ${p.name}, changed state to down`)
    } else {
      this.emit(at, `%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface ${p.name} is down (Link failure)`)
    }
  }

  /** Work out what the far end will make the port do next (loop or BPDU detection), from time `at`. */
  private rearm(p: PortState, at: number): void {
    if (!this.isUp(p)) {
      p.detect = null
      this.reschedule()
      return
    }
    // what the far end will trip first: Loop Detection Guard (5 s frames), keepalive (10 s), BPDU guard (2 s hello)
    const options: Array<{reason: string; after: number}> = []
    if (p.reflectsKeepalive && p.loopdetect && this.platform === 'ios') options.push({reason: 'loopdetect', after: 5})
    if (p.reflectsKeepalive && this.keepaliveOn(p)) options.push({reason: 'loopback', after: this.platform === 'nxos' ? 10 : p.keepalive!})
    if (p.sendsBpdu && p.bpduguard) options.push({reason: 'bpduguard', after: BPDU_HELLO_S})
    if (options.length === 0) {
      p.detect = null
    } else if (!p.detect || !options.some((o) => o.reason === p.detect!.reason)) {
      const first = options.reduce((a, b) => (b.after < a.after ? b : a))
      p.detect = {at: at + this.ms(first.after), reason: first.reason}
    }
    this.reschedule()
  }

  private fireDetect(p: PortState, at: number): void {
    const reason = p.detect!.reason
    p.detect = null
    if (this.platform === 'ios') {
      // Classic Catalyst IOS text (captured); UNVERIFIED on IOS-XE 16/17 (the lab's 3850), where 9400/9600 log
      // `%PLATFORM_PM-3-LOOP_BACK_DETECTED: Loop-back detected on <if>.` instead (addendum).
      if (reason === 'loopback') this.emit(at, `%ETHCNTR-3-LOOP_BACK_DETECTED: Keepalive packet loop-back detected on ${p.name}.`)
      else if (reason === 'loopdetect') {
        // Loop Detection Guard: only the PM line is modelled (its own message text is unverified)
      } else this.emit(at, `%SPANTREE-2-BLOCK_BPDUGUARD: Received BPDU on port ${p.short} with BPDU Guard enabled. Disabling port.`)
      this.emit(at, `%PM-4-ERR_DISABLE: ${reason} error detected on ${p.short}, putting ${p.short} in err-disable state`)
      this.emit(at, `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${p.name}, changed state to down`)
      this.emit(at, `%LINK-3-UPDOWN: Interface ${p.name}, changed state to down`)
    } else {
      if (reason === 'bpduguard')
        this.emit(at, `%STP-2-BLOCK_BPDUGUARD: Received BPDU on port ${p.name} with BPDU Guard enabled. Disabling port.`)
      // Captured at severity 5 and 2 with reasons such as `UDLD empty echo`, `BPDUGuard` (addendum);
      // UNVERIFIED: `Reason:loopback` (no capture of the loopback cause's reason text was found).
      const why = reason === 'bpduguard' ? 'BPDUGuard' : reason
      this.emit(at, `%ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface ${p.name} is down (Error disabled. Reason:${why})`)
    }
    p.errDisabled = reason
    p.errDisabledAt = at
    p.lastChange = at
    p.recover = this.recoveryCauses.has(reason) ? {from: at, at: at + this.recoveryMs()} : null
  }

  private fireRecover(p: PortState, at: number): void {
    const reason = p.errDisabled ?? 'unknown'
    p.recover = null
    if (this.platform === 'ios') {
      this.emit(at, `%PM-4-ERR_RECOVER: Attempting to recover from ${reason} err-disable state on ${p.short}`)
    } else {
      // UNVERIFIED: IF_ERRDIS_RECOVERY `Interface X is being recovered from error disabled state ...` is seen only
      // as a collector's parsing pattern; its severity and the `(Last Reason:...)` tail are our guess.
      this.emit(
        at,
        `%ETHPORT-5-IF_ERRDIS_RECOVERY: Interface ${p.name} is being recovered from error disabled state (Last Reason:${reason})`,
      )
    }
    p.errDisabled = null
    p.errDisabledAt = null
    this.linkUp(p, at)
  }

  private emit(at: number, text: string): void {
    this.seq++
    this.log.push({seq: this.seq, at, text})
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT)
  }

  private reschedule(): void {
    if (this.closed) return
    let next: number | undefined
    for (const p of this.ports) {
      if (p.detect && (next === undefined || p.detect.at < next)) next = p.detect.at
      if (p.recover && (next === undefined || p.recover.at < next)) next = p.recover.at
    }
    if (next === this.timerAt) return
    this.timer?.cancel()
    this.timer = undefined
    this.timerAt = next
    if (next === undefined) return
    this.timer = this.clock.setTimer(Math.max(0, next - this.now()), () => {
      this.timer = undefined
      this.timerAt = undefined
      this.sync()
    })
  }

  private changed(): void {
    for (const l of this.listeners) l()
  }

  // ---- scenarios --------------------------------------------------------------------------------

  private buildScenario(now: number): void {
    const p = this.port(SCENARIO_PORT[this.platform])
    const k = this.ms(10)
    const i = this.ms(this.recoveryInterval)
    let start: number
    switch (this.scenario) {
      case 'healthy':
        p.reflectsKeepalive = false
        return
      case 'loop':
        p.reflectsKeepalive = true
        start = now - k - this.ms(737)
        break
      case 'flapping':
        p.reflectsKeepalive = true
        this.recoveryCauses.add('loopback')
        // three complete err-disable → recover cycles, err-disabled again 5 device-seconds ago
        start = now - 3 * k - 2 * i - this.ms(5)
        break
      case 'bpduguard':
        p.reflectsKeepalive = false
        p.sendsBpdu = true
        p.portfast = true
        p.bpduguard = true
        start = now - this.ms(BPDU_HELLO_S) - this.ms(421)
        break
    }
    // the port comes up at `start`; the physics writes the history up to now
    this.linkUp(p, start)
    this.sync(now)
  }

  /** Ports as the topology cables them; err-disabled ones come up and trip the keepalive loop-back as in the loop scenario. */
  private buildTopology(t: SwitchTopology, now: number): void {
    const looped: PortState[] = []
    for (const pt of t.ports) {
      const p = this.port(pt.port)
      p.vlan = pt.mode === 'trunk' ? 'trunk' : pt.vlan
      p.trunkVlans = pt.trunkVlans
      p.description = pt.description
      p.far = pt.far
      p.learned = pt.learned
      p.cable = pt.state !== 'down'
      p.shutdown = pt.state === 'shutdown'
      p.portfast = pt.far?.kind === 'node'
      if (pt.state === 'err-disabled') {
        p.reflectsKeepalive = true
        looped.push(p)
      }
    }
    const start = now - this.ms(10) - this.ms(737)
    for (const p of looped) this.linkUp(p, start)
    this.sync(now)
  }

  /** MACs the port has learned (none unless it is up): a node cable's NIC MAC in the access VLAN, then `learned:`. */
  learnedMacs(p: PortState): LearnedMac[] {
    if (!this.isUp(p)) return []
    const out: LearnedMac[] = []
    if (p.far?.kind === 'node') out.push({mac: p.far.mac, vlan: p.vlan === 'trunk' ? 1 : p.vlan})
    for (const l of p.learned ?? []) out.push(l)
    return out
  }

  /** The neighbour heard on the port by LLDP or CDP (only while the link is up and the far end speaks it). */
  neighbor(p: PortState, protocol: 'lldp' | 'cdp'): FarEnd | null {
    if (!this.isUp(p) || !p.far) return null
    return p.far[protocol] ? p.far : null
  }

  // ---- persistence --------------------------------------------------------------------------------

  toJSON(): DeviceSnapshot {
    return {
      version: 1,
      platform: this.platform,
      hostname: this.hostname,
      model: this.model,
      scenario: this.scenario,
      timeScale: this.timeScale,
      bootTime: this.bootTime,
      ports: this.ports.map((p) => ({...p})),
      recoveryCauses: [...this.recoveryCauses],
      recoveryInterval: this.recoveryInterval,
      log: this.log,
      seq: this.seq,
      startupConfig: this.startupConfig,
      lastConfigChange: this.lastConfigChange,
      baseMac: this.baseMac,
      mgmtAddress: this.mgmtAddress,
      vlans: this.vlans,
    }
  }

  /** Replace the mutable state with a snapshot (another process changed the shared state file). */
  replaceState(s: DeviceSnapshot): void {
    this.hostname = s.hostname
    this.bootTime = s.bootTime
    this.ports = s.ports.map((p) => ({...p}))
    this.recoveryCauses = new Set(s.recoveryCauses)
    this.recoveryInterval = s.recoveryInterval
    this.log = s.log.map((e) => ({...e}))
    this.seq = s.seq
    this.startupConfig = s.startupConfig
    this.lastConfigChange = s.lastConfigChange
    this.sync()
  }

  /** Stop the device timer (the state stays readable). */
  close(): void {
    this.closed = true
    this.timer?.cancel()
    this.timer = undefined
    this.timerAt = undefined
  }
}

/** A port as it boots: no description, access VLAN 1, keepalive 10 s, no cable, nothing err-disabled. */
function barePort(spec: PortSpec, boot: number): PortState {
  return {
    ...spec,
    description: null,
    vlan: 1,
    shutdown: false,
    keepalive: 10,
    portfast: false,
    bpduguard: false,
    loopdetect: false,
    cable: false,
    reflectsKeepalive: false,
    sendsBpdu: false,
    errDisabled: null,
    errDisabledAt: null,
    detect: null,
    recover: null,
    lastChange: boot + 95_000,
  }
}

function initialPort(spec: PortSpec, platform: PlatformName, boot: number): PortState {
  const access = spec.media !== 'SFP-10GBase-SR' || platform === 'nxos'
  const n = Number(spec.numbers.split('/').at(-1))
  const member1 = platform === 'nxos' || spec.numbers.startsWith('1/')
  const uplink = !access
  const compute = member1 && access && n <= 24 && spec.type !== 'TenGigabitEthernet'
  return {
    ...barePort(spec, boot),
    description: compute ? `compute-${String(n).padStart(2, '0')} eth0` : uplink ? `uplink-core-${n}` : null,
    vlan: uplink ? 'trunk' : compute ? 10 : 1,
    portfast: compute,
    cable: compute || uplink,
  }
}

export const IOS_RECOVERY_CAUSES = [
  'arp-inspection',
  'bpduguard',
  'channel-misconfig (STP)',
  'dhcp-rate-limit',
  'dtp-flap',
  'gbic-invalid',
  'inline-power',
  'l2ptguard',
  'link-flap',
  'mac-limit',
  'link-monitor-failure',
  'loopback',
  'loopdetect',
  'oam-remote-failure',
  'pagp-flap',
  'port-mode-failure',
  'pppoe-ia-rate-limit',
  'psecure-violation',
  'security-violation',
  'sfp-config-mismatch',
  'storm-control',
  'udld',
  'vmps',
  'psp',
  'dual-active-recovery',
  'evc-lite input mapping fa',
  'Recovery command: "clear',
]

export const NXOS_RECOVERY_CAUSES = [
  'link-flap',
  'udld',
  'bpduguard',
  'loopback',
  'storm-ctrl',
  'sec-violation',
  'psec-violation',
  'vpc-peerlink',
  'failed-port-state',
  'event-debug',
  'event-debug1',
  'event-debug2',
  'event-debug3',
  'event-debug4',
  'miscabling',
]

/** The configuration keyword behind a `show errdisable recovery` row (`storm-ctrl` → `storm-control`). */
export function causeKeyword(platform: PlatformName, display: string): string {
  const word = display.split(' ')[0]!
  if (platform === 'nxos') {
    return (
      (
        {'storm-ctrl': 'storm-control', 'sec-violation': 'security-violation', 'psec-violation': 'psecure-violation'} as Record<
          string,
          string
        >
      )[word] ?? word
    )
  }
  return word
}

/** Causes the `errdisable recovery cause <x>` command accepts (keywords, not display names). */
export function recoveryCauseKeywords(platform: PlatformName): string[] {
  if (platform === 'nxos') {
    return [
      'all',
      'bpduguard',
      'failed-port-state',
      'link-flap',
      'loopback',
      'miscabling',
      'psecure-violation',
      'security-violation',
      'storm-control',
      'udld',
      'vpc-peerlink',
    ]
  }
  return [
    'all',
    'arp-inspection',
    'bpduguard',
    'channel-misconfig',
    'dhcp-rate-limit',
    'dtp-flap',
    'gbic-invalid',
    'inline-power',
    'l2ptguard',
    'link-flap',
    'link-monitor-failure',
    'loopback',
    'loopdetect',
    'mac-limit',
    'oam-remote-failure',
    'pagp-flap',
    'port-mode-failure',
    'pppoe-ia-rate-limit',
    'psecure-violation',
    'psp',
    'security-violation',
    'sfp-config-mismatch',
    'storm-control',
    'udld',
    'vmps',
  ]
}
