/**
 * The lab switch: a simulated Cisco IOS-XE / NX-OS switch on 127.0.0.1 over SSH, with port 19
 * err-disabled by a keepalive loop (or another scenario), for demos, integration tests and the
 * benchmark. The device model (`device`) can be inspected and changed directly by tests.
 *
 * Default credentials are public lab defaults: admin / admin, enable secret `cisco`.
 */
import {InputError, ListenError, NetopsError} from '../../errors.js'
import type {Clock} from '../clock.js'
import type {LabFaults} from './cli.js'
import {Device, type Scenario} from './device.js'
import {generateHostKey, loadHostKey, type HostKey} from './host-key.js'
import type {SwitchModel} from './ports.js'
import {startSshFront} from './ssh-server.js'
import type {SwitchTopology} from './topology.js'
import type {PlatformName} from '../../platforms/types.js'

export const LAB_DEFAULTS = {
  host: '127.0.0.1',
  username: 'admin',
  password: 'admin',
  enablePassword: 'cisco',
  hostname: 'sw1',
} as const

export interface LabSwitchOptions {
  platform?: PlatformName
  /** Listen address (default 127.0.0.1). */
  host?: string
  /** 0 = any free port. */
  port?: number
  username?: string
  password?: string
  enablePassword?: string
  hostname?: string
  /** Multiplies device durations: 0.01 turns the 300 s recovery timer into 3 s. */
  timeScale?: number
  scenario?: Scenario
  /** IOS only: `single` = WS-C3850-48P (Gi1/0/1-48, Te1/1/1-4); `stack` adds member 2. */
  model?: SwitchModel
  /**
   * Offer ONLY what Cisco IOS `SSH-2.0-Cisco-1.25` offers (SHA-1 DH KEX, ssh-rsa, CBC, hmac-sha1) with an
   * RSA host key, except diffie-hellman-group-exchange-sha1, which ssh2's server cannot do (see LEGACY_ALGORITHMS).
   */
  legacySsh?: boolean
  clock?: Clock
  faults?: LabFaults
  /** OpenSSH public key lines allowed to log in with publickey auth. */
  authorizedKeys?: string[]
  /** A host key to use (OpenSSH/PEM private key text), or a HostKey; generated when absent. */
  hostKey?: string | Buffer | HostKey
  /** Add the up-to-15 % random extra real IOS puts on the recovery timer (default off). */
  jitter?: boolean
  /** A device to serve instead of building one (e.g. one restored from a state file). */
  device?: Device
  /** Build the switch a topology file describes (hostname, platform and model come from it). */
  topology?: SwitchTopology
  /** Delay of `write memory` / `copy running-config startup-config` in ms (default 40 IOS, 250 NX-OS). */
  saveDelayMs?: number
}

export interface LabSwitch {
  host: string
  port: number
  username: string
  password: string
  enablePassword: string
  platform: PlatformName
  hostKeyFingerprint: string
  hostPublicKey: string
  /** The model: inspect or change state in tests. */
  device: Device
  close(): Promise<void>
}

function resolveHostKey(opts: LabSwitchOptions): HostKey {
  const k = opts.hostKey
  if (k === undefined) return generateHostKey(opts.legacySsh ? 'rsa' : 'ed25519')
  if (typeof k === 'string' || Buffer.isBuffer(k)) return loadHostKey(k)
  return k
}

export async function startLabSwitch(opts: LabSwitchOptions = {}): Promise<LabSwitch> {
  const hostKey = resolveHostKey(opts)
  if (opts.legacySsh && hostKey.type !== 'ssh-rsa') throw new Error('legacy SSH needs an RSA host key (classic IOS offers only ssh-rsa)')
  const device =
    opts.device ??
    new Device({
      ...(opts.topology ? {topology: opts.topology} : {}),
      platform: opts.topology?.platform ?? opts.platform ?? 'ios',
      hostname: opts.hostname ?? LAB_DEFAULTS.hostname,
      ...(opts.topology ? {} : {model: opts.model ?? 'single'}),
      scenario: opts.scenario ?? 'loop',
      timeScale: opts.timeScale ?? 1,
      jitter: opts.jitter ?? false,
      ...(opts.clock ? {clock: opts.clock} : {}),
    })
  const username = opts.username ?? LAB_DEFAULTS.username
  const password = opts.password ?? LAB_DEFAULTS.password
  const enablePassword = opts.enablePassword ?? LAB_DEFAULTS.enablePassword
  const front = await startSshFront({
    device,
    hostKey,
    host: opts.host ?? LAB_DEFAULTS.host,
    port: opts.port ?? 0,
    username,
    password,
    enablePassword,
    legacySsh: opts.legacySsh ?? false,
    faults: opts.faults ?? {},
    authorizedKeys: opts.authorizedKeys ?? [],
    ...(opts.saveDelayMs === undefined ? {} : {saveDelayMs: opts.saveDelayMs}),
  })
  let closed = false
  return {
    host: front.host,
    port: front.port,
    username,
    password,
    enablePassword,
    platform: device.platform,
    hostKeyFingerprint: hostKey.fingerprint,
    hostPublicKey: hostKey.publicKey,
    device,
    async close() {
      if (closed) return
      closed = true
      device.close()
      await front.close()
    },
  }
}

/**
 * N switches for benchmarks: one shared host key, hostnames sw1..swN (or `<hostname>-<i>`; a
 * fleet of one keeps `hostname`, default sw1),
 * ports consecutive from `port` when given, else any free ports.
 */
/** A fleet listens on `port`..`port + count - 1`: all must be valid TCP ports (0 = any free ones). */
function checkFleetPorts(port: number, count: number): void {
  const last = port + count - 1
  if (port === 0 || last <= 65535) return
  throw new InputError(`--ssh-port ${port} with --count ${count} needs ports ${port}-${last}, past the last TCP port 65535`, {
    suggestions: [`use --ssh-port ${65536 - count} or lower with --count ${count}`, 'or --ssh-port 0: any free ports'],
    details: {port, count, last},
  })
}

/** Why the lab could not start listening, named with the port that failed and what to change. */
export function labListenError(error: unknown, port: number): NetopsError {
  if (error instanceof NetopsError) return error
  const e = error as NodeJS.ErrnoException & {port?: number}
  const at = typeof e.port === 'number' && e.port !== 0 ? e.port : port
  const code = e.code ?? e.message
  const suggestions =
    e.code === 'EADDRINUSE'
      ? [`port ${at} is in use: pick another --ssh-port, or 0 for any free port`]
      : e.code === 'EACCES'
        ? ['ports below 1024 need root: pick --ssh-port 1024 or above, or 0 for any free port']
        : ['check --host-key and --authorized-keys']
  return new ListenError(`cannot listen on 127.0.0.1:${at}: ${code}`, {suggestions, cause: error})
}

export async function startLabFleet(count: number, opts: LabSwitchOptions = {}): Promise<{switches: LabSwitch[]; close(): Promise<void>}> {
  checkFleetPorts(opts.port ?? 0, count)
  const hostKey = resolveHostKey(opts)
  const switches: LabSwitch[] = []
  const base = opts.port ?? 0
  const starting: Array<Promise<LabSwitch>> = []
  for (let i = 0; i < count; i++) {
    const {device: _device, ...rest} = opts
    starting.push(
      startLabSwitch({
        ...rest,
        hostKey,
        port: base === 0 ? 0 : base + i,
        hostname: count === 1 ? (opts.hostname ?? LAB_DEFAULTS.hostname) : opts.hostname ? `${opts.hostname}-${i + 1}` : `sw${i + 1}`,
      }),
    )
  }
  const results = await Promise.allSettled(starting)
  for (const r of results) if (r.status === 'fulfilled') switches.push(r.value)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const close = async (): Promise<void> => {
    await Promise.all(switches.map((s) => s.close()))
  }
  if (failed) {
    await close()
    throw failed.reason
  }
  return {switches, close}
}

/**
 * The switches of a topology file (src/lab/switch/topology.ts), one SSH port each: the switch's `ssh_port`, else
 * `port + i` when `port` is given, else any free port. They share one host key, like a `--count` fleet.
 */
export async function startLabTopology(
  topology: SwitchTopology[],
  opts: LabSwitchOptions = {},
): Promise<{switches: LabSwitch[]; close(): Promise<void>}> {
  checkFleetPorts(opts.port ?? 0, topology.length)
  const hostKey = resolveHostKey(opts)
  const base = opts.port ?? 0
  const {device: _device, ...rest} = opts
  const results = await Promise.allSettled(
    topology.map((t, i) =>
      startLabSwitch({...rest, hostKey, topology: t, hostname: t.hostname, port: t.sshPort ?? (base === 0 ? 0 : base + i)}),
    ),
  )
  const switches = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const close = async (): Promise<void> => {
    await Promise.all(switches.map((s) => s.close()))
  }
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await close()
    throw failed.reason
  }
  return {switches, close}
}
