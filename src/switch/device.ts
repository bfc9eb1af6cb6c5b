import {InputError, PortAmbiguousError, PortNotFoundError} from '../errors.js'
import {parseErrdisableRecovery} from '../parsers/errdisable.js'
import {parseShowInterface} from '../parsers/interfaces.js'
import {parseInterfacesStatus, parseInterfacesStatusErrDisabled, type InterfaceStatusRow} from '../parsers/interfaces-status.js'
import {parseLogging, type LogEvent} from '../parsers/logging.js'
import {ORDINARY_STATUSES} from '../parsers/status.js'
import {parseRunningConfigInterface} from '../parsers/running-config.js'
import {detectPlatform, parseShowVersion, type ShowVersion} from '../parsers/version.js'
import {PLATFORMS} from '../platforms/index.js'
import {matchPort, normalizeInterface, sameInterface, shortName} from '../platforms/interface-names.js'
import type {PlatformName, PlatformSpec} from '../platforms/types.js'
import {CliSession, type CliChannel, type SessionLogEntry} from '../session/cli-session.js'
import {SshTransport} from '../ssh/transport.js'
import type {SshTargetOptions} from '../ssh/types.js'
import type {EventKind, PortEvent, PortFacts} from './types.js'

export interface OpenSwitchOptions {
  target: SshTargetOptions
  enablePassword?: string | undefined
  platform: PlatformName | 'auto'
  timeoutMs: number
  log?: (entry: SessionLogEntry) => void
}

/** Log lines worth reading for this story, per platform (a device-side filter keeps the read small). */
const LOG_FILTER: Record<PlatformName, string> = {
  ios: 'LOOP_BACK|ERR_DISABLE|ERR_RECOVER|ERR-RECOVER|UPDOWN|CHANGED',
  nxos: 'ETHPORT',
}

const EVENT_KINDS: Partial<Record<LogEvent['kind'], EventKind>> = {
  'loopback-detected': 'loopback-detected',
  'err-disabled': 'err-disabled',
  recovered: 'recovered',
  'link-up': 'link-up',
  'link-down': 'link-down',
  'admin-down': 'link-down',
}

/** A forced `--platform` that the device's `show version` contradicts. */
export interface PlatformConflict {
  /** What --platform asked for (the dialect in use). */
  forced: PlatformName
  /** What `show version` says. */
  detected: PlatformName
  /** The `show version` line that says so (e.g. `Cisco IOS XE Software, Version 16.12.04`). */
  evidence: string
}

/** One switch over one SSH session: reads port facts, and hands its CLI session to the fixer. */
export class SwitchDevice {
  private portList: InterfaceStatusRow[] | null = null

  private constructor(
    readonly name: string,
    readonly platform: PlatformSpec,
    readonly session: CliSession,
    readonly version: ShowVersion | null,
    private readonly transport: SshTransport | null,
    /** Set when a forced --platform disagrees with `show version` (the forced dialect is still used). */
    readonly platformConflict: PlatformConflict | null = null,
  ) {}

  /** Connect over SSH, open the CLI, and pick the dialect (from `show version` with `auto`). */
  static async open(opts: OpenSwitchOptions): Promise<SwitchDevice> {
    const transport = await SshTransport.connect(opts.target)
    try {
      const channel = await transport.shell({pty: {term: 'vt100', cols: 511, rows: 24}})
      return await SwitchDevice.overChannel(
        channel,
        {
          name: opts.target.host,
          label: `${transport.target.username}@${transport.target.host}:${transport.target.port}`,
          platform: opts.platform,
          enablePassword: opts.enablePassword,
          timeoutMs: opts.timeoutMs,
          ...(opts.log ? {log: opts.log} : {}),
        },
        transport,
      )
    } catch (error) {
      await transport.close()
      throw error
    }
  }

  /** Open over any CLI channel (tests use an in-memory one). */
  static async overChannel(
    channel: CliChannel,
    o: {
      name: string
      label: string
      platform: PlatformName | 'auto'
      enablePassword?: string | undefined
      timeoutMs: number
      log?: (e: SessionLogEntry) => void
    },
    transport: SshTransport | null = null,
  ): Promise<SwitchDevice> {
    // Both dialects share prompts, enable and paging, so the session opens with IOS rules first.
    const initial = PLATFORMS[o.platform === 'auto' ? 'ios' : o.platform]
    const session = new CliSession(channel, {
      platform: initial,
      timeoutMs: o.timeoutMs,
      target: o.label,
      enablePassword: o.enablePassword,
      ...(o.log ? {log: o.log} : {}),
    })
    await session.open()
    const versionText = (await session.send(initial.commands.version)).output
    const version = parseShowVersion(versionText)
    let platform = initial
    const detected = detectPlatform(versionText)
    let conflict: PlatformConflict | null = null
    if (o.platform === 'auto') {
      platform = PLATFORMS[detected ?? 'ios']
      if (platform !== initial) session.usePlatform(platform)
    } else if (detected !== null && detected !== o.platform) {
      conflict = {forced: o.platform, detected, evidence: versionEvidence(versionText)}
    }
    return new SwitchDevice(o.name, platform, session, version, transport, conflict)
  }

  /** The warning or refusal text for a platform conflict: what `show version` says and what to do. */
  describeConflict(c: PlatformConflict): string {
    return (
      `--platform ${c.forced}, but \`show version\` on ${this.name} says ${PLATFORMS[c.detected].displayName}` +
      (c.evidence ? ` ("${c.evidence}")` : '')
    )
  }

  /** Secret-free notes from the SSH layer (e.g. known_hosts not writable). */
  get warnings(): string[] {
    return this.transport?.warnings ?? []
  }

  /** `IOS-XE 16.12.4 WS-C3850-48P`-style one-liner. */
  get software(): string | null {
    const v = this.version
    if (!v) return null
    const os = v.os === 'iosxe' ? 'IOS-XE' : v.os === 'nxos' ? 'NX-OS' : 'IOS'
    return `${os} ${v.xeVersion ?? v.version}${v.model ? ` ${v.model}` : ''}`
  }

  private async ports(refresh = false): Promise<InterfaceStatusRow[]> {
    if (!this.portList || refresh) {
      this.portList = parseInterfacesStatus((await this.session.send(this.platform.commands.interfacesStatus)).output)
    }
    return this.portList
  }

  /** `show interfaces status` as last read (read now when never read). */
  async statusRows(): Promise<InterfaceStatusRow[]> {
    return this.ports()
  }

  /** Resolve `19`, `gi1/0/19`, `Eth1/19`... to one real port; refuse ambiguous and unknown names. */
  async resolvePort(query: string): Promise<InterfaceStatusRow> {
    const rows = await this.ports()
    const names = rows.map((r) => r.port)
    const m = matchPort(query, names)
    if (m.kind === 'range') throw this.rangeError(query, m, names)
    if (m.kind === 'ambiguous') {
      throw new PortAmbiguousError(`--port ${query} matches ${m.candidates.length} ports on ${this.name}: ${m.candidates.join(', ')}`, {
        suggestions: [`name one of them, e.g. --port ${m.candidates[0] ?? query}`],
        details: {candidates: m.candidates},
      })
    }
    if (m.kind === 'none') {
      const type = normalizeInterface(query)?.type
      const noneOfType = type !== undefined && !names.some((n) => normalizeInterface(n)?.type === type)
      const why = noneOfType ? ` (it has no ${type} ports)` : ''
      throw new PortNotFoundError(
        `no port ${query} on ${this.name}${why}` + (m.nearest.length ? `; nearest: ${m.nearest.join(', ')}` : ''),
        {
          suggestions:
            m.nearest.length === 0
              ? ['list the ports with `show interfaces status`']
              : noneOfType
                ? [`name a port it has, e.g. --port ${m.nearest[0]}`]
                : [`did you mean --port ${m.nearest[0]}?`],
          details: {nearest: m.nearest},
        },
      )
    }
    const row = rows.find((r) => r.port === m.name)
    if (!row) throw new PortNotFoundError(`no port ${query} on ${this.name}`)
    return row
  }

  /** --port takes one port: a range is refused, with the real name of each end that exists. */
  private rangeError(query: string, range: {first: string; last: string}, names: string[]): InputError {
    const ends = [range.first, range.last].map((e) => matchPort(e, names)).flatMap((x) => (x.kind === 'exact' ? [x.name] : []))
    return new InputError(`--port takes one port, and ${query} is a range`, {
      suggestions:
        ends.length > 0
          ? [`run once per port: ${ends.map((e) => `--port ${e}`).join(', then ')}`]
          : ['list the ports with `show interfaces status`'],
      details: {first: range.first, last: range.last},
    })
  }

  /** The port's status word now (`connected`, `err-disabled`, ...). */
  async readStatus(port: string): Promise<string> {
    const rows = await this.ports(true)
    return rows.find((r) => sameInterface(r.interface, port) || sameInterface(r.port, port))?.status ?? 'unknown'
  }

  /** Read everything about one port. Read-only: never enters config mode. */
  async readPort(query: string): Promise<PortFacts> {
    await this.ports(true)
    const portRow = await this.resolvePort(query)
    const long = portRow.interface
    const c = this.platform.commands
    const errRows = parseInterfacesStatusErrDisabled((await this.session.send(c.errDisabled)).output)
    const detail = parseShowInterface((await this.session.send(c.showInterface(long))).output)
    const running = parseRunningConfigInterface((await this.session.send(c.runningInterface(long))).output)
    const recovery = parseErrdisableRecovery((await this.session.send(c.errdisableRecovery)).output)
    const log = parseLogging((await this.session.send(c.logging(LOG_FILTER[this.platform.name]))).output)

    const events: PortEvent[] = []
    for (const e of log) {
      const kind = EVENT_KINDS[e.kind]
      if (!kind || !e.interface || !sameInterface(e.interface, long)) continue
      events.push({time: e.time ?? '', kind, reason: e.reason, message: e.message, seconds: e.seconds})
    }
    const errRow = errRows.find((r) => sameInterface(r.interface, long))
    // NX-OS err-disabled Status cells are not all known (only `linkFlapE` is seen in captures): a port
    // the err-disabled listing names, with a status word that is no ordinary up/down state, is err-disabled.
    const listedOdd = errRow !== undefined && !ORDINARY_STATUSES.has(portRow.status)
    const errDisabled = portRow.status === 'err-disabled' || Boolean(detail?.errDisabled) || listedOdd
    // NX-OS lists some ports with the generic reason `Error disabled` (ntc fixture): that names no cause.
    const listedReason = errRow && !/^err(?:or)?[\s-]?disabled?$/i.test(errRow.reason) ? errRow.reason : null
    let reason = listedReason ?? detail?.errDisabledCause ?? null
    if (errDisabled && reason === null) {
      reason = [...events].reverse().find((e) => e.kind === 'err-disabled')?.reason ?? null
    }
    const pending = recovery.pending.find((p) => sameInterface(p.interface, long))
    let keepalive: boolean | null = null
    if (this.platform.hasEthernetKeepalive) {
      if (running?.keepaliveDisabled) keepalive = false
      else if (detail?.keepaliveState === 'set') keepalive = true
      else if (detail?.keepaliveState === 'not-set') keepalive = false
    }
    const causes = Object.fromEntries(Object.entries(recovery.causes).map(([k, v]) => [k.toLowerCase(), v]))
    return {
      host: this.name,
      hostname: this.session.hostname || this.version?.hostname || this.name,
      platform: this.platform.name,
      software: this.software,
      interface: long,
      shortName: shortName(long),
      description: running?.description ?? (portRow.name || null),
      status: errDisabled ? 'err-disabled' : portRow.status,
      errDisabledReason: errDisabled ? reason : null,
      keepalive,
      keepaliveSeconds: detail?.keepaliveSeconds ?? null,
      adminDown: Boolean(running?.shutdown) || portRow.status === 'disabled',
      recovery: {
        loopback: causes.loopback === true,
        intervalSeconds: recovery.intervalSeconds,
        loopbackCauseSupported: 'loopback' in causes || Object.keys(causes).length === 0,
        secondsUntilRecovery: pending?.timeLeftSeconds ?? null,
      },
      events,
      runningConfig: running?.lines ?? [],
    }
  }

  async close(): Promise<void> {
    await this.session.close()
    await this.transport?.close()
  }
}

/** The `show version` line naming the OS, for messages (first matching line, trimmed, at most 100 characters). */
function versionEvidence(text: string): string {
  const line = text.split('\n').find((l) => /Cisco IOS|IOS-XE|NX-OS|NXOS:|Nexus|system:\s+version/i.test(l)) ?? ''
  return line.trim().slice(0, 100)
}
