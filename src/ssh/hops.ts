/**
 * The path to a target, as OpenSSH builds it: jump hosts first (each reached through the previous
 * one's `direct-tcpip` channel, like `ssh -J`), else a ProxyCommand, else a direct TCP connection.
 * Pure pieces only: which hops, how each is named in messages, and how a hop's failure is reported
 * (same error class, code and exit code as on a direct connection, the message naming the hop).
 */
import {InputError, NetopsError, type NetopsErrorOptions, SshProtocolError, SshTimeoutError, SshUnreachableError} from '../errors.js'
import {targetLabel} from './target.js'
import type {ResolvedTarget} from './types.js'

/** One jump host on the way, with where it sits in the chain. */
export interface Hop {
  target: ResolvedTarget
  /** 0-based position. */
  index: number
  count: number
  /** `jump host 1 of 2 (admin@bastion:22)`. */
  label: string
  /** Where this hop opens the next connection to: the next hop, or the final target. */
  next: {host: string; port: number}
}

/** How a target is reached. */
export type Route = {kind: 'direct'} | {kind: 'jump'; hops: Hop[]} | {kind: 'proxy-command'; command: string}

/** `jump host 1 of 2 (admin@bastion:22)`. */
export function hopLabel(
  index: number,
  count: number,
  target: Pick<ResolvedTarget, 'username' | 'host' | 'port'> & {alias?: string},
): string {
  return `jump host ${index + 1} of ${count} (${targetLabel(target)})`
}

/** Where the connection to `target` comes from. Jumps and a ProxyCommand together are refused (ssh_config gives one or the other). */
export function routeOf(target: ResolvedTarget): Route {
  const jumps = target.jumps ?? []
  // `ProxyCommand none` (OpenSSH's word for no proxy) is the same as none given
  const proxy = target.proxyCommand?.trim().toLowerCase() === 'none' ? undefined : target.proxyCommand
  if (jumps.length > 0 && proxy !== undefined && proxy !== '') {
    throw new InputError(`${targetLabel(target)} has both jump hosts and a ProxyCommand; netops cannot use both`, {
      suggestions: ['keep either ProxyJump (--jump) or ProxyCommand for this host in ssh_config'],
    })
  }
  if (jumps.length > 0) {
    const hops = jumps.map((hop, index): Hop => {
      const after = jumps[index + 1] ?? target
      return {
        target: hop,
        index,
        count: jumps.length,
        label: hopLabel(index, jumps.length, hop),
        next: {host: after.host, port: after.port},
      }
    })
    return {kind: 'jump', hops}
  }
  if (proxy !== undefined && proxy !== '') return {kind: 'proxy-command', command: proxy}
  return {kind: 'direct'}
}

type ErrorClass = new (message: string, options?: NetopsErrorOptions) => NetopsError

/** The same kind of error (class, code, exit code), its message and details naming the hop. */
export function hopError(err: NetopsError, hop: Pick<Hop, 'label' | 'index' | 'target'>): NetopsError {
  const message = `${hop.label}: ${err.message}`
  const options: NetopsErrorOptions = {
    suggestions: [...err.suggestions],
    details: {...err.details, hop: hop.index + 1, hopTarget: targetLabel(hop.target)},
    cause: err,
  }
  if (err.constructor === NetopsError) return new NetopsError(err.code, err.exitCode, message, options)
  return new (err.constructor as ErrorClass)(message, options)
}

/** SSH channel-open failure reasons (RFC 4254 5.1). */
const OPEN_FAILURE = {ADMINISTRATIVELY_PROHIBITED: 1, CONNECT_FAILED: 2} as const

/** A hop refused or failed to open the `direct-tcpip` channel to the next host. */
export function forwardError(hop: Pick<Hop, 'label' | 'next'>, err: Error & {reason?: unknown}): NetopsError {
  const to = `${hop.next.host.includes(':') ? `[${hop.next.host}]` : hop.next.host}:${hop.next.port}`
  const why = err.message.replace(/^\(SSH\) Channel open failure: ?/, '') || 'refused'
  const details = {
    nextHost: hop.next.host,
    nextPort: hop.next.port,
    ...(typeof err.reason === 'number' ? {openFailureReason: err.reason} : {}),
  }
  if (err.reason === OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED) {
    return new SshProtocolError(`${hop.label} refused to forward a connection to ${to}: ${why}`, {
      suggestions: ['the jump host must allow TCP forwarding (sshd_config AllowTcpForwarding yes)'],
      details,
      cause: err,
    })
  }
  return new SshUnreachableError(`${hop.label} cannot reach ${to}: ${why}`, {
    suggestions: [
      `check the address and port as the jump host sees them (${to} is dialled from the jump host, not from here)`,
      'check that SSH is enabled on the target (IOS: ip ssh version 2, transport input ssh)',
    ],
    details,
    cause: err,
  })
}

/** The hop did not answer the channel-open request in time. */
export function forwardTimeoutError(hop: Pick<Hop, 'label' | 'next'>, timeoutMs: number): NetopsError {
  return new SshTimeoutError(`${hop.label} did not open a connection to ${hop.next.host}:${hop.next.port} within ${timeoutMs / 1000}s`, {
    suggestions: ['the next host may not answer from the jump host (firewall, routing); raise --timeout if the path is slow'],
    details: {nextHost: hop.next.host, nextPort: hop.next.port, timeoutMs},
  })
}

/** A warning a hop's connection left (e.g. a changed key under --host-key-policy off), naming the hop. */
export function hopWarning(hop: Pick<Hop, 'label'>, warning: string): string {
  return `${hop.label}: ${warning}`
}

/** What makes two jump-host connections interchangeable: the same chain up to this hop, checked and logged in alike. */
export function hopKey(hops: readonly Hop[], index: number): string {
  return JSON.stringify(
    hops
      .slice(0, index + 1)
      .map(({target: t}) => [
        t.username,
        t.host,
        t.port,
        t.hostKeyPolicy,
        t.knownHostsFile,
        t.identityFiles,
        t.identitiesOnly ?? false,
        t.agentSocket ?? '',
        t.legacySsh,
        t.algorithms ?? {},
      ]),
  )
}

interface Shareable {
  close(): Promise<void>
  onClose(cb: (err?: Error) => void): void
}

/** One user's hold on a shared connection. */
export interface Lease<T> {
  connection: Promise<T>
  /** This user is done; the last one closes the connection. Idempotent. */
  release(): Promise<void>
}

interface Entry<T> {
  connection: Promise<T>
  users: number
}

/**
 * Jump-host connections shared by the targets behind them, as OpenSSH's ControlMaster would: a
 * fleet of 50 switches behind one bastion opens ONE connection to it (50 unauthenticated
 * connections at once would trip sshd's MaxStartups), and 50 forwarded channels. A connection
 * is closed when its last user releases it; one that failed or dropped is forgotten, so the next
 * user opens a new one.
 */
export class SharedConnections<T extends Shareable> {
  private readonly entries = new Map<string, Entry<T>>()

  /** A lease on the connection for `key`, opened with `open` unless one is open or being opened. */
  acquire(key: string, open: () => Promise<T>): Lease<T> {
    let entry = this.entries.get(key)
    if (entry === undefined) {
      const created: Entry<T> = {connection: open(), users: 0}
      this.entries.set(key, created)
      created.connection.then(
        (c) => c.onClose(() => this.forget(key, created)),
        () => this.forget(key, created),
      )
      entry = created
    }
    entry.users++
    const held = entry
    let released = false
    return {
      connection: held.connection,
      release: async () => {
        if (released) return
        released = true
        held.users--
        if (held.users > 0) return
        this.forget(key, held)
        await held.connection.then(
          (c) => c.close(),
          () => {},
        )
      },
    }
  }

  /** Connections open or being opened. */
  get size(): number {
    return this.entries.size
  }

  private forget(key: string, entry: Entry<T>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key)
  }
}
