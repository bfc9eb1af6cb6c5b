/**
 * ssh2 error → typed NetopsError. ssh2 marks errors with `err.level`:
 * client-socket / client-dns (TCP, DNS), client-timeout (readyTimeout, keepalive),
 * client-authentication (all methods failed), handshake (algorithm negotiation, host key
 * verification), protocol (connection lost before handshake, malformed data), agent (non-fatal).
 * Messages name the target (user@host:port) and never carry a password or passphrase.
 */
import {
  ConnectionLostError,
  NetopsError,
  type NetopsErrorOptions,
  SshAuthError,
  SshProtocolError,
  SshTimeoutError,
  SshUnreachableError,
} from '../errors.js'

/** How far the connection got before it failed. */
export type ConnectPhase = 'tcp' | 'banner' | 'handshake' | 'auth' | 'ready'

export interface SshErrorContext {
  /** `user@host:port`. */
  target: string
  /** The host (or alias) the user typed, for `ssh -v` suggestions. */
  alias: string
  /** The port and user actually used, so the `ssh -v` suggestion tries the same thing. */
  port: number
  username: string
  phase: ConnectPhase
  timeoutMs: number
  legacySsh: boolean
  /** Auth methods tried so far (names only). */
  methodsTried?: string[]
  /** Strings that must never appear in a message (password, passphrase). */
  secrets?: Array<string | undefined>
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening on that port?)',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'temporary DNS failure',
  EAI_NONAME: 'host name not found (DNS)',
  EADDRNOTAVAIL: 'address not available',
  ECONNRESET: 'connection reset by the host',
  EPIPE: 'connection closed by the host',
  ECONNABORTED: 'connection aborted',
}

/** Replace every occurrence of a secret with `***`. */
export function redact(text: string, secrets: Array<string | undefined> = []): string {
  let out = text
  for (const s of secrets) {
    if (s !== undefined && s.length > 0) out = out.split(s).join('***')
  }
  return out
}

function seconds(ms: number): string {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`
}

/** One ssh2 error, read once: its level, errno code, redacted message, and how to build the typed error. */
interface ErrorFacts {
  ctx: SshErrorContext
  level: string
  code: string
  /** The message with secrets redacted. */
  raw: string
  /** SSH_MSG_DISCONNECT reason code, when the server hung up with one. */
  disconnectReason: number | undefined
  /** `ssh -v -p PORT USER@ALIAS`. */
  verbose: string
  /** Options for a NetopsError: the suggestions, phase/level/errno details, and ssh2's error as the cause. */
  opts: (suggestions: string[], details?: Record<string, unknown>) => NetopsErrorOptions
}

/** The OpenSSH command that retries exactly this login verbosely: `ssh -v -p 2222 admin@sw1`. */
export function sshVerboseHint(t: {alias: string; port: number; username: string}, flag = '-v'): string {
  return `ssh ${flag} -p ${t.port} ${t.username}@${t.alias}`
}

/** Build a typed error for an ssh2 (or socket) error. Never throws. */
export function mapSshError(err: unknown, ctx: SshErrorContext): NetopsError {
  if (err instanceof NetopsError) return err
  const f = readError(err, ctx)
  // After login every failure means the connection is gone (keepalive timeout, reset, protocol error).
  if (ctx.phase === 'ready') return connectionLost(f)
  if (f.level === 'client-socket' || f.level === 'client-dns' || f.code in UNREACHABLE_CODES) return unreachable(f)
  if (f.level === 'client-timeout') return loginTimeout(f)
  if (f.level === 'client-authentication') return authFailed(f)
  // The server hung up while we were logging in (OpenSSH: "Too many authentication failures";
  // SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14): a login failure, not a protocol problem.
  // OpenSSH sends that text with reason 2 (protocol error), so the server's own words count too.
  if (ctx.phase === 'auth' && f.level === '' && (f.disconnectReason === 14 || /auth|too many/i.test(f.raw)))
    return disconnectedDuringAuth(f)
  if (f.level === 'handshake' || f.level === 'protocol') return handshakeFailed(f)
  return new SshProtocolError(`SSH connection to ${ctx.target} failed: ${f.raw}`, f.opts([f.verbose]))
}

function readError(err: unknown, ctx: SshErrorContext): ErrorFacts {
  const e = (err ?? {}) as {message?: string; level?: string; code?: unknown}
  const level = e.level ?? ''
  const code = typeof e.code === 'string' ? e.code : ''
  // The cause (ssh2's error) is kept for debugging; it never contains our secrets.
  const opts = (suggestions: string[], details: Record<string, unknown> = {}): NetopsErrorOptions => ({
    suggestions,
    details: {phase: ctx.phase, ...(level === '' ? {} : {sshLevel: level}), ...(code === '' ? {} : {errno: code}), ...details},
    cause: err,
  })
  return {
    ctx,
    level,
    code,
    raw: redact(typeof e.message === 'string' ? e.message : String(err), ctx.secrets),
    disconnectReason: typeof e.code === 'number' ? e.code : undefined,
    verbose: sshVerboseHint(ctx),
    opts,
  }
}

function connectionLost(f: ErrorFacts): NetopsError {
  const why = f.level === 'client-timeout' ? 'no answer to keepalives' : (UNREACHABLE_CODES[f.code] ?? f.raw)
  return new ConnectionLostError(`connection to ${f.ctx.target} was lost: ${why}`, f.opts(['check the link and the device, then re-run']))
}

function unreachable(f: ErrorFacts): NetopsError {
  const t = f.ctx.target
  if (f.code === 'ETIMEDOUT') {
    return new SshTimeoutError(
      `TCP connect to ${t} timed out`,
      f.opts(['check the address and that port is reachable (firewall, ACL)', f.verbose]),
    )
  }
  const why = UNREACHABLE_CODES[f.code] ?? (f.level === 'client-dns' ? 'host name not found (DNS)' : f.raw)
  return new SshUnreachableError(
    `cannot reach ${t}: ${why}`,
    f.opts([
      'check the host name/address and --ssh-port',
      'check that SSH is enabled on the target (IOS: ip ssh version 2, transport input ssh)',
      f.verbose,
    ]),
  )
}

/** ssh2's readyTimeout: what timed out depends on how far the connection got. */
function loginTimeout(f: ErrorFacts): NetopsError {
  const {target: t, timeoutMs, phase, legacySsh} = f.ctx
  if (phase === 'tcp') {
    return new SshTimeoutError(
      `TCP connect to ${t} timed out after ${seconds(timeoutMs)}`,
      f.opts(['check the address and that the port is reachable (firewall, ACL, routing)', f.verbose]),
    )
  }
  if (phase === 'banner') {
    return new SshTimeoutError(
      `no SSH greeting from ${t} within ${seconds(timeoutMs)} (TCP connected, but the server said nothing)`,
      f.opts([
        'is this port really SSH? check --ssh-port',
        'the device may be overloaded or rate-limiting logins; retry later or raise --timeout',
        f.verbose,
      ]),
    )
  }
  return new SshTimeoutError(
    `authentication or handshake timed out for ${t} after ${seconds(timeoutMs)}`,
    f.opts([
      'some Cisco devices stall instead of rejecting a wrong password: check --username and --password',
      ...(legacySsh ? [] : ['an old device may need the old algorithms: try --legacy-ssh']),
      'raise --timeout if the device is slow',
      f.verbose,
    ]),
  )
}

function authFailed(f: ErrorFacts): NetopsError {
  const methods = [...new Set(f.ctx.methodsTried ?? [])].filter((m) => m !== 'none')
  const tried = methods.length > 0 ? ` (tried: ${methods.join(', ')})` : ': no password, key or agent to try'
  return new SshAuthError(
    `authentication failed for ${f.ctx.target}${tried}`,
    f.opts(
      ['check --username and --password (or NETOPS_PASSWORD)', 'check --identity-file, or that the key is loaded in ssh-agent', f.verbose],
      {methodsTried: f.ctx.methodsTried ?? []},
    ),
  )
}

function disconnectedDuringAuth(f: ErrorFacts): NetopsError {
  return new SshAuthError(
    `authentication failed for ${f.ctx.target}: the server disconnected (${f.raw})`,
    f.opts(
      [
        'check --username and --password (or NETOPS_PASSWORD)',
        'too many keys in ssh-agent can use up the allowed attempts: pass --identity-file',
        f.verbose,
      ],
      {methodsTried: f.ctx.methodsTried ?? [], disconnectReason: f.disconnectReason},
    ),
  )
}

/** ssh2 gives handshake and protocol failures a level but no code: its own (English) message says which. */
function handshakeFailed(f: ErrorFacts): NetopsError {
  const {target: t, legacySsh} = f.ctx
  if (/no matching/i.test(f.raw)) {
    const what = /no matching (.*?)( algorithm| format)?$/i.exec(f.raw)?.[1] ?? 'algorithm'
    return new SshProtocolError(
      `SSH handshake with ${t} failed: no common ${what} algorithm`,
      f.opts([
        ...(legacySsh
          ? ['the device offers none of the algorithms netops supports, even with --legacy-ssh']
          : ['old devices (classic IOS) need SHA-1/CBC algorithms: try --legacy-ssh']),
        `see what the device offers: ${sshVerboseHint(f.ctx, '-vv')}`,
      ]),
    )
  }
  if (/before handshake/i.test(f.raw)) {
    return new SshProtocolError(
      `${t} closed the connection before the SSH handshake`,
      f.opts(['the device may limit concurrent logins (IOS: ip ssh maxstartups, VTY lines) or filter by source (access-class)', f.verbose]),
    )
  }
  return new SshProtocolError(`SSH protocol error with ${t}: ${f.raw}`, f.opts([f.verbose]))
}
