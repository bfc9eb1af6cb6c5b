import {StringDecoder} from 'node:string_decoder'
import {ConnectionLostError, DeviceCommandError, DevicePromptError, EnableAuthError, SshTimeoutError, UsageError} from '../errors.js'
import type {CliMode, PlatformSpec} from '../platforms/types.js'

/** The part of an ssh2 ClientChannel (or any duplex stream) a session needs. */
export interface CliChannel {
  write(data: string): unknown
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  on(event: 'close', listener: () => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeListener(event: 'data' | 'close', listener: (...args: any[]) => void): unknown
  end?(): unknown
  close?(): unknown
}

export interface CommandResult {
  command: string
  /** Output without the echoed command and the trailing prompt, `\n` line endings. */
  output: string
  /** Everything received for this command, line endings normalised. */
  raw: string
  /** The failure indicator line when the device rejected the command. */
  failed: string | null
  elapsedMs: number
}

export interface SessionLogEntry {
  direction: 'sent' | 'received'
  /** Secrets are replaced by `********` before they reach the log. */
  text: string
}

export interface CliSessionOptions {
  platform: PlatformSpec
  /** Per-step timeout. */
  timeoutMs: number
  /** Target name for messages (e.g. admin@sw1:22). */
  target: string
  enablePassword?: string | undefined
  /** Called for every exchange; secrets are redacted. */
  log?: (entry: SessionLogEntry) => void
  /** Called when a `--More--` pager is answered. */
  onPager?: () => void
}

export interface SendOptions {
  timeoutMs?: number
  /** Throw DeviceCommandError when the device rejects the command (default true). */
  check?: boolean
  /** Extra dialogue: when output ends with `expect`, send `answer`. */
  steps?: Array<{expect: RegExp; answer: string}>
}

export interface ConfigOutcome {
  results: CommandResult[]
  /** Lines the device accepted, in order. */
  applied: string[]
  /** True when `stopBefore` ended the run early: the lines after `applied` were never sent. */
  stopped: boolean
}

export interface SendConfigOptions {
  /** Called with the device's acceptance of each line, in order. */
  onApplied?: (line: string) => void
  /**
   * Asked before each line is sent (index into `lines`); true stops there: nothing more is sent, the
   * line in flight has already finished, and config mode is left with `end` as after an error.
   */
  stopBefore?: (index: number) => boolean
}

// ANSI escapes and the backspace dance some devices do when they redraw a line.

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][AB012]|\u001b[=>]/g

/** Normalise what a device sends: CRLF / CR CR LF to LF, strip ANSI, apply backspaces, drop NULs and bells. */
export function normalizeTerminalText(text: string): string {
  let out = text
    .replace(ANSI, '')
    .replace(/\r+\n/g, '\n')
    .replace(/[\0\u0007]/g, '')
  // A lone CR rewrites the line from its start (pagers erase `--More--` this way).
  if (out.includes('\r'))
    out = out
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf('\r') + 1))
      .join('\n')
  while (out.includes('\b')) {
    const next = out.replace(/[^\b\n]\u0008/g, '').replace(/^\u0008+|(\n)\u0008+/g, '$1')
    if (next === out) break
    out = next
  }
  return out
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A prompt-synchronised CLI session over an interactive shell: every read ends when the device
 * prints its prompt (never after a fixed sleep). Handles banners, enable, paging, config mode.
 */
export class CliSession {
  platform: PlatformSpec
  hostname = ''
  mode: CliMode = 'user'
  private buffer = ''
  private closed = false
  private waiter: (() => void) | null = null
  private readonly opts: CliSessionOptions
  private readonly channel: CliChannel
  private readonly decoder = new StringDecoder('utf8')
  /** Trailing CRs held back until the next chunk shows whether a LF follows. */
  private carry = ''
  private afterPager = false
  private readonly onData = (chunk: Buffer | string): void => {
    let text = this.carry + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    const m = /\r+$/.exec(text)
    this.carry = m ? m[0] : ''
    if (m) text = text.slice(0, m.index)
    if (this.afterPager) {
      // After a pager answer the device erases ` --More-- `: backspaces, blanks, backspaces.
      const erase = /^ ?\u0008*[ ]*\u0008*/.exec(text)?.[0] ?? ''
      if (erase.length === text.length && this.carry === '') {
        this.carry = text
        return
      }
      text = text.slice(erase.length)
      this.afterPager = false
    }
    this.buffer += normalizeTerminalText(text)
    this.waiter?.()
  }
  private readonly onClose = (): void => {
    this.closed = true
    this.waiter?.()
  }
  private promptRe: RegExp

  constructor(channel: CliChannel, opts: CliSessionOptions) {
    this.channel = channel
    this.opts = opts
    this.platform = opts.platform
    this.promptRe = opts.platform.promptPattern
    channel.on('data', this.onData)
    channel.on('close', this.onClose)
  }

  /** Switch dialect after detection (prompts and paging are shared, failures and saves are not). */
  usePlatform(platform: PlatformSpec): void {
    this.platform = platform
  }

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Wait for the first prompt (after any banner / MOTD), confirm it by asking for it again,
   * enter privileged mode and disable paging.
   */
  async open(): Promise<void> {
    const first = await this.readUntilPrompt('login banner', this.opts.timeoutMs)
    const m = this.lastPrompt(first)
    // Confirm the prompt: a banner line ending in `#` or `>` must not be mistaken for one.
    this.write('\n', '\n')
    const again = await this.readUntilPrompt('prompt check', this.opts.timeoutMs)
    const m2 = this.lastPrompt(again)
    const host = m2?.host ?? m?.host
    if (!host) {
      throw new DevicePromptError(`no CLI prompt recognised from ${this.opts.target}`, {
        suggestions: ['check that the target is a Cisco IOS / NX-OS CLI', 'raise --timeout for slow logins'],
      })
    }
    this.setHostname(host)
    this.mode = this.modeOf(m2 ?? m)
    if (this.mode === 'config') await this.send(this.platform.configExit, {check: false})
    if (this.mode === 'user') await this.enable()
    for (const cmd of this.platform.onOpen) await this.send(cmd, {check: false})
  }

  private setHostname(host: string): void {
    this.hostname = host
    // IOS truncates long hostnames in config prompts: match on the first 16 characters.
    const base = escapeRegExp(host.slice(0, 16))
    this.promptRe = new RegExp(`(?:^|\\n)(${base}[\\w.:/-]*)(?:\\((config[^)\\n]*)\\))?([>#]) ?$`)
  }

  private lastPrompt(text: string): {host: string; sub: string | undefined; mark: string} | null {
    const m = this.promptRe.exec(text)
    if (!m) return null
    return {host: m[1] ?? '', sub: m[2], mark: m[3] ?? '#'}
  }

  private modeOf(p: {sub: string | undefined; mark: string} | null): CliMode {
    if (!p) return 'user'
    if (p.sub) return 'config'
    return p.mark === '#' ? 'privileged' : 'user'
  }

  private async enable(): Promise<void> {
    const secret = this.opts.enablePassword
    this.write(this.platform.enableCommand + '\n', this.platform.enableCommand + '\n')
    const text = await this.readUntil(
      (buf) => this.platform.enablePasswordPrompt.test(buf) || this.promptRe.test(buf),
      'enable',
      this.opts.timeoutMs,
    )
    if (this.platform.enablePasswordPrompt.test(text)) {
      if (secret === undefined || secret === '') {
        await this.abandonEnable()
        throw new EnableAuthError(`${this.opts.target} asks for an enable secret and none was given`, {
          suggestions: ['pass --enable-password or set NETOPS_ENABLE_PASSWORD'],
        })
      }
      this.write(secret + '\n', '********\n')
      const after = await this.readUntil(
        (buf) => this.platform.enablePasswordPrompt.test(buf) || this.promptRe.test(buf),
        'enable secret',
        this.opts.timeoutMs,
      )
      if (this.platform.enablePasswordPrompt.test(after) || this.platform.enableFailure.test(after)) {
        if (this.platform.enablePasswordPrompt.test(after)) await this.abandonEnable()
        throw new EnableAuthError(`enable secret rejected by ${this.opts.target}`, {
          suggestions: ['check --enable-password / NETOPS_ENABLE_PASSWORD'],
        })
      }
      const p = this.lastPrompt(after)
      this.mode = this.modeOf(p)
    } else {
      this.mode = this.modeOf(this.lastPrompt(text))
    }
    if (this.mode !== 'privileged') {
      throw new EnableAuthError(`could not enter privileged mode on ${this.opts.target}`, {
        suggestions: ['check --enable-password and that the account may use enable'],
      })
    }
  }

  /** Leave a pending `Password:` prompt by sending empty answers until a prompt returns. */
  private async abandonEnable(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      this.write('\n', '\n')
      const t = await this.readUntil(
        (buf) => this.platform.enablePasswordPrompt.test(buf) || this.promptRe.test(buf),
        'enable',
        this.opts.timeoutMs,
      ).catch(() => '')
      if (this.promptRe.test(t) && !this.platform.enablePasswordPrompt.test(t)) return
    }
  }

  /** Mask the enable secret should a device ever echo it. */
  private redact(text: string): string {
    const secret = this.opts.enablePassword
    return secret ? text.split(secret).join('********') : text
  }

  private write(data: string, logged: string): void {
    if (this.closed) throw this.lost('write')
    this.opts.log?.({direction: 'sent', text: logged})
    this.channel.write(data)
  }

  private lost(what: string): ConnectionLostError {
    return new ConnectionLostError(`connection to ${this.opts.target} closed during ${what}`, {
      suggestions: ['check the device is reachable and not rebooting', 'run the command again'],
    })
  }

  /** Read until `done(buffer)` is true; answer pagers on the way. Returns and consumes the buffer. */
  private readUntil(done: (buf: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null): void => {
        clearTimeout(timer)
        this.waiter = null
        if (err) {
          reject(err)
          return
        }
        const text = this.buffer
        this.buffer = ''
        this.opts.log?.({direction: 'received', text: this.redact(text)})
        resolve(text)
      }
      const check = (): void => {
        // Prompts and pagers sit on the last line: test only that, not the whole (growing) buffer.
        const nl = this.buffer.lastIndexOf('\n')
        const last = nl < 0 ? this.buffer : this.buffer.slice(nl)
        if (this.platform.pagerPattern.test(last)) {
          this.buffer = this.buffer.replace(this.platform.pagerPattern, '')
          this.opts.onPager?.()
          this.afterPager = true
          if (!this.closed) this.channel.write(' ')
          return
        }
        if (done(last)) {
          finish(null)
          return
        }
        if (this.closed) finish(this.lost(what))
      }
      const timer = setTimeout(() => {
        const tail = this.buffer.slice(-200).replace(/\s+/g, ' ').trim()
        finish(
          new SshTimeoutError(
            `${this.opts.target} did not answer \`${what}\` within ${Math.round(timeoutMs / 1000)} s` +
              (tail ? ` (last output: "${tail}")` : ''),
            {suggestions: ['raise --timeout if the device is slow', 'check the command is valid on this platform']},
          ),
        )
      }, timeoutMs)
      this.waiter = check
      check()
    })
  }

  private readUntilPrompt(what: string, timeoutMs: number): Promise<string> {
    return this.readUntil((buf) => this.promptRe.test(buf), what, timeoutMs)
  }

  /** Send one command and return its output once the prompt is back. */
  async send(command: string, options: SendOptions = {}): Promise<CommandResult> {
    if (/[\r\n]/.test(command)) throw new UsageError(`a CLI command must be one line: ${JSON.stringify(command)}`)
    const started = Date.now()
    const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs
    const steps = [...(options.steps ?? [])]
    this.write(command + '\n', command + '\n')
    let raw = ''
    for (;;) {
      const chunk = await this.readUntil((buf) => this.promptRe.test(buf) || steps.some((s) => s.expect.test(buf)), command, timeoutMs)
      raw += chunk
      const step = steps.find((s) => s.expect.test(chunk))
      if (step && !this.promptRe.test(chunk)) {
        steps.splice(steps.indexOf(step), 1)
        this.write(step.answer + '\n', step.answer + '\n')
        continue
      }
      break
    }
    const prompt = this.lastPrompt(raw)
    if (prompt) this.mode = this.modeOf(prompt)
    const output = this.stripEchoAndPrompt(raw, command)
    const failed = this.findFailure(output)
    const result: CommandResult = {command, output, raw, failed, elapsedMs: Date.now() - started}
    if (failed && options.check !== false) {
      throw new DeviceCommandError(`${this.opts.target} rejected \`${command}\`: ${failed}`, {
        suggestions: [`check that \`${command}\` is valid on ${this.platform.displayName}`],
        details: {command, deviceOutput: output},
      })
    }
    return result
  }

  private stripEchoAndPrompt(raw: string, command: string): string {
    let text = raw
    const p = this.promptRe.exec(text)
    if (p) text = text.slice(0, p.index)
    const lines = text.split('\n')
    // The device echoes what we typed on the first line (possibly after an old prompt).
    const first = lines[0] ?? ''
    if (command !== '' && first.trimEnd().endsWith(command.trimEnd())) lines.shift()
    else if (first.trim() === '') lines.shift()
    return lines.join('\n').trimEnd()
  }

  private findFailure(output: string): string | null {
    for (const re of this.platform.failureIndicators) {
      const m = re.exec(output)
      if (m) return m[0].trim()
    }
    return null
  }

  /**
   * Enter config mode, send the lines in order, stop at the first rejected line, and always
   * leave config mode with `end` (even after an error). Throws DeviceCommandError naming the
   * failing line; `details.applied` lists what the device accepted before it. `stopBefore` ends the
   * run between two lines (an interrupt): `stopped` is then true.
   */
  async sendConfig(lines: string[], options: SendConfigOptions = {}): Promise<ConfigOutcome> {
    const results: CommandResult[] = []
    const applied: string[] = []
    let stopped = false
    await this.send(this.platform.configEnter)
    // The first failure wins: a rejected line, else a failed `end`.
    const failures: unknown[] = []
    try {
      for (const [index, line] of lines.entries()) {
        if (options.stopBefore?.(index)) {
          stopped = true
          break
        }
        const r = await this.send(line, {check: false})
        results.push(r)
        if (r.failed) {
          throw new DeviceCommandError(`${this.opts.target} rejected config line \`${line}\`: ${r.failed}`, {
            suggestions: [`check that \`${line}\` is valid on this ${this.platform.displayName} release`],
            details: {failedLine: line, applied: [...applied], deviceOutput: r.output},
          })
        }
        applied.push(line)
        options.onApplied?.(line)
      }
    } catch (error) {
      failures.push(error)
    }
    if (!this.closed && this.mode === 'config') {
      try {
        await this.send(this.platform.configExit, {check: false})
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) throw failures[0]
    return {results, applied, stopped}
  }

  /** Save running-config to startup-config, answering the platform's prompts. */
  async save(): Promise<CommandResult> {
    const {command, steps, done, timeoutMs} = this.platform.save
    const r = await this.send(command, {steps, timeoutMs: Math.max(timeoutMs, this.opts.timeoutMs)})
    if (!done.test(r.output)) {
      throw new DeviceCommandError(`saving the configuration on ${this.opts.target} did not confirm success`, {
        details: {deviceOutput: r.output},
        suggestions: ['check flash space and run `copy running-config startup-config` by hand'],
      })
    }
    return r
  }

  /** Say goodbye politely; never throws. */
  close(): Promise<void> {
    this.channel.removeListener('data', this.onData)
    this.channel.removeListener('close', this.onClose)
    if (!this.closed) {
      try {
        this.channel.write('exit\n')
      } catch {
        // already gone
      }
      try {
        this.channel.end?.()
      } catch {
        // already gone
      }
    }
    this.closed = true
    // a read still waiting (a step abandoned on Ctrl-C) ends now, not when its --timeout timer fires
    this.waiter?.()
    return Promise.resolve()
  }
}
