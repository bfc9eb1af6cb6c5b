/**
 * ovs-vsctl / ovs-appctl as typed calls. Builds argv arrays (never shell strings), always passes
 * `--timeout` (ovs-vsctl waits forever for ovs-vswitchd otherwise), reads with `--format=json`
 * and explicit `--columns`, and maps failures to typed NetopsErrors.
 */
import {
  ExecTimeoutError,
  type NetopsError,
  OvsBridgeNotFoundError,
  OvsDbUnreachableError,
  OvsNotInstalledError,
  PermissionError,
} from '../errors.js'
import {ExecError, type ExecResult, type Executor} from './executor.js'
import {bool, map, parseTables, set, str, type OvsdbAtom} from './ovsdb-json.js'

export interface VsctlOptions {
  /** ovs-vsctl `--db` (e.g. `unix:/var/run/openvswitch/db.sock`); default: OVS's own ($OVS_RUNDIR/db.sock). */
  db?: string
  /** ovs-appctl `--target` (ovs-vswitchd control socket or name); default: from $OVS_RUNDIR/ovs-vswitchd.pid. */
  target?: string
  /** Seconds passed as `--timeout=N` to ovs-vsctl and ovs-appctl. Default 5. */
  timeoutSec?: number
}

export interface BridgeRow {
  name: string
  stpEnable: boolean
  rstpEnable: boolean
  datapathType: string
  otherConfig: Record<string, OvsdbAtom>
  status: Record<string, OvsdbAtom>
  rstpStatus: Record<string, OvsdbAtom>
  portUuids: string[]
}

interface PortRow {
  uuid: string
  name: string
  interfaceUuids: string[]
  otherConfig: Record<string, OvsdbAtom>
  status: Record<string, OvsdbAtom>
  statistics: Record<string, OvsdbAtom>
  rstpStatus: Record<string, OvsdbAtom>
  rstpStatistics: Record<string, OvsdbAtom>
}

interface InterfaceRow {
  uuid: string
  name: string
  type: string
}

/** One consistent read of the Bridge, Port and Interface tables (one ovs-vsctl transaction). */
export interface OvsSnapshot {
  bridges: BridgeRow[]
  ports: PortRow[]
  interfaces: InterfaceRow[]
}

const BRIDGE_COLUMNS = ['name', 'stp_enable', 'rstp_enable', 'datapath_type', 'other_config', 'status', 'rstp_status', 'ports']
const PORT_COLUMNS = ['_uuid', 'name', 'interfaces', 'other_config', 'status', 'statistics', 'rstp_status', 'rstp_statistics']
const INTERFACE_COLUMNS = ['_uuid', 'name', 'type']

/** `--format=json -- --columns=A,B list TABLE -- ...`: several tables in one ovs-vsctl run (one consistent read). */
export function listTablesArgs(tables: Array<[table: string, columns: readonly string[]]>): string[] {
  return ['--format=json', ...tables.flatMap(([table, columns]) => ['--', `--columns=${columns.join(',')}`, 'list', table])]
}

/** ovs-vsctl/ovs-appctl prefix log lines with a timestamp: `2026-...Z|00001|daemon_unix|WARN|...`. */
const VLOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d+\|/

/** The lines of stderr that say what went wrong (vlog noise removed). */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !VLOG_LINE.test(l))
}

function isAlarm(res: ExecResult): boolean {
  return res.signal === 'SIGALRM' || res.exitCode === 142
}

export interface FailureContext {
  /** Where it ran, for messages: `local` or the host. */
  where: string
  /** Names of the bridges that exist, for "unknown bridge" errors (when known). */
  bridges?: string[]
}

const START_OVS = [
  'start Open vSwitch: systemctl start openvswitch-switch (or /usr/share/openvswitch/scripts/ovs-ctl start)',
  'or point netops at the right one: --db unix:/path/db.sock, or OVS_RUNDIR=/path (local runs)',
]

/** Map a failed ovs-vsctl/ovs-appctl result to the NetopsError that says what to do. */
export function classifyFailure(res: ExecResult, ctx: FailureContext): NetopsError {
  const program = res.command[0] ?? 'ovs-vsctl'
  const lines = errorLines(res.stderr)
  const text = lines.join('\n')
  const on = ctx.where === 'local' ? 'on this machine' : `on ${ctx.where}`
  if (
    res.exitCode === 127 ||
    /command not found|: not found$/m.test(text) ||
    (/No such file or directory/.test(text) && /^(sudo|env): /m.test(text))
  ) {
    return new OvsNotInstalledError(`${program} is not installed ${on} (or not on PATH)`, {
      suggestions: ['install Open vSwitch: apt-get install openvswitch-switch', 'check PATH for the login (and for sudo: secure_path)'],
      details: {command: res.command},
    })
  }
  if (/sudo: (a password is required|a terminal is required|.*may not run sudo|.* is not in the sudoers file)/.test(text)) {
    return new PermissionError(`sudo refused to run ${program} without a password ${on}`, {
      suggestions: [
        `allow it without a password in sudoers: <user> ALL=(root) NOPASSWD: /usr/bin/ovs-vsctl, /usr/bin/ovs-appctl`,
        'or log in as root (--username root)',
      ],
      details: {command: res.command},
    })
  }
  const db = /(\S+): database connection failed \(([^)]*)\)/.exec(text)
  if (db !== null) {
    const [, socket = '', why = ''] = db
    if (/Permission denied/i.test(why)) {
      return new PermissionError(`permission denied on the OVS database socket ${socket} ${on}`, {
        suggestions: ['run as root, or with --sudo over SSH', `check the socket's owner and mode: ls -l ${socket.replace(/^unix:/, '')}`],
        details: {socket, command: res.command},
      })
    }
    return new OvsDbUnreachableError(`cannot reach the OVS database at ${socket} ${on} (${why}): is ovsdb-server running?`, {
      suggestions: START_OVS,
      details: {socket, reason: why, command: res.command},
    })
  }
  if (/Permission denied|Operation not permitted/i.test(text) || res.exitCode === 126) {
    return new PermissionError(`permission denied running ${program} ${on}: ${lines.at(-1) ?? ''}`, {
      suggestions: ['run as root, or with --sudo over SSH'],
      details: {command: res.command},
    })
  }
  const noBridge = /no row "([^"]+)" in table Bridge|no bridge named (\S+)/.exec(text)
  if (noBridge !== null) {
    const name = noBridge[1] ?? noBridge[2] ?? ''
    return bridgeNotFound(name, ctx)
  }
  if (isAlarm(res) && lines.length === 0) return timedOut(res, on)
  const last = lines.at(-1) ?? `exit status ${res.exitCode}`
  return new ExecError(`${program} failed ${on}: ${last}`, res, {
    suggestions: ['see the ovs-vswitchd log for details (ovs-appctl vlog/list shows where it logs)'],
  })
}

/**
 * Killed by its own --timeout with nothing to say: the daemon it talks to never answered
 * (ovs-vsctl: ovsdb-server, hung or stopped; ovs-appctl: ovs-vswitchd). A timeout, exit 8.
 */
function timedOut(res: ExecResult, on: string): ExecTimeoutError {
  const program = res.command[0] ?? 'ovs-vsctl'
  const secs = res.command.map((a) => /^--timeout=(\d+)$/.exec(a)?.[1]).find((x) => x !== undefined)
  const daemon = program === 'ovs-appctl' ? 'ovs-vswitchd' : 'ovsdb-server'
  const within = secs === undefined ? 'within its --timeout' : `within --timeout ${secs} s`
  return new ExecTimeoutError(`${program} got no answer from ${daemon} ${within} ${on}: is ${daemon} hung or stopped?`, {
    suggestions: [
      `check ${daemon}: ovs-appctl -t ${daemon} version (a stopped or overloaded daemon answers nothing)`,
      `restart it: systemctl restart openvswitch-switch`,
      'or give it longer: --timeout N',
    ],
    details: {command: res.command, daemon, signal: res.signal},
  })
}

export function bridgeNotFound(name: string, ctx: FailureContext): OvsBridgeNotFoundError {
  const on = ctx.where === 'local' ? '' : ` on ${ctx.where}`
  const known = ctx.bridges
  const list = known === undefined ? '' : known.length === 0 ? ' (there are no bridges)' : ` (bridges: ${known.join(', ')})`
  return new OvsBridgeNotFoundError(`no bridge named ${name}${on}${list}`, {
    suggestions: known !== undefined && known.length > 0 ? [`use one of: ${known.join(', ')}`] : ['list bridges with: ovs-vsctl list-br'],
    details: {bridge: name, bridges: known ?? null},
  })
}

export interface SetResult {
  command: string[]
  /** ovs-vsctl was killed by its --timeout waiting for ovs-vswitchd: the change is stored but not confirmed. */
  unconfirmed: boolean
}

export interface VswitchdProbe {
  running: boolean
  /** Why not, in OVS's words (`cannot read pidfile ...`). */
  reason?: string
}

export class Vsctl {
  readonly exec: Executor
  readonly opts: VsctlOptions
  constructor(exec: Executor, opts: VsctlOptions = {}) {
    this.exec = exec
    this.opts = opts
  }

  get where(): string {
    return this.exec.where
  }

  private get timeoutSec(): number {
    return this.opts.timeoutSec ?? 5
  }

  /** argv for ovs-vsctl with --timeout (and --db, --no-wait) in front of `args`. */
  vsctlArgv(args: string[], flags: {noWait?: boolean} = {}): string[] {
    return [
      'ovs-vsctl',
      `--timeout=${this.timeoutSec}`,
      ...(this.opts.db === undefined ? [] : [`--db=${this.opts.db}`]),
      ...(flags.noWait === true ? ['--no-wait'] : []),
      ...args,
    ]
  }

  /** argv for ovs-appctl with --target and --timeout in front of `args`. */
  appctlArgv(args: string[]): string[] {
    return [
      'ovs-appctl',
      ...(this.opts.target === undefined ? [] : [`--target=${this.opts.target}`]),
      `--timeout=${this.timeoutSec}`,
      ...args,
    ]
  }

  private run(argv: string[]): Promise<ExecResult> {
    // The executor's own limit is a safety net behind OVS's --timeout.
    return this.exec.run(argv, {timeoutMs: (this.timeoutSec + 10) * 1000})
  }

  /** Bridges, ports and interfaces in ONE ovs-vsctl run (a consistent read). */
  async snapshot(): Promise<OvsSnapshot> {
    const argv = this.vsctlArgv(
      listTablesArgs([
        ['Bridge', BRIDGE_COLUMNS],
        ['Port', PORT_COLUMNS],
        ['Interface', INTERFACE_COLUMNS],
      ]),
    )
    const res = await this.run(argv)
    if (res.exitCode !== 0) throw classifyFailure(res, {where: this.where})
    const tables = parseTables(res.stdout)
    const [b, p, i] = tables
    if (b === undefined || p === undefined || i === undefined) {
      throw new ExecError(`ovs-vsctl printed ${tables.length} tables, expected 3`, res)
    }
    return {
      bridges: b.rows.map((r) => ({
        name: str(r.name),
        stpEnable: bool(r.stp_enable),
        rstpEnable: bool(r.rstp_enable),
        datapathType: str(r.datapath_type),
        otherConfig: map(r.other_config),
        status: map(r.status),
        rstpStatus: map(r.rstp_status),
        portUuids: set(r.ports).map(String),
      })),
      ports: p.rows.map((r) => ({
        uuid: str(r._uuid),
        name: str(r.name),
        interfaceUuids: set(r.interfaces).map(String),
        otherConfig: map(r.other_config),
        status: map(r.status),
        statistics: map(r.statistics),
        rstpStatus: map(r.rstp_status),
        rstpStatistics: map(r.rstp_statistics),
      })),
      interfaces: i.rows.map((r) => ({uuid: str(r._uuid), name: str(r.name), type: str(r.type)})),
    }
  }

  /**
   * Set several Bridge columns in ONE transaction: `ovs-vsctl --timeout=N set Bridge br0 k=v ...`.
   * A SIGALRM death (ovs-vswitchd never confirmed) is NOT an error: OVS has committed the write.
   */
  /** The argv `setBridge` runs (for --dry-run: what would be sent). */
  setBridgeArgv(bridge: string, settings: Array<[string, string]>, flags: {noWait?: boolean} = {}): string[] {
    return this.vsctlArgv(['set', 'Bridge', bridge, ...settings.map(([k, v]) => `${k}=${v}`)], {noWait: flags.noWait ?? false})
  }

  async setBridge(
    bridge: string,
    settings: Array<[string, string]>,
    flags: {noWait?: boolean; bridges?: string[]} = {},
  ): Promise<SetResult> {
    const argv = this.setBridgeArgv(bridge, settings, flags)
    const res = await this.run(argv)
    if (res.exitCode === 0) return {command: argv, unconfirmed: false}
    if (isAlarm(res) && errorLines(res.stderr).length === 0) return {command: argv, unconfirmed: true}
    throw classifyFailure(res, {where: this.where, ...(flags.bridges === undefined ? {} : {bridges: flags.bridges})})
  }

  /** Is ovs-vswitchd answering on its control socket? (`ovs-appctl version`) */
  async probeVswitchd(): Promise<VswitchdProbe> {
    const res = await this.run(this.appctlArgv(['version']))
    if (res.exitCode === 0) return {running: true}
    const lines = errorLines(res.stderr)
    if (res.exitCode === 127) throw classifyFailure(res, {where: this.where})
    if (lines.some((l) => /sudo:/.test(l))) throw classifyFailure(res, {where: this.where})
    return {running: false, reason: lines.at(-1) ?? (isAlarm(res) ? 'ovs-vswitchd did not answer in time' : `exit status ${res.exitCode}`)}
  }

  /**
   * `ovs-appctl stp/show` (kind 'stp') or `rstp/show` for all bridges. Returns the text, or a
   * reason when ovs-vswitchd cannot be asked (not running, no control socket).
   */
  async show(kind: 'stp' | 'rstp'): Promise<{ok: true; text: string} | {ok: false; reason: string}> {
    const res = await this.run(this.appctlArgv([`${kind}/show`]))
    if (res.exitCode === 0) return {ok: true, text: res.stdout}
    if (res.exitCode === 127 || /sudo:/.test(res.stderr)) throw classifyFailure(res, {where: this.where})
    const lines = errorLines(res.stderr)
    return {ok: false, reason: lines.find((l) => !/server returned an error/.test(l)) ?? lines.at(-1) ?? `exit status ${res.exitCode}`}
  }
}
