import type {PlatformName} from '../platforms/types.js'

export type EventKind = 'loopback-detected' | 'err-disabled' | 'recovered' | 'link-up' | 'link-down'

export interface PortEvent {
  /** The timestamp as the device logged it (`Nov 27 03:12:01.123`, `45w5d`, ...). */
  time: string
  kind: EventKind
  /** For err-disabled / recovered: the err-disable cause (`loopback`, `bpduguard`, ...). */
  reason: string | null
  message: string
  /** Orderable seconds from the log stamp (for intervals between events); null when unknown. */
  seconds: number | null
}

interface RecoveryState {
  /** `errdisable recovery cause loopback` is on. */
  loopback: boolean
  /** Timer interval; null when the device did not say. */
  intervalSeconds: number | null
  /** The device lists a `loopback` recovery cause at all (Catalyst 2950 does not). */
  loopbackCauseSupported: boolean
  /** Seconds until this port is re-enabled by the timer, when it is pending. */
  secondsUntilRecovery: number | null
}

/** Everything read from the device about one port. Read-only: gathering it never enters config mode. */
export interface PortFacts {
  host: string
  hostname: string
  platform: PlatformName
  /** `show version` summary, e.g. `IOS-XE 16.12.4 WS-C3850-48P`. */
  software: string | null
  /** Long name: `GigabitEthernet1/0/19`. */
  interface: string
  /** As `show interfaces status` prints it: `Gi1/0/19`. */
  shortName: string
  description: string | null
  status: string
  errDisabledReason: string | null
  /** true: keepalive on; false: `no keepalive`; null: the port has no keepalive (NX-OS Ethernet) or it is unknown. */
  keepalive: boolean | null
  keepaliveSeconds: number | null
  adminDown: boolean
  recovery: RecoveryState
  /** This port's loop-back / err-disable / recover / link events, oldest first. */
  events: PortEvent[]
  /** `show running-config interface` body lines (without `interface` and `end`). */
  runningConfig: string[]
}

export type Verdict =
  'keepalive-loopback' | 'loopback-awaiting-recovery' | 'loopback-no-keepalive-control' | 'err-disabled-other' | 'admin-down' | 'healthy'

export interface FlapSummary {
  /** Completed err-disable → recover → err-disable cycles seen in the log. */
  cycles: number
  errDisables: number
  recoveries: number
  /** Median seconds between a recovery and the next err-disable, when timestamps allow. */
  secondsUpAfterRecovery: number | null
}

export interface Diagnosis {
  host: string
  hostname: string
  platform: PlatformName
  software: string | null
  interface: string
  status: string
  errDisabledReason: string | null
  keepalive: boolean | null
  recovery: {loopback: boolean; intervalSeconds: number | null}
  secondsUntilRecovery: number | null
  events: PortEvent[]
  flapping: FlapSummary | null
  verdict: Verdict
  /** One-paragraph explanation of what happened, in operator language. */
  summary: string
  /** Further findings, one sentence each. */
  findings: string[]
  /** The exact CLI lines `fix-loop` would send (with default options). */
  plan: string[]
  /** Why some fix lines are not in the plan. */
  notes: string[]
}
