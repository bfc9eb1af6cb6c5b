/**
 * ssh_config ProxyCommand: `/bin/sh -c <command>` whose stdin/stdout ARE the connection (ssh2's
 * `sock`). Its stderr is kept (the tail goes into the error when it fails, its lines into the
 * transport's warnings when it succeeds); destroying the stream kills it.
 *
 *   const proxy = new ProxyCommandStream('ssh -W 10.0.0.7:22 bastion')
 *   client.connect({sock: proxy, ...})
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {Duplex} from 'node:stream'
import {SshUnreachableError} from '../errors.js'

const STDERR_KEEP = 4096
const STDERR_TAIL_LINES = 5

export interface ProxyExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the command could not be started at all. */
  error?: Error
}

/** `exited with status 255`, `was killed by SIGKILL`, `could not be started: ENOENT`. */
export function describeProxyExit(exit: ProxyExit): string {
  if (exit.error !== undefined) return `could not be started: ${(exit.error as NodeJS.ErrnoException).code ?? exit.error.message}`
  if (exit.signal !== null) return `was killed by ${exit.signal}`
  return `exited with status ${String(exit.code)}`
}

/** The non-empty lines of stderr, trimmed. */
export function stderrLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/** The last few non-empty lines of stderr, joined with ` | `. */
export function stderrTail(text: string, lines = STDERR_TAIL_LINES): string {
  return stderrLines(text).slice(-lines).join(' | ')
}

/** The error for a ProxyCommand that ended before the SSH connection was up. */
export function proxyCommandError(opts: {
  target: string
  command: string
  exit: ProxyExit
  stderr: string
  origin?: string
}): SshUnreachableError {
  const tail = stderrTail(opts.stderr)
  const where = opts.origin === undefined ? '' : ` (${opts.origin})`
  return new SshUnreachableError(
    `ProxyCommand for ${opts.target} ${describeProxyExit(opts.exit)} before the SSH connection was up${tail === '' ? '' : `: ${tail}`}`,
    {
      suggestions: [`run the ProxyCommand${where} by hand to see what it does: ${opts.command}`],
      details: {proxyCommand: opts.command, exitCode: opts.exit.code, signal: opts.exit.signal, stderr: tail},
    },
  )
}

/** The command's stdio as one Duplex. */
export class ProxyCommandStream extends Duplex {
  readonly command: string
  /** Set once the process has exited (or failed to start). */
  exit: ProxyExit | undefined
  /** True once we stopped it (the connection was closed or given up on): its exit then explains nothing. */
  killed = false
  private readonly child: ChildProcess
  private stderrText = ''
  private readonly exited: Promise<ProxyExit>

  constructor(command: string) {
    super()
    this.command = command
    // `exec` as OpenSSH does (sshconnect.c): the shell becomes the command, so killing it kills the
    // command itself — not only a shell that leaves its child holding the connection's pipes
    this.child = spawn('/bin/sh', ['-c', `exec ${command}`], {stdio: ['pipe', 'pipe', 'pipe']})
    const {stdin, stdout, stderr} = this.child
    this.exited = new Promise<ProxyExit>((resolve) => {
      this.child.once('error', (error) => {
        this.exit ??= {code: null, signal: null, error}
        resolve(this.exit)
      })
      // 'close': exited AND its stdio is drained, so stderr is complete
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exit ??= {code, signal}
        resolve(this.exit)
      })
    })
    stdin?.on('error', () => {}) // EPIPE once the command is gone: the read side reports the end
    stdout?.on('data', (d: Buffer) => {
      if (!this.push(d)) stdout.pause()
    })
    stdout?.on('end', () => this.push(null))
    stderr?.setEncoding('utf8')
    stderr?.on('data', (d: string) => {
      this.stderrText = (this.stderrText + d).slice(-STDERR_KEEP)
    })
  }

  /** What the command wrote on stderr so far (the last 4 KiB). */
  get stderr(): string {
    return this.stderrText
  }

  /** Resolves once the command has exited and its output is read. */
  whenExited(): Promise<ProxyExit> {
    return this.exited
  }

  override _read(): void {
    this.child.stdout?.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const stdin = this.child.stdin
    if (stdin === null || stdin.destroyed || this.exit !== undefined) return callback()
    stdin.write(chunk, () => callback())
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin?.end()
    callback()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.kill()
    callback(err)
  }

  /** SIGTERM the command if it is still running (SIGKILL 2 s later). */
  kill(): void {
    this.killed = true
    if (this.exit !== undefined || this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.stdin?.destroy()
    this.child.kill('SIGTERM')
    const hard = setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    }, 2000)
    hard.unref()
    void this.exited.then(() => clearTimeout(hard))
  }
}
