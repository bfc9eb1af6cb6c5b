/**
 * Where ovs-vsctl / ovs-appctl run: on this machine (LocalExecutor) or on a node over SSH
 * (SshExecutor). Both take an argv array, never a shell string, and resolve with the exit
 * status for ANY exit code; they reject only when the program could not be run at all
 * (transport failure, executor timeout). Exit statuses follow the shell convention so local
 * and remote results compare alike: 127 = command not found, 126 = not executable,
 * 128+N = killed by signal N (ovs-vsctl --timeout dies of SIGALRM: 142).
 */
import {execFile} from 'node:child_process'
import {constants as osConstants} from 'node:os'
import {ExecTimeoutError, OvsCommandError, type NetopsErrorOptions} from '../errors.js'
import {shellQuote} from '../ssh/quote.js'
import type {ExecResult as RemoteExecResult} from '../ssh/types.js'

/**
 * A command's result as the executors report it: always an exit status, following the shell
 * convention (a command killed by a signal, `signal` = `SIGALRM`, has exitCode 128+signal number),
 * and the argv that ran.
 */
export interface ExecResult extends RemoteExecResult<number> {
  command: string[]
}

export interface RunOptions {
  /** Hard limit for this one command; the executor kills it (or gives up on it) after this. */
  timeoutMs?: number
}

export interface Executor {
  /** Where commands run, for messages: `local` or the SSH host as typed. */
  readonly where: string
  run(argv: string[], opts?: RunOptions): Promise<ExecResult>
  close(): Promise<void>
}

/**
 * A failed command (code NETOPS_OVS_COMMAND_FAILED, netops exit 4), carrying the ExecResult
 * fields. `exitCode` is taken by NetopsError (the netops exit code), so the program's own exit
 * status is `processExitCode` (and `result.exitCode`).
 */
export class ExecError extends OvsCommandError {
  readonly result: ExecResult
  readonly command: string[]
  readonly processExitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly signal: string | null
  constructor(message: string, result: ExecResult, options: NetopsErrorOptions = {}) {
    super(message, {...options, details: {command: result.command, exitCode: result.exitCode, stderr: result.stderr, ...options.details}})
    this.result = result
    this.command = result.command
    this.processExitCode = result.exitCode
    this.stdout = result.stdout
    this.stderr = result.stderr
    this.signal = result.signal
  }
}

const DEFAULT_TIMEOUT_MS = 60_000

function signalNumber(signal: string): number {
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof osConstants.signals
  return osConstants.signals[name] ?? 0
}

export interface LocalExecutorOptions {
  /**
   * The complete environment for the child (the command layer passes process.env plus
   * OVS_RUNDIR etc.). Undefined: the child inherits this process's environment.
   */
  env?: Record<string, string | undefined>
}

/** Runs argv on this machine with execFile (no shell). */
export class LocalExecutor implements Executor {
  readonly where = 'local'
  private readonly env: Record<string, string | undefined> | undefined

  constructor(opts: LocalExecutorOptions = {}) {
    this.env = opts.env
  }

  run(argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv
    if (file === undefined) return Promise.reject(new TypeError('LocalExecutor.run: empty argv'))
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          ...(this.env === undefined ? {} : {env: this.env}),
        },
        (error, stdout, stderr) => {
          const base = {command: argv, stdout: String(stdout), stderr: String(stderr)}
          if (error === null) return resolve({...base, exitCode: 0, signal: null})
          const e = error as NodeJS.ErrnoException & {code?: string | number; killed?: boolean; signal?: NodeJS.Signals | null}
          if (e.code === 'ENOENT') return resolve({...base, exitCode: 127, signal: null, stderr: `${file}: command not found`})
          if (e.code === 'EACCES') return resolve({...base, exitCode: 126, signal: null, stderr: `${file}: Permission denied`})
          if (e.killed === true && e.signal === 'SIGKILL') {
            return reject(
              new ExecTimeoutError(`${file} did not finish within ${Math.round(timeoutMs / 1000)} s (local)`, {
                suggestions: ['raise --timeout', 'check that ovsdb-server and ovs-vswitchd are responsive'],
                details: {command: argv},
              }),
            )
          }
          if (typeof e.code === 'number') return resolve({...base, exitCode: e.code, signal: null})
          if (typeof e.signal === 'string') return resolve({...base, exitCode: 128 + signalNumber(e.signal), signal: e.signal})
          return reject(e)
        },
      )
    })
  }

  async close(): Promise<void> {}
}

/** The part of the SSH engineer's SshTransport this executor needs. */
export interface RemoteShell {
  exec(command: string, opts?: {timeoutMs?: number}): Promise<RemoteExecResult>
  close(): Promise<void>
}

export interface SshExecutorOptions {
  /** The host as the user typed it (for messages). */
  where: string
  /** Prefix every command with `sudo -n` (no password prompt: fails fast instead). */
  sudo?: boolean
  /** Variables for the remote command, set with `env K=V` (after sudo, which would reset them). */
  env?: Record<string, string>
}

/** Runs argv on a node over SSH: the remote shell gets `shellQuote(['sudo','-n', ...argv])`. */
export class SshExecutor implements Executor {
  readonly where: string
  private readonly shell: RemoteShell
  private readonly sudo: boolean
  private readonly env: Record<string, string>

  constructor(shell: RemoteShell, opts: SshExecutorOptions) {
    this.shell = shell
    this.where = opts.where
    this.sudo = opts.sudo ?? false
    this.env = opts.env ?? {}
  }

  /** The exact string the remote shell receives for argv. */
  remoteCommand(argv: string[]): string {
    const envArgs = Object.entries(this.env).map(([k, v]) => `${k}=${v}`)
    const withEnv = envArgs.length > 0 ? ['env', ...envArgs, ...argv] : argv
    return shellQuote(this.sudo ? ['sudo', '-n', ...withEnv] : withEnv)
  }

  async run(argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
    const res = await this.shell.exec(this.remoteCommand(argv), {timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS})
    const signal = res.signal === null || res.signal === '' ? null : res.signal.startsWith('SIG') ? res.signal : `SIG${res.signal}`
    const exitCode = res.exitCode ?? (signal === null ? 255 : 128 + signalNumber(signal))
    return {command: argv, exitCode, stdout: res.stdout, stderr: res.stderr, signal}
  }

  close(): Promise<void> {
    return this.shell.close()
  }
}
