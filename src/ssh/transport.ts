/**
 * SshTransport: one authenticated SSH connection (ssh2 Client) with host-key checking,
 * per-step timeouts, and typed errors only. The connection runs over TCP, through jump hosts
 * (`target.jumps`: each hop its own SshTransport, checked and authenticated on its own; see
 * hops.ts), or over a ProxyCommand's stdio (proxy-command.ts).
 *
 *   const t = await SshTransport.connect({host: 'sw1', password, hostKeyPolicy: 'accept-new'})
 *   try { const r = await t.exec(shellQuote(['ovs-vsctl', 'show'])) } finally { await t.close() }
 */
import {existsSync, readFileSync} from 'node:fs'
import type {Duplex} from 'node:stream'
import ssh2 from 'ssh2'
import type {
  NegotiatedAlgorithms as Ssh2Negotiated,
  AnyAuthMethod,
  AuthenticationType,
  BaseAgent,
  ClientChannel,
  ConnectConfig,
  KeyboardInteractiveCallback,
  NextAuthHandler,
  ParsedKey,
  Prompt,
} from 'ssh2'
import {
  ConnectionLostError,
  InputError,
  NetopsError,
  SshAuthError,
  SshHostKeyChangedError,
  SshHostKeyUnknownError,
  SshProtocolError,
  SshTimeoutError,
} from '../errors.js'
import {buildAlgorithms} from './algorithms.js'
import {mapSshError, redact, sshVerboseHint, type ConnectPhase} from './errors.js'
import {forwardError, forwardTimeoutError, hopError, hopKey, hopWarning, routeOf, SharedConnections, type Hop, type Lease} from './hops.js'
import {IdentitiesOnlyAgent, identityPublicBlobs} from './identities-agent.js'
import {proxyCommandError, ProxyCommandStream, stderrLines, stderrTail} from './proxy-command.js'
import {probeProtocol} from './probe.js'
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  hostToken,
  keyTypeOf,
  knownKeyTypes,
  readKnownHostsFile,
  type KnownHostEntry,
} from './known-hosts.js'
import {isResolvedTarget, resolveTarget, targetLabel} from './target.js'
import type {ExecOptions, ExecResult, NegotiatedAlgorithms, ResolvedTarget, ShellOptions, SshTargetOptions} from './types.js'

const {Client, utils} = ssh2

/** What happened to the server's host key on this connection. */
export interface HostKeyInfo {
  keyType: string
  fingerprint: string
  /** known: matched known_hosts; added: accept-new recorded it; unchecked: policy off. */
  status: 'known' | 'added' | 'unchecked'
}

interface LoadedKey {
  file: string
  /** Parsed (and decrypted) once: bcrypt-protected OpenSSH keys are slow to open. */
  key: ParsedKey
}

const KEEPALIVE_INTERVAL_MS = 15_000
const KEEPALIVE_COUNT_MAX = 3
const MAX_COMMAND_IN_MESSAGE = 120

function shortCommand(command: string): string {
  const one = command.replace(/\s+/g, ' ').trim()
  return one.length > MAX_COMMAND_IN_MESSAGE ? `${one.slice(0, MAX_COMMAND_IN_MESSAGE)}…` : one
}

/** Collect an exec channel's output and exit status; `onClose` runs when the channel closes. */
function collectExec(ch: ClientChannel, onClose: () => void): () => ExecResult {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let exitCode: number | null = null
  let signal: string | null = null
  ch.on('data', (d: Buffer) => stdout.push(d))
  ch.stderr.on('data', (d: Buffer) => stderr.push(d))
  ch.on('exit', (code: number | null, sig?: string) => {
    exitCode = typeof code === 'number' ? code : null
    signal = typeof sig === 'string' ? sig : null
  })
  ch.on('close', onClose)
  ch.on('error', () => {})
  return () => ({exitCode, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')})
}

/** Kill and close a timed-out command's channel, if it was opened; errors are moot by then. */
function abandonChannel(channel: ClientChannel | undefined): void {
  try {
    channel?.signal('KILL')
  } catch {
    /* ignore */
  }
  try {
    channel?.close()
  } catch {
    /* ignore */
  }
}

/**
 * Read and check the identity files; unusable ones are reported, not fatal (others may work).
 * `locked`: encrypted files for which no passphrase was given (the caller may ask for one).
 */
function loadKeys(files: string[], passphrase: string | undefined): {keys: LoadedKey[]; problems: string[]; locked: string[]} {
  const keys: LoadedKey[] = []
  const problems: string[] = []
  const locked: string[] = []
  for (const file of files) {
    let data: Buffer
    try {
      data = readFileSync(file)
    } catch (err) {
      problems.push(`cannot read identity file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
      continue
    }
    const parsed = utils.parseKey(data, passphrase)
    if (parsed instanceof Error) {
      const encrypted = /encrypted|passphrase/i.test(parsed.message)
      if (encrypted && passphrase === undefined) locked.push(file)
      else
        problems.push(encrypted ? `identity file ${file}: wrong passphrase` : `identity file ${file} is not a private key netops can read`)
      continue
    }
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | undefined
    if (first === undefined || !first.isPrivateKey()) {
      problems.push(`identity file ${file} holds no private key (a .pub file?)`)
      continue
    }
    keys.push({file, key: first})
  }
  return {keys, problems, locked}
}

/** Credentials found for a target: parsed keys, a usable agent socket, and why others were skipped. */
interface Credentials {
  keys: LoadedKey[]
  agentSocket: string | undefined
  /** IdentitiesOnly: the agent, narrowed to the identity files' keys (used instead of agentSocket). */
  agent?: BaseAgent
  /** Unusable identity files (also added to the warnings); they head an authentication failure's suggestions. */
  problems: string[]
}

/**
 * Step 2: load the identity files and check the agent socket. Unusable ones become warnings;
 * with nothing left to try (and something was asked for) it throws SshAuthError.
 */
async function gatherCredentials(target: ResolvedTarget, warnings: string[]): Promise<Credentials> {
  const {keys, problems, locked} = loadKeys(target.identityFiles, target.passphrase)
  for (const file of locked) {
    if (target.askSecret === undefined) {
      problems.push(`identity file ${file} is encrypted and no passphrase was given`)
      continue
    }
    const again = loadKeys([file], await target.askSecret({kind: 'passphrase', file}))
    keys.push(...again.keys)
    problems.push(...again.problems)
  }
  let agentSocket = target.agentSocket !== undefined && existsSync(target.agentSocket) ? target.agentSocket : undefined
  if (target.agentSocket !== undefined && agentSocket === undefined)
    warnings.push(`ssh-agent socket ${target.agentSocket} does not exist; agent not used`)
  let agent: BaseAgent | undefined
  if (agentSocket !== undefined && target.identitiesOnly === true) {
    // ssh2 offers every agent key: list only the identity files' keys, as OpenSSH's IdentitiesOnly does
    const allowed = identityPublicBlobs(target.identityFiles, keys)
    if (allowed.length === 0) agentSocket = undefined
    else agent = new IdentitiesOnlyAgent(agentSocket, allowed)
  }
  warnings.push(...problems)
  if (keys.length === 0 && target.password === undefined && agentSocket === undefined && problems.length > 0) {
    throw new SshAuthError(`no usable credentials for ${targetLabel(target)}: ${problems.join('; ')}`, {
      suggestions: [
        'pass the key passphrase with --identity-passphrase (or NETOPS_IDENTITY_PASSPHRASE; asked on a terminal), another --identity-file, or --password (NETOPS_PASSWORD)',
      ],
    })
  }
  return {keys, agentSocket, ...(agent === undefined ? {} : {agent}), problems}
}

/** Step 3: the known_hosts entries the host key is checked against (policy off: only to warn on a changed key). */
function loadKnownHosts(target: ResolvedTarget): KnownHostEntry[] {
  try {
    return readKnownHostsFile(target.knownHostsFile)
  } catch (err) {
    // policy off: known_hosts only feeds the changed-key warning; unreadable means nothing to compare
    if (target.hostKeyPolicy === 'off') return []
    throw new InputError(`cannot read known_hosts file ${target.knownHostsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      suggestions: ['check the file permissions or pass --known-hosts'],
      cause: err,
    })
  }
}

/**
 * Step 4: the authentication plan, in order. Keys first; with a password, password and
 * keyboard-interactive before the agent, so a box with few allowed attempts (IOS: 3) is not
 * exhausted by agent keys. Nothing at all: `none`.
 */
export function authPlan(
  target: Pick<ResolvedTarget, 'username' | 'password'>,
  creds: {keys: ReadonlyArray<{key: ParsedKey}>; agentSocket: string | undefined; agent?: BaseAgent},
): AnyAuthMethod[] {
  const username = target.username
  const plan: AnyAuthMethod[] = creds.keys.map((k) => ({type: 'publickey' as const, username, key: k.key}))
  if (target.password !== undefined) {
    const password = target.password
    plan.push({type: 'password', username, password})
    plan.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
        // answer hidden prompts (Password:) with the password; visible ones with nothing
        finish(prompts.map((p) => (p.echo === true ? '' : password)))
      },
    })
  }
  if (creds.agentSocket !== undefined) plan.push({type: 'agent', username, agent: creds.agent ?? creds.agentSocket})
  if (plan.length === 0) plan.push({type: 'none', username})
  return plan
}

/** ssh2's authHandler over a fixed plan: skips methods the server does not offer, records what it tried. */
export class AuthSequence {
  /** Method names tried so far, in order (for messages). */
  readonly methodsTried: string[] = []
  /** True once the plan ran out: ssh2 then fails the login ("All configured authentication methods failed"). */
  exhausted = false
  private readonly plan: AnyAuthMethod[]

  constructor(plan: AnyAuthMethod[]) {
    this.plan = [...plan]
  }

  readonly handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    for (let step = this.plan.shift(); step !== undefined; step = this.plan.shift()) {
      const wire = step.type === 'agent' ? 'publickey' : step.type
      if (methodsLeft === null || methodsLeft.includes(wire) || step.type === 'none') {
        this.methodsTried.push(step.type)
        next(step)
        return
      }
    }
    this.exhausted = true
    ;(next as unknown as (v: false) => void)(false)
  }
}

/**
 * Step 5 (runs inside the handshake): check the server's host key against known_hosts under the
 * target's policy. A refusal is kept in `error` (ssh2 only learns "verification failed"); an
 * accept-new key is written to known_hosts once the handshake completes (`saveAccepted`).
 */
class HostKeyVerifier {
  /** What happened to the key; set once the server presented one. */
  info: HostKeyInfo | undefined
  /** Why the key was refused. */
  error: NetopsError | undefined
  private toSave: Buffer | undefined
  private known: KnownHostEntry[]
  private readonly target: ResolvedTarget
  private readonly warnings: string[]

  constructor(target: ResolvedTarget, known: KnownHostEntry[], warnings: string[]) {
    this.target = target
    this.known = known
    this.warnings = warnings
  }

  readonly verify = (key: Buffer): boolean => {
    const info = {keyType: keyTypeOf(key), fingerprint: fingerprint(key)}
    const check = checkHostKey(this.known, this.target.host, this.target.port, key)
    if (this.target.hostKeyPolicy === 'off') {
      // off connects anyway, but never silently past a key that contradicts known_hosts
      if (check.status === 'changed' || check.status === 'revoked') this.warnings.push(this.offWarning(check.status, check.entry, info))
      this.info = {...info, status: 'unchecked'}
      return true
    }
    switch (check.status) {
      case 'known':
        this.info = {...info, status: 'known'}
        return true
      case 'unknown':
        return this.unknownKey(key, info)
      case 'changed':
      case 'revoked':
        this.error = this.mismatchError(check.status, check.entry, info)
        return false
    }
  }

  /** accept-new records the key (and remembers it, so a re-key must present the same one); strict refuses. */
  private unknownKey(key: Buffer, info: {keyType: string; fingerprint: string}): boolean {
    const {host, port, knownHostsFile: file} = this.target
    if (this.target.hostKeyPolicy === 'strict') {
      this.error = new SshHostKeyUnknownError(
        `host key for ${targetLabel(this.target)} is not known (${info.keyType} ${info.fingerprint}) and --host-key-policy is strict`,
        {
          suggestions: [
            `verify the fingerprint on the device (IOS: show crypto key mypubkey rsa; NX-OS: show ssh key), then connect once with --host-key-policy accept-new`,
            `or add the key to ${file}`,
          ],
          details: {host, port, keyType: info.keyType, fingerprint: info.fingerprint, knownHostsFile: file},
        },
      )
      return false
    }
    this.toSave = key
    this.info = {...info, status: 'added'}
    this.known = [...this.known, {line: 0, hosts: hostToken(host.toLowerCase(), port), keyType: info.keyType, key: key.toString('base64')}]
    return true
  }

  private offWarning(status: 'changed' | 'revoked', entry: KnownHostEntry, info: {keyType: string; fingerprint: string}): string {
    const what = status === 'revoked' ? 'is REVOKED' : 'has CHANGED'
    return (
      `HOST KEY ${what} for ${targetLabel(this.target)}: the server offered ${info.keyType} ${info.fingerprint}, ` +
      `which does not match the ${entry.keyType} key recorded at ${this.target.knownHostsFile}:${entry.line}; ` +
      `connecting anyway because --host-key-policy is off`
    )
  }

  private mismatchError(status: 'changed' | 'revoked', entry: KnownHostEntry, info: {keyType: string; fingerprint: string}): NetopsError {
    const {host, port, knownHostsFile: file} = this.target
    const removeHint = `ssh-keygen -R '${hostToken(host.toLowerCase(), port)}' -f '${file}'`
    const old = `${file}:${entry.line}`
    const what = status === 'revoked' ? 'is REVOKED' : 'has CHANGED'
    return new SshHostKeyChangedError(
      `HOST KEY ${what} for ${targetLabel(this.target)}: the server offered ${info.keyType} ${info.fingerprint}, ` +
        `which does not match the ${entry.keyType} key recorded at ${old}. ` +
        `Someone may be intercepting the connection, or the device was replaced or re-keyed. Refusing to connect.`,
      {
        suggestions: [
          'confirm the new fingerprint on the device console before trusting it',
          `if the change is expected, remove the old entry: ${removeHint}  (or delete line ${entry.line} of ${file})`,
        ],
        details: {
          host,
          port,
          keyType: info.keyType,
          fingerprint: info.fingerprint,
          knownHostsFile: file,
          knownHostsLine: entry.line,
          revoked: status === 'revoked',
        },
      },
    )
  }

  /** After the handshake: append an accept-new key to known_hosts (a failure is a warning). */
  saveAccepted(warnings: string[]): void {
    const key = this.toSave
    if (key === undefined) return
    this.toSave = undefined
    try {
      appendKnownHost(this.target.knownHostsFile, this.target.host, this.target.port, key)
    } catch (err) {
      warnings.push(`could not record the host key in ${this.target.knownHostsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
  }
}

/** `{origin: 'file:line'}` of an ssh_config keyword, when ssh_config gave it (for messages). */
function originOf(target: ResolvedTarget, keyword: string): {origin?: string} {
  const origin = target.origins?.[keyword]
  return origin === undefined ? {} : {origin}
}

/** What a login runs over: a jump host's channel, a ProxyCommand, or (neither) TCP. */
interface Via {
  sock?: Duplex
  proxy?: ProxyCommandStream
}

interface LoginArgs {
  target: ResolvedTarget
  creds: Credentials
  auth: AuthSequence
  hostKey: HostKeyVerifier
  /** For the algorithm list: key types known_hosts holds for this host, preferred in negotiation. */
  known: KnownHostEntry[]
  warnings: string[]
  /** The stream to speak SSH over (a jump host's forwarded channel, a ProxyCommand); none = TCP to host:port. */
  sock?: Duplex
  /** Set when `sock` is a ProxyCommand: its exit explains a connection that ends early. */
  proxy?: ProxyCommandStream
}

/**
 * Steps 6-7: open the TCP connection, run the SSH handshake (host key check included) and
 * authenticate; resolves on ssh2's `ready`. Every failure becomes one typed error, named after
 * how far the connection got (`phase`).
 */
class Login {
  readonly client = new Client()
  negotiated: NegotiatedAlgorithms | undefined
  private phase = 'tcp' as ConnectPhase // (`as`: callbacks change it; keep TS from narrowing)
  private settled = false
  private probing = false
  private readonly args: LoginArgs
  private readonly label: string
  private readonly secrets: Array<string | undefined>
  private resolve: () => void = () => {}
  private reject: (err: NetopsError) => void = () => {}

  constructor(args: LoginArgs) {
    this.args = args
    this.label = targetLabel(args.target)
    this.secrets = [args.target.password, args.target.passphrase]
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      const client = this.client
      client.on('connect', () => {
        this.phase = 'banner'
      })
      client.on('handshake', (n) => this.onHandshake(n))
      client.on('error', (err: Error & {level?: string}) => {
        // an agent key that cannot sign, a refused key with more to try: ssh2 carries on
        const passing = err.level === 'agent' || (err.level === 'client-authentication' && !this.args.auth.exhausted)
        if (passing) this.onError(err)
        else this.viaProxy(() => this.onError(err))
      })
      client.on('close', () => this.viaProxy(() => this.onClose()))
      client.on('ready', () => this.onReady())
      try {
        client.connect(this.config())
        // Interactive CLI traffic is many small writes: without TCP_NODELAY each command waits out
        // Nagle against the peer's delayed ACK (~40 ms a round trip), as OpenSSH avoids for ttys too.
        client.setNoDelay(true)
      } catch (err) {
        this.fail(new InputError(`invalid SSH settings for ${this.label}: ${redact((err as Error).message, this.secrets)}`, {cause: err}))
      }
    })
  }

  private config(): ConnectConfig {
    const {target, known} = this.args
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: target.timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: this.args.hostKey.verify,
      authHandler: this.args.auth.handler,
      // ssh2 debug lines tell us how far the connection got (for the timeout message)
      debug: (msg: string) => {
        if (this.phase === 'banner' && msg.startsWith('Remote ident')) this.phase = 'handshake'
      },
    }
    const sock = this.args.sock ?? this.args.proxy
    if (sock !== undefined) config.sock = sock
    const algorithms = buildAlgorithms({
      legacySsh: target.legacySsh,
      knownKeyTypes: knownKeyTypes(known, target.host, target.port),
      ...(target.algorithms === undefined ? {} : {configured: target.algorithms}),
    })
    if (algorithms !== undefined) config.algorithms = algorithms
    return config
  }

  /**
   * A connection over a ProxyCommand that ends before login: once the command has exited, say so
   * (its status and stderr) instead of a bare "closed during the handshake". Otherwise run `next`.
   */
  private viaProxy(next: () => void): void {
    const proxy = this.args.proxy
    if (proxy === undefined || this.settled) return next()
    const {target} = this.args
    const grace = setTimeout(next, 1000) // still running a second after the stream ended: report what ssh2 saw
    void proxy.whenExited().then((exit) => {
      clearTimeout(grace)
      if (this.settled) return
      if (this.args.hostKey.error !== undefined) return this.fail(this.args.hostKey.error)
      // stopped by us (ssh2 gave up, e.g. on a timeout): ssh2's account is the right one
      if (proxy.killed) return next()
      // past the handshake, the server ended the session (e.g. too many auth failures): ssh2's account is the right one
      if (this.phase === 'auth') return next()
      this.fail(
        proxyCommandError({target: this.label, command: proxy.command, exit, stderr: proxy.stderr, ...originOf(target, 'proxycommand')}),
      )
    })
  }

  private onHandshake(n: Ssh2Negotiated): void {
    this.phase = 'auth'
    this.negotiated = {kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac}
    this.args.hostKey.saveAccepted(this.args.warnings)
  }

  private onError(err: Error & {level?: string}): void {
    const {target, auth, hostKey, warnings, creds} = this.args
    if (err.level === 'agent') {
      warnings.push(`ssh-agent: ${redact(err.message, this.secrets)}`)
      return
    }
    if (err.level === 'client-authentication' && !auth.exhausted) {
      warnings.push(redact(err.message, this.secrets)) // e.g. a key that cannot sign: ssh2 moves on
      return
    }
    if (hostKey.error !== undefined && (err.level === 'handshake' || err.level === 'protocol')) return this.fail(hostKey.error)
    const mapped = mapSshError(err, {
      target: this.label,
      alias: target.alias,
      port: target.port,
      username: target.username,
      phase: this.phase,
      timeoutMs: target.timeoutMs,
      legacySsh: target.legacySsh,
      methodsTried: auth.methodsTried,
      secrets: this.secrets,
    })
    if (mapped instanceof SshAuthError && creds.problems.length > 0) mapped.suggestions.unshift(...creds.problems)
    if (mapped instanceof SshProtocolError && this.phase === 'banner') return this.failAfterProbe(mapped)
    this.fail(mapped)
  }

  /** The port closed before saying SSH: find out whether another protocol answered, and say so. */
  private failAfterProbe(err: NetopsError): void {
    // through a jump host or ProxyCommand, host:port is not ours to dial: it may be another device
    if (this.args.sock !== undefined || this.args.proxy !== undefined) return this.fail(err)
    if (this.probing) return
    this.probing = true
    const {target} = this.args
    void probeProtocol(target.host, target.port, Math.min(target.timeoutMs, 3000)).then((other) => {
      if (other === undefined) return this.fail(err)
      this.fail(
        new SshProtocolError(`port ${target.port} of ${this.label} answered ${other}, not SSH`, {
          suggestions: [
            `check --ssh-port: ${target.port} is a ${other} port (SSH is usually 22; the lab switch prints its port)`,
            sshVerboseHint(target),
          ],
          details: {phase: this.phase, protocol: other},
          cause: err,
        }),
      )
    })
  }

  private onClose(): void {
    const {target, auth, hostKey} = this.args
    if (hostKey.error !== undefined) return this.fail(hostKey.error)
    if (this.phase === 'auth') {
      return this.fail(
        new SshAuthError(`${this.label} closed the connection during authentication`, {
          suggestions: [
            'the server may allow only a few attempts: check --username/--password, or pass --identity-file',
            sshVerboseHint(target),
          ],
          details: {phase: this.phase, methodsTried: auth.methodsTried},
        }),
      )
    }
    const closed = new SshProtocolError(`${this.label} closed the connection during the SSH handshake`, {
      suggestions: ['the device may limit concurrent logins or filter by source address', sshVerboseHint(target)],
      details: {phase: this.phase},
    })
    if (this.phase === 'banner') return this.failAfterProbe(closed)
    this.fail(closed)
  }

  private onReady(): void {
    if (this.settled) return
    this.settled = true
    for (const event of ['error', 'close', 'handshake', 'connect'] as const) this.client.removeAllListeners(event)
    this.resolve()
  }

  private fail(err: NetopsError): void {
    if (this.settled) return
    this.settled = true
    const proxy = this.args.proxy
    if (proxy !== undefined && (proxy.exit === undefined || proxy.killed) && err instanceof SshTimeoutError) {
      const tail = stderrTail(proxy.stderr)
      err.suggestions.unshift(
        `the ProxyCommand was still running when the time ran out${tail === '' ? '' : ` (it said: ${tail})`}; it may wait for a prompt: run it by hand: ${proxy.command}`,
      )
    }
    this.client.removeAllListeners('ready')
    this.client.on('error', () => {})
    this.client.destroy()
    this.reject(err)
  }
}

/** Jump-host connections in use in this process, shared by the targets behind them. */
const sharedHops = new SharedConnections<SshTransport>()

export class SshTransport {
  readonly target: ResolvedTarget
  /** Where the host key stood after connecting. */
  readonly hostKey: HostKeyInfo | undefined
  /** Non-fatal notes from connecting (e.g. known_hosts not writable); never contain secrets. */
  readonly warnings: string[]
  private readonly client: InstanceType<typeof Client>
  private negotiatedAlgorithms: NegotiatedAlgorithms | undefined
  private closing = false
  private closed = false
  private readonly closeCallbacks: Array<(err?: Error) => void> = []
  private readonly pending = new Set<(err: NetopsError) => void>()
  private lostError: NetopsError | undefined
  /** Leases on the jump-host connections this one runs through, first hop first: released after it. */
  private hopLeases: Array<Lease<SshTransport>> = []
  private hopsClosed: Promise<void> | undefined
  /** The ProxyCommand this connection runs over: killed when it closes. */
  private readonly proxy: ProxyCommandStream | undefined

  private constructor(args: {
    target: ResolvedTarget
    client: InstanceType<typeof Client>
    negotiated: NegotiatedAlgorithms | undefined
    hostKey: HostKeyInfo | undefined
    warnings: string[]
    proxy?: ProxyCommandStream | undefined
  }) {
    this.target = args.target
    this.proxy = args.proxy
    this.client = args.client
    this.negotiatedAlgorithms = args.negotiated
    this.hostKey = args.hostKey
    this.warnings = args.warnings
    this.client.on('handshake', (n) => {
      this.negotiatedAlgorithms = {kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac}
    })
    this.client.on('error', (err: Error & {level?: string}) => {
      this.lostError ??= mapSshError(err, this.errorContext('ready'))
    })
    this.client.on('close', () => this.onConnectionClosed())
  }

  /** The algorithms negotiated in the (latest) key exchange, for debug output. */
  get negotiated(): NegotiatedAlgorithms | undefined {
    return this.negotiatedAlgorithms
  }

  /** `user@host:port` (+ alias) for messages. */
  get label(): string {
    return targetLabel(this.target)
  }

  private errorContext(phase: ConnectPhase) {
    return {
      target: this.label,
      alias: this.target.alias,
      port: this.target.port,
      username: this.target.username,
      phase,
      timeoutMs: this.target.timeoutMs,
      legacySsh: this.target.legacySsh,
      secrets: [this.target.password, this.target.passphrase],
    }
  }

  private onConnectionClosed(): void {
    if (this.closed) return
    this.closed = true
    this.proxy?.destroy()
    void this.closeHops()
    if (this.closing) return
    const err =
      this.lostError instanceof ConnectionLostError
        ? this.lostError
        : new ConnectionLostError(
            `connection to ${this.label} was lost${this.lostError === undefined ? '' : `: ${this.lostError.message}`}`,
            {
              suggestions: ['check the link and the device, then re-run'],
              ...(this.lostError === undefined ? {} : {cause: this.lostError}),
            },
          )
    for (const fail of [...this.pending]) fail(err)
    for (const cb of this.closeCallbacks) {
      try {
        cb(err)
      } catch {
        /* a callback's own failure must not break the others */
      }
    }
  }

  /**
   * Resolve the target (ssh_config, defaults) → open the route (direct, through each jump host in
   * turn, or over a ProxyCommand) → for each hop and the target: gather credentials → read
   * known_hosts → plan authentication → connect: handshake (host key verified), authenticate.
   * Rejects only with NetopsError; a jump host's failure names the hop.
   */
  static async connect(opts: SshTargetOptions | ResolvedTarget): Promise<SshTransport> {
    const target = isResolvedTarget(opts) ? opts : await resolveTarget(opts)
    const route = routeOf(target)
    if (route.kind === 'direct') return SshTransport.connectOne(target, () => Promise.resolve({}))
    if (route.kind === 'proxy-command') {
      return SshTransport.connectOne(target, () => Promise.resolve({proxy: new ProxyCommandStream(route.command)}))
    }
    const leases: Array<Lease<SshTransport>> = []
    const hops: SshTransport[] = []
    try {
      // each hop (and the target) is reached through a channel the previous hop opens; targets
      // behind the same hops share their connections (one bastion login for a fleet)
      let open: () => Promise<Via> = () => Promise.resolve({})
      for (const hop of route.hops) {
        const through = open
        const lease = sharedHops.acquire(hopKey(route.hops, hop.index), () =>
          SshTransport.connectOne(hop.target, through, hop).catch((err: unknown) => {
            throw err instanceof NetopsError ? hopError(err, hop) : err
          }),
        )
        const transport = await lease.connection
        leases.push(lease)
        hops.push(transport)
        open = async () => ({sock: await transport.forward(hop)})
      }
      const final = await SshTransport.connectOne(target, open)
      final.adoptHops(hops, leases, route.hops)
      return final
    } catch (err) {
      for (const lease of leases.reverse()) await lease.release()
      throw err
    }
  }

  /** Log in to one host over a fresh stream from `open`, asking for a password once when every key was refused. */
  private static async connectOne(target: ResolvedTarget, open: () => Promise<Via>, hop?: Hop): Promise<SshTransport> {
    const first = await SshTransport.login(target, await open())
    if (!(first instanceof Error)) return first
    // Every key (the agent's included) was refused and no password was given: ask for one, once.
    const tried = (first.details?.['methodsTried'] as string[] | undefined) ?? []
    if (first instanceof SshAuthError && target.password === undefined && target.askSecret !== undefined && !tried.includes('password')) {
      const password = await target.askSecret(
        hop === undefined ? {kind: 'password', target: targetLabel(target)} : {kind: 'password', target: hop.label, jumpHost: true},
      )
      const second = await SshTransport.login({...target, password}, await open())
      if (second instanceof Error) throw second
      return second
    }
    throw first
  }

  /** Open a `direct-tcpip` channel from this (jump) host to the hop's next host; typed errors naming the hop. */
  private forward(hop: Hop): Promise<ClientChannel> {
    const timeoutMs = hop.target.timeoutMs
    return this.openChannel({
      timeoutMs,
      timeoutError: () => forwardTimeoutError(hop, timeoutMs),
      dropError: (err) => hopError(err, hop),
      openError: (err) => forwardError(hop, err),
      // the originator address is informational (OpenSSH's ssh -J sends 127.0.0.1:0 too)
      open: (cb) => this.client.forwardOut('127.0.0.1', 0, hop.next.host, hop.next.port, cb),
    })
  }

  /**
   * Open a channel with open(cb); settles once: with the channel, openError of what ssh2 reports or throws, dropError of
   * the connection dropping first (via pending), or timeoutError after timeoutMs. A channel arriving after that is closed.
   */
  private openChannel(opts: {
    timeoutMs: number
    timeoutError: () => NetopsError
    dropError: (err: NetopsError) => NetopsError
    openError: (err: Error) => NetopsError
    open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void
  }): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      let settled = false
      const finish = (err: NetopsError | undefined, ch?: ClientChannel): void => {
        if (settled) {
          ch?.close()
          return
        }
        settled = true
        clearTimeout(timer)
        this.pending.delete(failer)
        if (err !== undefined) reject(err)
        else resolve(ch as ClientChannel)
      }
      const failer = (err: NetopsError): void => finish(opts.dropError(err))
      this.pending.add(failer)
      const timer = setTimeout(() => finish(opts.timeoutError()), opts.timeoutMs)
      try {
        opts.open((err, ch) => {
          if (err !== undefined && err !== null) return finish(opts.openError(err))
          finish(undefined, ch)
        })
      } catch (err) {
        finish(opts.openError(err as Error))
      }
    })
  }

  /** Take over the jump-host connections this one runs through: their warnings become ours, closing releases them. */
  private adoptHops(transports: SshTransport[], leases: Array<Lease<SshTransport>>, hops: Hop[]): void {
    this.hopLeases = leases
    const mine = [...this.warnings]
    this.warnings.length = 0
    transports.forEach((t, i) => {
      const hop = hops[i]
      if (hop === undefined) return
      for (const w of t.warnings) this.warnings.push(hopWarning(hop, w))
      // a hop that drops takes this connection with it: say which one went
      t.onClose((err) => {
        this.lostError ??= new ConnectionLostError(
          `connection to ${this.label} was lost: ${hop.label} went away${err === undefined ? '' : ` (${err.message})`}`,
          {
            suggestions: ['check the jump host and the link to it, then re-run'],
            details: {hop: hop.index + 1},
            ...(err === undefined ? {} : {cause: err}),
          },
        )
      })
    })
    this.warnings.push(...mine)
  }

  /** Release the jump hosts, last hop first (each runs through the one before); the last user closes them. Once. */
  private closeHops(): Promise<void> {
    this.hopsClosed ??= (async () => {
      for (const lease of [...this.hopLeases].reverse()) await lease.release()
    })()
    return this.hopsClosed
  }

  /** One login attempt: the transport, or the typed error it failed with. */
  private static async login(target: ResolvedTarget, via: Via): Promise<SshTransport | NetopsError> {
    const warnings: string[] = []
    try {
      const creds = await gatherCredentials(target, warnings)
      const known = loadKnownHosts(target)
      const auth = new AuthSequence(authPlan(target, creds))
      const hostKey = new HostKeyVerifier(target, known, warnings)
      const login = new Login({target, creds, auth, hostKey, known, warnings, ...via})
      await login.run()
      // what the ProxyCommand said while connecting (OpenSSH shows it on the terminal)
      for (const line of stderrLines(via.proxy?.stderr ?? '')) warnings.push(`ProxyCommand: ${line}`)
      return new SshTransport({
        target,
        client: login.client,
        negotiated: login.negotiated,
        hostKey: hostKey.info,
        warnings,
        proxy: via.proxy,
      })
    } catch (err) {
      via.sock?.destroy()
      via.proxy?.destroy()
      if (err instanceof NetopsError) return err
      throw err
    }
  }

  /** The error for using a closed or lost connection; undefined while it is open. */
  private notOpenError(what: string): ConnectionLostError | undefined {
    if (!this.closed && !this.closing) return undefined
    return new ConnectionLostError(`cannot ${what}: the connection to ${this.label} is ${this.closing ? 'closed' : 'lost'}`, {
      suggestions: ['re-run the command'],
    })
  }

  private channelOpenError(err: Error, what: string): NetopsError {
    if (this.closed)
      return this.lostError instanceof ConnectionLostError
        ? this.lostError
        : new ConnectionLostError(`connection to ${this.label} was lost while trying to ${what}`, {cause: err})
    return new SshProtocolError(`${this.label} refused to ${what}: ${err.message}`, {
      suggestions: ['the device may limit sessions per connection (VTY lines, MaxSessions)'],
      cause: err,
    })
  }

  /**
   * Run one command (a single string the remote shell parses: build it with shellQuote()).
   * Resolves with the exit status even when it is non-zero; rejects with SshTimeoutError when the
   * command does not finish within timeoutMs (default: the target's), ConnectionLostError when the
   * connection drops.
   */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.target.timeoutMs
    return new Promise<ExecResult>((resolve, reject) => {
      const notOpen = this.notOpenError('run a command')
      if (notOpen !== undefined) return reject(notOpen)
      let settled = false
      let channel: ClientChannel | undefined
      let result: () => ExecResult = () => ({exitCode: null, signal: null, stdout: '', stderr: ''})
      const finish = (err?: NetopsError): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.pending.delete(failer)
        if (err !== undefined) return reject(err)
        resolve(result())
      }
      const failer = (err: NetopsError): void => finish(err)
      this.pending.add(failer)
      const timer = setTimeout(() => {
        abandonChannel(channel)
        finish(this.execTimeoutError(command, timeoutMs, channel === undefined ? 'open' : 'run'))
      }, timeoutMs)
      try {
        this.client.exec(command, (err, ch) => {
          if (err !== undefined && err !== null) return finish(this.channelOpenError(err, 'open an exec channel'))
          if (settled) {
            ch.close()
            return
          }
          channel = ch
          // a channel closed by a dropped connection reports no status: the close handler has rejected already
          result = collectExec(ch, () => setImmediate(() => finish()))
          if (opts.stdin !== undefined) ch.end(opts.stdin)
          else ch.end()
        })
      } catch (err) {
        finish(this.channelOpenError(err as Error, 'open an exec channel'))
      }
    })
  }

  private execTimeoutError(command: string, timeoutMs: number, phase: 'open' | 'run'): SshTimeoutError {
    return new SshTimeoutError(`command did not finish within ${timeoutMs / 1000}s on ${this.label}: ${shortCommand(command)}`, {
      suggestions: ['raise --timeout if the command is slow', 'check the command does not wait for input'],
      details: {timeoutMs, phase},
    })
  }

  /** Open an interactive shell (with a pty when asked). Rejects with SshTimeoutError if opening stalls. */
  shell(opts: ShellOptions = {}): Promise<ClientChannel> {
    const timeoutMs = opts.timeoutMs ?? this.target.timeoutMs
    const notOpen = this.notOpenError('open a shell')
    if (notOpen !== undefined) return Promise.reject(notOpen)
    return this.openChannel({
      timeoutMs,
      timeoutError: () =>
        new SshTimeoutError(`opening a shell on ${this.label} did not finish within ${timeoutMs / 1000}s`, {
          suggestions: ['raise --timeout if the device is slow', 'the device may have no free VTY lines'],
        }),
      dropError: (err) => err,
      openError: (err) => this.channelOpenError(err, 'open a shell'),
      open: (cb) => {
        if (opts.pty === undefined) this.client.shell(false, cb)
        else this.client.shell({term: opts.pty.term ?? 'vt100', cols: opts.pty.cols ?? 200, rows: opts.pty.rows ?? 50}, cb)
      },
    })
  }

  /** Called once if the connection drops unexpectedly (not after close()). */
  onClose(cb: (err?: Error) => void): void {
    this.closeCallbacks.push(cb)
  }

  /** True until close() is called or the connection drops. */
  get isOpen(): boolean {
    return !this.closed && !this.closing
  }

  /** Close the connection; resolves when the socket is closed (forcibly after 2 s). Idempotent. */
  close(): Promise<void> {
    if (this.closed) {
      this.closing = true
      return this.closeHops()
    }
    this.closing = true
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy()
        resolve()
      }, 2000)
      this.client.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      const stopped = new ConnectionLostError(`the connection to ${this.label} was closed`)
      for (const fail of [...this.pending]) fail(stopped)
      this.client.end()
    })
    return closed.then(() => {
      this.proxy?.destroy()
      return this.closeHops()
    })
  }
}
