/**
 * The metadata server's resource limits: how many connections it holds (sized from the process's file
 * descriptor budget), how many one client address may hold, and what is degraded when the host runs out
 * of something (file descriptors, disk) — said by /healthz, never a crash.
 */
import {readdirSync, readFileSync} from 'node:fs'

/** File descriptors kept for everything that is not a VM's connection: journal, reloads, admin and password listeners, etcd. */
const FD_RESERVE = 64
/** --max-connections never defaults below this (a tiny `ulimit -n` still serves a few VMs). */
const MIN_MAX_CONNECTIONS = 16
/** --max-connections-per-client default: cloud-init opens one connection per request, a few at a time. */
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 64
/** --send-timeout default: an answer the client has not taken in this time ends its connection. */
export const DEFAULT_SEND_TIMEOUT_MS = 30_000
/** The soft limit assumed when it cannot be read (not Linux). */
const FALLBACK_FD_LIMIT = 1024

/** The soft `Max open files` of a /proc/<pid>/limits text; Infinity for `unlimited`, undefined when absent. */
export function parseSoftFdLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\S+)/m.exec(limits)
  if (!m) return undefined
  if (m[1] === 'unlimited') return Infinity
  const n = Number(m[1])
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** This process's soft `ulimit -n` (Node 20 has no process.getrlimit: read /proc/self/limits); undefined when unknown. */
export function readSoftFdLimit(): number | undefined {
  try {
    return parseSoftFdLimit(readFileSync('/proc/self/limits', 'utf8'))
  } catch {
    return undefined
  }
}

/** The --max-connections default: the soft fd limit less FD_RESERVE, at least MIN_MAX_CONNECTIONS. */
export function defaultMaxConnections(softFdLimit: number | undefined): number {
  const limit = softFdLimit ?? FALLBACK_FD_LIMIT
  if (limit === Infinity) return 1_000_000
  return Math.max(MIN_MAX_CONNECTIONS, limit - FD_RESERVE)
}

export interface ConnectionLimits {
  /** Connections held at once; a new one beyond it is closed at accept. */
  maxConnections: number
  /** Connections one client address holds at once (a trusted proxy is not limited). */
  maxConnectionsPerClient: number
}

/** Why a connection was refused (the `reason` label of netops_metadata_connections_refused_total). */
export type Refusal = 'global' | 'per-client'

export interface ConnectionCounts {
  open: number
  refused: Record<Refusal, number>
  /** Connections cut by the send timeout (answers the client did not read). */
  sendTimeouts: number
}

/** Counts open connections, in all and per client address, and says which new ones are refused. */
export class ConnectionGate {
  private open = 0
  private readonly perClient = new Map<string, number>()
  private readonly refused: Record<Refusal, number> = {global: 0, 'per-client': 0}
  private sendTimeouts = 0

  constructor(
    private readonly limits: ConnectionLimits,
    /** Addresses not limited per client (trusted proxies: every VM behind them shares their address). */
    private readonly unlimited: (ip: string) => boolean = () => false,
  ) {}

  /** A new connection from `ip`: undefined when admitted (then call release() when it closes), else why not. */
  admit(ip: string): Refusal | undefined {
    if (this.open >= this.limits.maxConnections) return this.refuse('global')
    const held = this.perClient.get(ip) ?? 0
    if (held >= this.limits.maxConnectionsPerClient && !this.unlimited(ip)) return this.refuse('per-client')
    this.open++
    this.perClient.set(ip, held + 1)
    return undefined
  }

  release(ip: string): void {
    this.open--
    const held = (this.perClient.get(ip) ?? 1) - 1
    if (held > 0) this.perClient.set(ip, held)
    else this.perClient.delete(ip)
  }

  /** True when the global limit is reached (a new connection would be refused). */
  full(): boolean {
    return this.open >= this.limits.maxConnections
  }

  /** A connection was cut by the send timeout. */
  sendTimedOut(): void {
    this.sendTimeouts++
  }

  counts(): ConnectionCounts {
    return {open: this.open, refused: {...this.refused}, sendTimeouts: this.sendTimeouts}
  }

  private refuse(why: Refusal): Refusal {
    this.refused[why]++
    return why
  }
}

/** A degraded part: what failed, its errno code, since when, when last. */
interface Degradation {
  code: string
  since: number
  last: number
}

/**
 * What is degraded now (accepting connections, writing progress…): each part is noted once when it
 * degrades and once when it recovers (never a line per failure), and listed by /healthz as
 * `accept: EMFILE since 2026-12-04T16:30:00.000Z`.
 */
export class Health {
  private readonly parts = new Map<string, Degradation>()

  constructor(
    private readonly note: (line: string) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `part` failed with `err` (an errno code, or a short state as `code`; logged the first time only). */
  degrade(part: string, err: {code?: string | undefined; message: string}): void {
    const now = this.clock()
    const code = err.code ?? err.message
    const d = this.parts.get(part)
    if (d && d.code === code) {
      d.last = now
      return
    }
    this.parts.set(part, {code, since: d?.since ?? now, last: now})
    this.note(`${part}: ${code} (${err.message}); degraded, the server keeps serving`)
  }

  /** `part` works again, if it has not failed for `quietMs`. */
  recover(part: string, quietMs = 0): void {
    const d = this.parts.get(part)
    if (d === undefined || this.clock() - d.last < quietMs) return
    this.parts.delete(part)
    this.note(`${part}: recovered (was ${d.code} since ${new Date(d.since).toISOString()})`)
  }

  isDegraded(part: string): boolean {
    return this.parts.has(part)
  }

  /** What /healthz lists under `degraded`. */
  list(): string[] {
    return [...this.parts].map(([part, d]) => `${part}: ${d.code} since ${new Date(d.since).toISOString()}`)
  }
}

/** The unsent answers being watched, by socket (one watch per socket): the last answer written on it. */
const watched = new WeakMap<object, {readonly writableFinished: boolean}>()

/** What watchSend needs of a socket (net.Socket). */
interface SendingSocket {
  readonly bytesWritten: number
  readonly writableLength: number
  readonly destroyed: boolean
  destroy(): void
  once(event: 'close', f: () => void): unknown
  off(event: 'close', f: () => void): unknown
}

/**
 * The send timeout: `answer` was written on `socket` behind bytes the kernel has not taken (the client
 * does not read), or queued behind an earlier answer (pipelining). If the client takes none of the bytes
 * for `ms`, the connection is cut (`onCut` first). The watch ends once the last answer watched is sent.
 */
export function watchSend(socket: SendingSocket, answer: {readonly writableFinished: boolean}, ms: number, onCut: () => void): void {
  const watching = watched.has(socket)
  watched.set(socket, answer)
  if (watching) return
  // bytes the kernel took: bytesWritten counts the queued ones too
  const taken = () => socket.bytesWritten - socket.writableLength
  let last = taken()
  const stop = () => {
    clearInterval(timer)
    socket.off('close', stop)
    watched.delete(socket)
  }
  const timer = setInterval(() => {
    if (socket.destroyed || (socket.writableLength === 0 && watched.get(socket)?.writableFinished !== false)) return stop()
    const now = taken()
    if (now !== last) {
      last = now
      return
    }
    stop()
    onCut()
    socket.destroy()
  }, ms)
  timer.unref()
  socket.once('close', stop)
}

/** How often the file descriptors in use are counted. */
export const FD_PROBE_MS = 1000

/**
 * Count this process's open file descriptors (Linux: /proc/self/fd) against the soft limit: out of them
 * (the count itself fails with EMFILE: libuv then closes new connections at accept without a word) or
 * within FD_RESERVE / 4 of the limit, `fds` is degraded; otherwise it recovers. Not Linux: nothing.
 */
export function probeFds(health: Health, softLimit: number | undefined): void {
  let used: number
  try {
    used = readdirSync('/proc/self/fd').length
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EMFILE' || e.code === 'ENFILE') health.degrade('fds', e)
    return
  }
  if (softLimit !== undefined && softLimit !== Infinity && used >= softLimit - FD_RESERVE / 4)
    health.degrade('fds', {code: 'EMFILE', message: `${used} of ${softLimit} file descriptors in use`})
  else health.recover('fds', FD_PROBE_MS * 3)
}
