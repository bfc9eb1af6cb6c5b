/**
 * SshTransport: one authenticated SSH connection (ssh2 Client) with host-key checking,
 * per-step timeouts, and typed errors only.
 *
 *   const t = await SshTransport.connect({host: 'sw1', password, hostKeyPolicy: 'accept-new'})
 *   try { const r = await t.exec(shellQuote(['ovs-vsctl', 'show'])) } finally { await t.close() }
 */
import {existsSync, readFileSync} from 'node:fs'
import ssh2 from 'ssh2'
import type {
  AnyAuthMethod,
  AuthenticationType,
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
  type NetopsError,
  SshAuthError,
  SshHostKeyChangedError,
  SshHostKeyUnknownError,
  SshProtocolError,
  SshTimeoutError,
} from '../errors.js'
import {buildAlgorithms} from './algorithms.js'
import {mapSshError, redact, type ConnectPhase} from './errors.js'
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

/** Read and check the identity files; unusable ones are reported, not fatal (others may work). */
function loadKeys(target: ResolvedTarget): {keys: LoadedKey[]; problems: string[]} {
  const keys: LoadedKey[] = []
  const problems: string[] = []
  for (const file of target.identityFiles) {
    let data: Buffer
    try {
      data = readFileSync(file)
    } catch (err) {
      problems.push(`cannot read identity file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
      continue
    }
    const parsed = utils.parseKey(data, target.passphrase)
    if (parsed instanceof Error) {
      const encrypted = /encrypted|passphrase/i.test(parsed.message)
      problems.push(
        encrypted
          ? target.passphrase === undefined
            ? `identity file ${file} is encrypted and no passphrase was given`
            : `identity file ${file}: wrong passphrase`
          : `identity file ${file} is not a private key netops can read`,
      )
      continue
    }
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | undefined
    if (first === undefined || !first.isPrivateKey()) {
      problems.push(`identity file ${file} holds no private key (a .pub file?)`)
      continue
    }
    keys.push({file, key: first})
  }
  return {keys, problems}
}

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

  private constructor(args: {
    target: ResolvedTarget
    client: InstanceType<typeof Client>
    negotiated: NegotiatedAlgorithms | undefined
    hostKey: HostKeyInfo | undefined
    warnings: string[]
  }) {
    this.target = args.target
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
      phase,
      timeoutMs: this.target.timeoutMs,
      legacySsh: this.target.legacySsh,
      secrets: [this.target.password, this.target.passphrase],
    }
  }

  private onConnectionClosed(): void {
    if (this.closed) return
    this.closed = true
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

  /** Resolve (if needed), connect, verify the host key and authenticate. Rejects only with NetopsError. */
  static async connect(opts: SshTargetOptions | ResolvedTarget): Promise<SshTransport> {
    const target = isResolvedTarget(opts) ? opts : await resolveTarget(opts)
    const label = targetLabel(target)
    const secrets = [target.password, target.passphrase]
    const warnings: string[] = []

    const {keys, problems} = loadKeys(target)
    const agentSocket = target.agentSocket !== undefined && existsSync(target.agentSocket) ? target.agentSocket : undefined
    if (target.agentSocket !== undefined && agentSocket === undefined)
      warnings.push(`ssh-agent socket ${target.agentSocket} does not exist; agent not used`)
    warnings.push(...problems)
    if (keys.length === 0 && target.password === undefined && agentSocket === undefined && problems.length > 0) {
      throw new SshAuthError(`no usable credentials for ${label}: ${problems.join('; ')}`, {
        suggestions: ['pass the key passphrase, another --identity-file, or --password (NETOPS_PASSWORD)'],
      })
    }

    let known: KnownHostEntry[] = []
    if (target.hostKeyPolicy !== 'off') {
      try {
        known = readKnownHostsFile(target.knownHostsFile)
      } catch (err) {
        throw new InputError(
          `cannot read known_hosts file ${target.knownHostsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          {
            suggestions: ['check the file permissions or pass --known-hosts'],
            cause: err,
          },
        )
      }
    }

    // Authentication plan. Keys first; with a password, password/keyboard-interactive before the
    // agent, so a box with few allowed attempts (IOS: 3) is not exhausted by agent keys.
    const plan: AnyAuthMethod[] = keys.map((k) => ({type: 'publickey' as const, username: target.username, key: k.key}))
    const agentStep: AnyAuthMethod[] = agentSocket === undefined ? [] : [{type: 'agent', username: target.username, agent: agentSocket}]
    if (target.password !== undefined) {
      const password = target.password
      plan.push({type: 'password', username: target.username, password})
      plan.push({
        type: 'keyboard-interactive',
        username: target.username,
        prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
          // answer hidden prompts (Password:) with the password; visible ones with nothing
          finish(prompts.map((p) => (p.echo === true ? '' : password)))
        },
      })
      plan.push(...agentStep)
    } else {
      plan.push(...agentStep)
    }
    if (plan.length === 0) plan.push({type: 'none', username: target.username})
    const methodsTried: string[] = []
    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
      while (plan.length > 0) {
        const step = plan.shift() as AnyAuthMethod
        const wire = step.type === 'agent' ? 'publickey' : step.type
        if (methodsLeft === null || methodsLeft.includes(wire) || step.type === 'none') {
          methodsTried.push(step.type)
          next(step)
          return
        }
      }
      ;(next as unknown as (v: false) => void)(false)
    }

    let phase = 'tcp' as ConnectPhase // (`as`: closures change it; keep TS from narrowing)
    let hostKeyError: NetopsError | undefined
    let hostKeyToSave: Buffer | undefined
    let hostKey: HostKeyInfo | undefined
    let negotiated: NegotiatedAlgorithms | undefined

    const hostVerifier = (key: Buffer): boolean => {
      const info = {keyType: keyTypeOf(key), fingerprint: fingerprint(key)}
      if (target.hostKeyPolicy === 'off') {
        hostKey = {...info, status: 'unchecked'}
        return true
      }
      const check = checkHostKey(known, target.host, target.port, key)
      const file = target.knownHostsFile
      const removeHint = `ssh-keygen -R '${hostToken(target.host.toLowerCase(), target.port)}' -f '${file}'`
      switch (check.status) {
        case 'known':
          hostKey = {...info, status: 'known'}
          return true
        case 'unknown':
          if (target.hostKeyPolicy === 'strict') {
            hostKeyError = new SshHostKeyUnknownError(
              `host key for ${label} is not known (${info.keyType} ${info.fingerprint}) and --host-key-policy is strict`,
              {
                suggestions: [
                  `verify the fingerprint on the device (IOS: show crypto key mypubkey rsa; NX-OS: show ssh key), then connect once with --host-key-policy accept-new`,
                  `or add the key to ${file}`,
                ],
                details: {host: target.host, port: target.port, keyType: info.keyType, fingerprint: info.fingerprint, knownHostsFile: file},
              },
            )
            return false
          }
          hostKeyToSave = key
          hostKey = {...info, status: 'added'}
          // remember it in memory too, so a re-key on this connection must present the same key
          known = [
            ...known,
            {line: 0, hosts: hostToken(target.host.toLowerCase(), target.port), keyType: info.keyType, key: key.toString('base64')},
          ]
          return true
        case 'changed':
        case 'revoked': {
          const old = `${file}:${check.entry.line}`
          const what = check.status === 'revoked' ? 'is REVOKED' : 'has CHANGED'
          hostKeyError = new SshHostKeyChangedError(
            `HOST KEY ${what} for ${label}: the server offered ${info.keyType} ${info.fingerprint}, ` +
              `which does not match the ${check.entry.keyType} key recorded at ${old}. ` +
              `Someone may be intercepting the connection, or the device was replaced or re-keyed. Refusing to connect.`,
            {
              suggestions: [
                'confirm the new fingerprint on the device console before trusting it',
                `if the change is expected, remove the old entry: ${removeHint}  (or delete line ${check.entry.line} of ${file})`,
              ],
              details: {
                host: target.host,
                port: target.port,
                keyType: info.keyType,
                fingerprint: info.fingerprint,
                knownHostsFile: file,
                knownHostsLine: check.entry.line,
                revoked: check.status === 'revoked',
              },
            },
          )
          return false
        }
      }
    }

    const client = new Client()
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: target.timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier,
      authHandler: authHandler,
      // ssh2 debug lines tell us how far the connection got (for the timeout message)
      debug: (msg: string) => {
        if (phase === 'banner' && msg.startsWith('Remote ident')) phase = 'handshake'
      },
    }
    const algorithms = buildAlgorithms({legacySsh: target.legacySsh, knownKeyTypes: knownKeyTypes(known, target.host, target.port)})
    if (algorithms !== undefined) config.algorithms = algorithms

    await new Promise<void>((resolve, reject) => {
      let settled = false
      const fail = (err: NetopsError): void => {
        if (settled) return
        settled = true
        client.removeAllListeners('ready')
        client.on('error', () => {})
        client.destroy()
        reject(err)
      }
      client.on('connect', () => {
        phase = 'banner'
      })
      client.on('handshake', (n) => {
        phase = 'auth'
        negotiated = {kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac}
        if (hostKeyToSave !== undefined) {
          const key = hostKeyToSave
          hostKeyToSave = undefined
          try {
            appendKnownHost(target.knownHostsFile, target.host, target.port, key)
          } catch (err) {
            warnings.push(
              `could not record the host key in ${target.knownHostsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
            )
          }
        }
      })
      client.on('error', (err: Error & {level?: string}) => {
        if (err.level === 'agent') {
          warnings.push(`ssh-agent: ${redact(err.message, secrets)}`)
          return
        }
        if (err.level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message)) {
          warnings.push(redact(err.message, secrets)) // e.g. a key that cannot sign: ssh2 moves on
          return
        }
        if (hostKeyError !== undefined && (err.level === 'handshake' || err.level === 'protocol')) return fail(hostKeyError)
        const mapped = mapSshError(err, {
          target: label,
          alias: target.alias,
          phase,
          timeoutMs: target.timeoutMs,
          legacySsh: target.legacySsh,
          methodsTried,
          secrets,
        })
        if (mapped instanceof SshAuthError && problems.length > 0) mapped.suggestions.unshift(...problems)
        fail(mapped)
      })
      client.on('close', () => {
        if (hostKeyError !== undefined) return fail(hostKeyError)
        if (phase === 'auth') {
          return fail(
            new SshAuthError(`${label} closed the connection during authentication`, {
              suggestions: [
                'the server may allow only a few attempts: check --username/--password, or pass --identity-file',
                `ssh -v ${target.alias}`,
              ],
              details: {phase, methodsTried},
            }),
          )
        }
        fail(
          new SshProtocolError(`${label} closed the connection during the SSH handshake`, {
            suggestions: ['the device may limit concurrent logins or filter by source address', `ssh -v ${target.alias}`],
            details: {phase},
          }),
        )
      })
      client.on('ready', () => {
        if (settled) return
        settled = true
        client.removeAllListeners('error')
        client.removeAllListeners('close')
        client.removeAllListeners('handshake')
        client.removeAllListeners('connect')
        resolve()
      })
      try {
        client.connect(config)
        // Interactive CLI traffic is many small writes: without TCP_NODELAY each command waits out
        // Nagle against the peer's delayed ACK (~40 ms a round trip), as OpenSSH avoids for ttys too.
        client.setNoDelay(true)
      } catch (err) {
        fail(new InputError(`invalid SSH settings for ${label}: ${redact((err as Error).message, secrets)}`, {cause: err}))
      }
    })

    return new SshTransport({target, client, negotiated, hostKey, warnings})
  }

  private ensureOpen(what: string): void {
    if (this.closed || this.closing) {
      throw new ConnectionLostError(`cannot ${what}: the connection to ${this.label} is ${this.closing ? 'closed' : 'lost'}`, {
        suggestions: ['re-run the command'],
      })
    }
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
      try {
        this.ensureOpen('run a command')
      } catch (err) {
        return reject(err)
      }
      let settled = false
      let channel: ClientChannel | undefined
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      let exitCode: number | null = null
      let signal: string | null = null
      const finish = (err?: NetopsError): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.pending.delete(failer)
        if (err !== undefined) return reject(err)
        resolve({exitCode, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')})
      }
      const failer = (err: NetopsError): void => finish(err)
      this.pending.add(failer)
      const timer = setTimeout(() => {
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
        finish(
          new SshTimeoutError(`command did not finish within ${timeoutMs / 1000}s on ${this.label}: ${shortCommand(command)}`, {
            suggestions: ['raise --timeout if the command is slow', 'check the command does not wait for input'],
            details: {timeoutMs, phase: channel === undefined ? 'open' : 'run'},
          }),
        )
      }, timeoutMs)
      try {
        this.client.exec(command, (err, ch) => {
          if (err !== undefined && err !== null) return finish(this.channelOpenError(err, 'open an exec channel'))
          if (settled) {
            ch.close()
            return
          }
          channel = ch
          ch.on('data', (d: Buffer) => stdout.push(d))
          ch.stderr.on('data', (d: Buffer) => stderr.push(d))
          ch.on('exit', (code: number | null, sig?: string) => {
            exitCode = typeof code === 'number' ? code : null
            signal = typeof sig === 'string' ? sig : null
          })
          ch.on('close', () => {
            // a channel closed by a dropped connection reports no status: the close handler has rejected already
            setImmediate(() => finish())
          })
          ch.on('error', () => {})
          if (opts.stdin !== undefined) ch.end(opts.stdin)
          else ch.end()
        })
      } catch (err) {
        finish(this.channelOpenError(err as Error, 'open an exec channel'))
      }
    })
  }

  /** Open an interactive shell (with a pty when asked). Rejects with SshTimeoutError if opening stalls. */
  shell(opts: ShellOptions = {}): Promise<ClientChannel> {
    const timeoutMs = opts.timeoutMs ?? this.target.timeoutMs
    return new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.ensureOpen('open a shell')
      } catch (err) {
        return reject(err)
      }
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
      const failer = (err: NetopsError): void => finish(err)
      this.pending.add(failer)
      const timer = setTimeout(
        () =>
          finish(
            new SshTimeoutError(`opening a shell on ${this.label} did not finish within ${timeoutMs / 1000}s`, {
              suggestions: ['raise --timeout if the device is slow', 'the device may have no free VTY lines'],
            }),
          ),
        timeoutMs,
      )
      const cb = (err: Error | undefined, ch: ClientChannel): void => {
        if (err !== undefined && err !== null) return finish(this.channelOpenError(err, 'open a shell'))
        finish(undefined, ch)
      }
      try {
        if (opts.pty === undefined) this.client.shell(false, cb)
        else this.client.shell({term: opts.pty.term ?? 'vt100', cols: opts.pty.cols ?? 200, rows: opts.pty.rows ?? 50}, cb)
      } catch (err) {
        finish(this.channelOpenError(err as Error, 'open a shell'))
      }
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
      return Promise.resolve()
    }
    this.closing = true
    return new Promise<void>((resolve) => {
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
  }
}
