import {EventEmitter} from 'node:events'

/**
 * A scripted Cisco-like CLI on the far side of a fake channel, for session unit tests.
 * It speaks with CRLF, echoes input, and emits everything in random-sized chunks.
 */
export interface ScriptedDeviceOptions {
  hostname?: string
  banner?: string
  startMode?: 'user' | 'privileged'
  enableSecret?: string
  /** command → output lines (without echo / prompt). */
  outputs?: Record<string, string>
  /** Commands answered with `% Invalid input detected at '^' marker.` */
  invalid?: string[]
  /** Page long outputs with --More-- every N lines until `terminal length 0` (0 = never). */
  pageLines?: number
  /** Close the channel when this command arrives. */
  dropOn?: string
  /** Never answer this command. */
  hangOn?: string
  /** Line ending the device uses. */
  eol?: string
  seed?: number
}

export class ScriptedChannel extends EventEmitter {
  readonly received: string[] = []
  private mode: 'user' | 'privileged' | 'config' | 'config-if'
  private awaitingSecret = 0
  private paging: {lines: string[]; pos: number} | null = null
  private termLength: number
  private closed = false
  private rand: () => number
  private pendingInput = ''
  private awaitingSaveAnswer = false

  constructor(private readonly o: ScriptedDeviceOptions = {}) {
    super()
    this.mode = o.startMode ?? 'user'
    this.termLength = o.pageLines ?? 0
    let s = o.seed ?? 42
    this.rand = () => {
      s = (s * 1103515245 + 12345) % 2147483648
      return s / 2147483648
    }
    this.emitChunked((o.banner ?? '') + this.prompt())
  }

  private get eol(): string {
    return this.o.eol ?? '\r\n'
  }

  private prompt(): string {
    const h = this.o.hostname ?? 'sw1'
    if (this.mode === 'config') return `${h}(config)#`
    if (this.mode === 'config-if') return `${h}(config-if)#`
    return `${h}${this.mode === 'user' ? '>' : '#'}`
  }

  private queue: string[] = []
  private pumping = false

  /** Output is serialised like a real terminal's, but cut into random-sized chunks. */
  private emitChunked(text: string): void {
    let i = 0
    while (i < text.length) {
      const n = 1 + Math.floor(this.rand() * 7)
      this.queue.push(text.slice(i, i + n))
      i += n
    }
    if (this.pumping) return
    this.pumping = true
    const next = (): void => {
      const p = this.queue.shift()
      if (p === undefined || this.closed) {
        this.pumping = false
        return
      }
      this.emit('data', Buffer.from(p, 'utf8'))
      setImmediate(next)
    }
    setImmediate(next)
  }

  write(data: string): boolean {
    if (this.closed) throw new Error('write after close')
    if (this.paging) {
      this.continuePaging(data)
      return true
    }
    this.pendingInput += data
    let idx: number
    while ((idx = this.pendingInput.indexOf('\n')) !== -1) {
      const line = this.pendingInput.slice(0, idx).replace(/\r$/, '')
      this.pendingInput = this.pendingInput.slice(idx + 1)
      this.handleLine(line)
    }
    return true
  }

  private continuePaging(key: string): void {
    const pg = this.paging
    if (!pg) return
    if (key.startsWith('q')) {
      this.paging = null
      this.emitChunked('\b\b\b\b\b\b\b\b\b         \b\b\b\b\b\b\b\b\b' + this.prompt())
      return
    }
    const chunk = pg.lines.slice(pg.pos, pg.pos + this.termLength)
    pg.pos += chunk.length
    let out = '\b\b\b\b\b\b\b\b\b         \b\b\b\b\b\b\b\b\b' + chunk.join(this.eol) + this.eol
    if (pg.pos < pg.lines.length) out += ' --More-- '
    else {
      this.paging = null
      out += this.prompt()
    }
    this.emitChunked(out)
  }

  private handleLine(line: string): void {
    this.received.push(line)
    if (this.awaitingSecret > 0) {
      if (line === (this.o.enableSecret ?? 'cisco')) {
        this.awaitingSecret = 0
        this.mode = 'privileged'
        this.emitChunked(this.eol + this.prompt())
      } else if (this.awaitingSecret >= 3) {
        this.awaitingSecret = 0
        this.emitChunked(this.eol + '% Bad secrets' + this.eol + this.eol + this.prompt())
      } else {
        this.awaitingSecret++
        this.emitChunked(this.eol + 'Password: ')
      }
      return
    }
    if (this.awaitingSaveAnswer) {
      this.awaitingSaveAnswer = false
      this.emitChunked(this.eol + 'Building configuration...' + this.eol + '[OK]' + this.eol + this.prompt())
      return
    }
    const echo = line + this.eol
    if (line === this.o.dropOn) {
      this.emitChunked(echo)
      setTimeout(() => this.close(), 5)
      return
    }
    if (line === this.o.hangOn) {
      this.emitChunked(echo)
      return
    }
    if (line === '') {
      this.emitChunked(this.eol + this.prompt())
      return
    }
    if (line === 'enable') {
      this.awaitingSecret = 1
      this.emitChunked(echo + 'Password: ')
      return
    }
    if (line === 'terminal length 0') this.termLength = 0
    if (line === 'configure terminal') {
      this.mode = 'config'
      this.emitChunked(echo + 'Enter configuration commands, one per line.  End with CNTL/Z.' + this.eol + this.prompt())
      return
    }
    if (line === 'end') {
      this.mode = 'privileged'
      this.emitChunked(echo + this.prompt())
      return
    }
    if (line.startsWith('interface ') && this.mode.startsWith('config')) this.mode = 'config-if'
    if (line === 'copy running-config startup-config') {
      this.awaitingSaveAnswer = true
      this.emitChunked(echo + 'Destination filename [startup-config]? ')
      return
    }
    if (this.o.invalid?.includes(line)) {
      this.emitChunked(
        echo + '                   ^' + this.eol + "% Invalid input detected at '^' marker." + this.eol + this.eol + this.prompt(),
      )
      return
    }
    const out = this.o.outputs?.[line]
    if (out !== undefined && this.termLength > 0) {
      const lines = out.split('\n')
      if (lines.length > this.termLength) {
        this.paging = {lines, pos: this.termLength}
        this.emitChunked(echo + lines.slice(0, this.termLength).join(this.eol) + this.eol + ' --More-- ')
        return
      }
    }
    this.emitChunked(echo + (out === undefined ? '' : out.split('\n').join(this.eol) + this.eol) + this.prompt())
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.emit('close')
  }

  end(): void {
    this.close()
  }
}
