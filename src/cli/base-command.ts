import {Command, Errors, ux} from '@oclif/core'
import {color} from './colors.js'
import {multiHostJson, type MultiHostResult, type TargetsOutcome} from './multi-host.js'
import {renderHostTable} from './render/table.js'
import {EXIT_CODES, InterruptedError, NetopsError, UnexpectedError, UsageError} from '../errors.js'
import type {AskSecret} from '../ssh/types.js'
import {canPrompt} from './prompt.js'
import {terminalSecretAsker} from './ssh-options.js'

/**
 * Shared behaviour of every netops command:
 * - `--json` (or NETOPS_CONTENT_TYPE=json): stdout carries exactly one JSON document,
 *   the value `run()` returns, or `{"error": {code, message, exitCode, suggestions}}`.
 * - human text goes to stdout only through `render()`; progress, warnings and errors go to stderr.
 * - errors are NetopsError subclasses; their exitCode becomes the process exit code.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  /** Print a human rendering of `value` to stdout (nothing in --json mode). */
  protected render<T>(renderer: (value: T) => string, value: T): void {
    if (this.jsonEnabled()) return
    const text = renderer(value)
    if (text.length > 0) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /**
   * Columns human output may use: the terminal's width on a TTY, else COLUMNS when set, else 80
   * (never below 40).
   */
  protected outputWidth(): number {
    return terminalWidth(process.stdout, process.env)
  }

  /** A line of progress or information on stderr (nothing in --json mode). */
  protected info(message: string): void {
    if (this.jsonEnabled()) return
    process.stderr.write(message + '\n')
  }

  /** A warning on stderr; in --json mode it is still written to stderr, stdout stays clean. */
  protected warnLine(message: string): void {
    writeWarning(message)
  }

  /** Asks for a missing SSH password or key passphrase on a terminal; undefined off a TTY and in --json mode. */
  protected secretAsker(): AskSecret | undefined {
    return canPrompt() && !this.jsonEnabled() ? terminalSecretAsker() : undefined
  }

  /** Spinner on stderr around one awaited call (only on an interactive stderr, never in --json mode). */
  protected async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    const spin = !this.jsonEnabled() && Boolean(process.stderr.isTTY)
    if (spin) ux.action.start(title)
    try {
      const result = await fn()
      if (spin) ux.action.stop('done')
      return result
    } catch (error) {
      if (spin) ux.action.stop('failed')
      throw error
    }
  }

  /**
   * One target: render it and return its value. Several: the per-host table and document (exit 10 on
   * any failure; exit 15 when an interrupt cut any host short).
   */
  protected finishTargets<T>(
    outcome: TargetsOutcome<T>,
    renderOne: (value: T, width: number) => string,
    summarize: (value: T) => string,
  ): T | MultiHostResult<T> {
    const width = this.outputWidth()
    if (!outcome.multi) {
      this.render((v) => renderOne(v, width), outcome.value)
      return outcome.value
    }
    this.render(() => renderHostTable(outcome.results, summarize, width), null)
    const result = multiHostJson(outcome.results)
    const interrupted = outcome.results.filter((r) => !r.ok && r.error instanceof InterruptedError).length
    if (interrupted > 0) {
      process.exitCode = EXIT_CODES.interrupted
      this.warnLine(`interrupted: ${interrupted} of ${result.hosts.length} hosts cut short (exit ${EXIT_CODES.interrupted})`)
    } else if (result.failed > 0) {
      process.exitCode = EXIT_CODES.partial
      this.warnLine(`${result.failed} of ${result.hosts.length} hosts failed (exit ${EXIT_CODES.partial})`)
    }
    return result
  }

  protected override toErrorJson(err: unknown): {error: ReturnType<NetopsError['toJSON']>} {
    return {error: toNetopsError(err, this.id).toJSON()}
  }

  protected override catch(err: Error & {exitCode?: number}): Promise<unknown> {
    // this.exit() and --help/--version use oclif's ExitError: let oclif handle it.
    if (err instanceof Errors.ExitError) return Promise.reject(err)
    const error = toNetopsError(err, this.id)
    process.exitCode = error.exitCode
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(error))
      return Promise.resolve(undefined)
    }
    try {
      ux.action.stop(color.red('failed'))
    } catch {
      // no spinner running
    }
    process.stderr.write(formatError(error))
    if (process.env.NETOPS_DEBUG && err.stack) process.stderr.write(err.stack + '\n')
    return Promise.resolve(undefined)
  }
}

/** The width human output is fitted to: a TTY's columns, else COLUMNS, else 80; at least 40. */
export function terminalWidth(stream: {isTTY?: boolean; columns?: number}, env: NodeJS.ProcessEnv): number {
  const tty = stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined
  const fromEnv = Number(env.COLUMNS)
  const width = tty ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80)
  return Math.max(40, width)
}

/** `warning: <message>` on stderr (also in --json mode: stdout stays clean). */
export function writeWarning(message: string): void {
  process.stderr.write(color.yellow('warning: ') + message + '\n')
}

/** Map anything thrown to a NetopsError: oclif parse errors become usage errors. */
function toNetopsError(err: unknown, commandId?: string): NetopsError {
  if (err instanceof NetopsError) {
    err.message = withoutFlagParseFrame(err.message)
    return err
  }
  if (err instanceof Error) {
    const oclifExit = (err as {oclif?: {exit?: number}}).oclif?.exit
    if (oclifExit !== undefined || err.name.endsWith('ParseError') || /Flag|argument|Expected/.test(err.name)) {
      return new UsageError(
        err.message.replace(/^The following errors? occurred:\s*/, '').replace(/\n\s*See more help with --help\s*$/, ''),
        {
          suggestions: [`see the command help: netops ${commandId ? commandId.replace(/:/g, ' ') : '<command>'} --help`],
          cause: err,
        },
      )
    }
    return new UnexpectedError(err.message, {
      suggestions: ['run again with NETOPS_DEBUG=1 for a stack trace, and report it'],
      cause: err,
    })
  }
  return new UnexpectedError(String(err))
}

/**
 * oclif re-words an error thrown by a Flags.custom parse function as
 * `Parsing --flag \n\t<message>\nSee more help with --help`; ours already name the flag.
 */
export function withoutFlagParseFrame(message: string): string {
  const m = /^Parsing --\S+ \n\t([\s\S]*)\nSee more help with --help$/.exec(message)
  return m?.[1] ?? message
}

function formatError(error: NetopsError): string {
  // The user's own choice (a declined prompt) is no failure to alarm about: a plain line and its exit code.
  if (error.notice) return `${error.message} (exit ${error.exitCode})\n`
  const lines = [`${color.red('error')} ${color.dim(`[${error.code}]`)} ${error.message}`]
  for (const s of error.suggestions) lines.push(`  ${color.cyan('→')} ${s}`)
  return lines.join('\n') + '\n'
}
