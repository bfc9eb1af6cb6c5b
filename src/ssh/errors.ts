/**
 * ssh2 error → typed NetopsError. ssh2 marks errors with `err.level`:
 * client-socket / client-dns (TCP, DNS), client-timeout (readyTimeout, keepalive),
 * client-authentication (all methods failed), handshake (algorithm negotiation, host key
 * verification), protocol (connection lost before handshake, malformed data), agent (non-fatal).
 * Messages name the target (user@host:port) and never carry a password or passphrase.
 */
import {ConnectionLostError, NetopsError, SshAuthError, SshProtocolError, SshTimeoutError, SshUnreachableError} from '../errors.js'

/** How far the connection got before it failed. */
export type ConnectPhase = 'tcp' | 'banner' | 'handshake' | 'auth' | 'ready'

export interface SshErrorContext {
  /** `user@host:port`. */
  target: string
  /** The host (or alias) the user typed, for `ssh -v` suggestions. */
  alias: string
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

/** Build a typed error for an ssh2 (or socket) error. Never throws. */
export function mapSshError(err: unknown, ctx: SshErrorContext): NetopsError {
  if (err instanceof NetopsError) return err
  const e = (err ?? {}) as {message?: string; level?: string; code?: string}
  const raw = redact(typeof e.message === 'string' ? e.message : String(err), ctx.secrets)
  const level = e.level ?? ''
  const code = typeof e.code === 'string' ? e.code : ''
  const t = ctx.target
  const verbose = `ssh -v ${ctx.alias}`

  // The cause (ssh2's error) is kept for debugging; it never contains our secrets.
  const opts = (suggestions: string[], details: Record<string, unknown> = {}) => ({
    suggestions,
    details: {phase: ctx.phase, ...(level === '' ? {} : {sshLevel: level}), ...(code === '' ? {} : {errno: code}), ...details},
    cause: err,
  })

  // After login every failure means the connection is gone (keepalive timeout, reset, protocol error).
  if (ctx.phase === 'ready') {
    const why = level === 'client-timeout' ? 'no answer to keepalives' : (UNREACHABLE_CODES[code] ?? raw)
    return new ConnectionLostError(`connection to ${t} was lost: ${why}`, opts(['check the link and the device, then re-run']))
  }

  if (level === 'client-socket' || level === 'client-dns' || code in UNREACHABLE_CODES) {
    if (code === 'ETIMEDOUT') {
      return new SshTimeoutError(
        `TCP connect to ${t} timed out`,
        opts(['check the address and that port is reachable (firewall, ACL)', verbose]),
      )
    }
    const why = UNREACHABLE_CODES[code] ?? (level === 'client-dns' ? 'host name not found (DNS)' : raw)
    return new SshUnreachableError(
      `cannot reach ${t}: ${why}`,
      opts([
        'check the host name/address and --ssh-port',
        'check that SSH is enabled on the target (IOS: ip ssh version 2, transport input ssh)',
        verbose,
      ]),
    )
  }

  if (level === 'client-timeout') {
    if (ctx.phase === 'tcp') {
      return new SshTimeoutError(
        `TCP connect to ${t} timed out after ${seconds(ctx.timeoutMs)}`,
        opts(['check the address and that the port is reachable (firewall, ACL, routing)', verbose]),
      )
    }
    if (ctx.phase === 'banner') {
      return new SshTimeoutError(
        `no SSH greeting from ${t} within ${seconds(ctx.timeoutMs)} (TCP connected, but the server said nothing)`,
        opts([
          'is this port really SSH? check --ssh-port',
          'the device may be overloaded or rate-limiting logins; retry later or raise --timeout',
          verbose,
        ]),
      )
    }
    return new SshTimeoutError(
      `authentication or handshake timed out for ${t} after ${seconds(ctx.timeoutMs)}`,
      opts([
        'some Cisco devices stall instead of rejecting a wrong password: check --username and --password',
        ...(ctx.legacySsh ? [] : ['an old device may need the old algorithms: try --legacy-ssh']),
        'raise --timeout if the device is slow',
        verbose,
      ]),
    )
  }

  if (level === 'client-authentication') {
    const methods = [...new Set(ctx.methodsTried ?? [])].filter((m) => m !== 'none')
    const tried = methods.length > 0 ? ` (tried: ${methods.join(', ')})` : ': no password, key or agent to try'
    return new SshAuthError(
      `authentication failed for ${t}${tried}`,
      opts(
        ['check --username and --password (or NETOPS_PASSWORD)', 'check --identity-file, or that the key is loaded in ssh-agent', verbose],
        {methodsTried: ctx.methodsTried ?? []},
      ),
    )
  }

  // The server hung up while we were logging in (OpenSSH: "Too many authentication failures";
  // SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14): a login failure, not a protocol problem.
  const disconnectReason = typeof (err as {code?: unknown}).code === 'number' ? (err as {code: number}).code : undefined
  if (ctx.phase === 'auth' && level === '' && (disconnectReason === 14 || /auth|too many/i.test(raw))) {
    return new SshAuthError(
      `authentication failed for ${t}: the server disconnected (${raw})`,
      opts(
        [
          'check --username and --password (or NETOPS_PASSWORD)',
          'too many keys in ssh-agent can use up the allowed attempts: pass --identity-file',
          verbose,
        ],
        {methodsTried: ctx.methodsTried ?? [], disconnectReason},
      ),
    )
  }

  if (level === 'handshake' || level === 'protocol') {
    if (/no matching/i.test(raw)) {
      const what = /no matching (.*?)( algorithm| format)?$/i.exec(raw)?.[1] ?? 'algorithm'
      return new SshProtocolError(
        `SSH handshake with ${t} failed: no common ${what} algorithm`,
        opts([
          ...(ctx.legacySsh
            ? ['the device offers none of the algorithms netops supports, even with --legacy-ssh']
            : ['old devices (classic IOS) need SHA-1/CBC algorithms: try --legacy-ssh']),
          `see what the device offers: ssh -vv ${ctx.alias}`,
        ]),
      )
    }
    if (/before handshake/i.test(raw)) {
      return new SshProtocolError(
        `${t} closed the connection before the SSH handshake`,
        opts(['the device may limit concurrent logins (IOS: ip ssh maxstartups, VTY lines) or filter by source (access-class)', verbose]),
      )
    }
    return new SshProtocolError(`SSH protocol error with ${t}: ${raw}`, opts([verbose]))
  }

  return new SshProtocolError(`SSH connection to ${t} failed: ${raw}`, opts([verbose]))
}
