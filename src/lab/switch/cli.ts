/**
 * The lab switch's command-line engine, independent of the transport (SSH channel, stdio, or an
 * in-memory stream in tests): it receives raw keystrokes and writes what a Cisco terminal would.
 *
 * - line discipline of a PTY session: echo, CR / LF / CRLF, backspace, Ctrl-U, Ctrl-C, Ctrl-Z,
 *   arrow-key escape sequences ignored, type-ahead processed in order;
 * - modes and prompts (user `>`, privileged `#`, `(config)#`, `(config-if)#`; NX-OS prompts end
 *   in `# ` with a space, as on the real thing);
 * - `enable` with a no-echo `Password:` (3 tries, then `% Access denied`);
 * - paging with ` --More-- ` until `terminal length 0`;
 * - errors with the caret under the failing character, `% Ambiguous command`, `% Incomplete command.`;
 * - `| include|exclude|begin|section|count` on show commands;
 * - save prompts and delays; test faults (reject a line, drop after a line, delay, stuck paging).
 */
import {recoveryCauseKeywords, RECOVERY_RANGE, type Device, type PortState} from './device.js'
import {arg, helpAt, kw, leaf, match, tokenize, type Args, type GrammarNode} from './grammar.js'
import * as ios from './show-ios.js'
import * as nxos from './show-nxos.js'
import {NXOS_COPYRIGHT} from './show-nxos.js'
import type {PlatformName} from '../../platforms/types.js'

export type Mode = 'user' | 'exec' | 'config' | 'config-if'

export interface LabFaults {
  /** Config lines (compared trimmed, case- and space-insensitively) answered with `% Invalid input`. */
  rejectLines?: string[]
  /** After executing this command line, drop the connection (no prompt). */
  dropAfter?: string
  /** Wait this long before answering each command. */
  delayMs?: number
  /** Wait this long (more) before answering each line typed in configuration mode, `end` included. */
  configDelayMs?: number
  /** Paging stays on: `terminal length 0` is accepted but ignored. */
  stuckPaging?: boolean
}

export interface SimulatedCliOptions {
  device: Device
  username: string
  enablePassword: string
  /** Shown in `%SYS-5-CONFIG_I ... (127.0.0.1)`. */
  remoteAddress?: string
  faults?: LabFaults
  /** How long `write memory` / `copy running-config startup-config` take (ms). Default 40 (IOS), 250 (NX-OS). */
  saveDelayMs?: number
  /** Print the MOTD banner before the first prompt (default true). */
  banner?: boolean
  write(data: string): void
  /** Called when the session ends (`exit`, dropAfter fault). */
  close(): void
  /** Called before each command runs (the stdio front-end reloads a shared state file here). */
  beforeCommand?: () => void
}

type Handler = (s: SimulatedCli, a: Args) => void | Promise<void>
type State = 'idle' | 'busy' | 'more' | 'ask' | 'closed'

const MORE = ' --More-- '
const MORE_ERASE = '\b'.repeat(MORE.length) + ' '.repeat(MORE.length) + '\b'.repeat(MORE.length)

const IOS_BANNER = [
  '',
  '**************************************************************************',
  '* netops lab switch: a SIMULATED Cisco IOS-XE switch for demos and tests. *',
  '* Authorised lab use only. Credentials are public lab defaults.  #  >    *',
  '**************************************************************************',
  '',
]

const NXOS_BANNER = ['', ...NXOS_COPYRIGHT, '(netops lab switch: SIMULATED Nexus 9000 for demos and tests)']

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export class SimulatedCli {
  readonly device: Device
  mode: Mode
  iface: PortState | null = null
  termLength = 24
  termWidth = 80
  private state: State = 'idle'
  private queue = ''
  private line = ''
  private sawCR = false
  private esc = 0
  private out: string[] = []
  private pager: {lines: string[]; idx: number} | null = null
  private pendingAsk: {prompt: string; echo: boolean; cb: (answer: string) => void | Promise<void>} | null = null
  private readonly opts: SimulatedCliOptions
  private readonly faults: LabFaults
  private pumping = false
  private started = false
  private idleWaiters: Array<() => void> = []

  constructor(opts: SimulatedCliOptions) {
    this.opts = opts
    this.device = opts.device
    this.faults = opts.faults ?? {}
    this.mode = this.device.platform === 'nxos' ? 'exec' : 'user'
  }

  get platform(): PlatformName {
    return this.device.platform
  }

  get closed(): boolean {
    return this.state === 'closed'
  }

  prompt(): string {
    const host = this.device.hostname
    const short = host.slice(0, 20)
    const sp = this.platform === 'nxos' ? ' ' : ''
    switch (this.mode) {
      case 'user':
        return `${host}>`
      case 'exec':
        return `${host}#${sp}`
      case 'config':
        return `${short}(config)#${sp}`
      case 'config-if':
        return `${short}(config-if)#${sp}`
    }
  }

  /** Banner (MOTD) and the first prompt. */
  start(): void {
    if (this.started) return
    this.started = true
    if (this.opts.banner !== false) {
      const banner = this.platform === 'nxos' ? NXOS_BANNER : IOS_BANNER
      this.opts.write(banner.join('\r\n') + '\r\n')
    }
    this.opts.write(this.prompt())
  }

  /** Keystrokes from the client. */
  feed(data: string | Buffer): void {
    if (this.state === 'closed') return
    this.queue += typeof data === 'string' ? data : data.toString('latin1')
    this.pump()
  }

  /** End the session from outside (connection gone). */
  end(): void {
    this.state = 'closed'
    this.queue = ''
  }

  // ---- output helpers used by the handlers -------------------------------------------------------

  print(text: string): void {
    this.out.push(text)
  }

  /** Write what was printed so far, unpaged (progress messages before a delay). */
  flush(): void {
    const text = this.out.join('')
    this.out = []
    if (text) this.opts.write(crlf(text))
  }

  ask(prompt: string, echo: boolean, cb: (answer: string) => void | Promise<void>): void {
    this.pendingAsk = {prompt, echo, cb}
  }

  setMode(mode: Mode, iface: PortState | null = null): void {
    if ((this.mode === 'config' || this.mode === 'config-if') && (mode === 'exec' || mode === 'user')) {
      this.device.logConfigured(this.opts.username, this.opts.remoteAddress ?? '127.0.0.1')
    }
    this.mode = mode
    this.iface = iface
  }

  close(): void {
    this.flush()
    this.state = 'closed'
    this.queue = ''
    this.opts.close()
    this.wakeIdle()
  }

  /** Resolves once the session waits for input again (prompt or question written) or has closed. */
  whenIdle(): Promise<void> {
    if (this.state === 'closed' || ((this.state === 'idle' || this.state === 'ask' || this.state === 'more') && this.queue.length === 0))
      return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  invalid(pos: number, promptLen: number, range?: [number, number]): void {
    const caret = ' '.repeat(promptLen + pos) + '^\n'
    if (this.platform === 'nxos') {
      this.print(
        caret + (range ? `% Invalid number, range is (${range[0]}:${range[1]}) at '^' marker.\n` : "% Invalid command at '^' marker.\n"),
      )
    } else {
      this.print(caret + "% Invalid input detected at '^' marker.\n\n")
    }
  }

  // ---- line discipline -------------------------------------------------------------------------

  private pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.queue.length > 0 && (this.state === 'idle' || this.state === 'more' || this.state === 'ask')) {
        const ch = this.queue[0]!
        this.queue = this.queue.slice(1)
        this.onChar(ch)
      }
    } finally {
      this.pumping = false
    }
  }

  private onChar(ch: string): void {
    if (this.esc > 0) {
      // ESC [ ... final byte: arrow keys and friends are ignored
      if (this.esc === 1) this.esc = ch === '[' || ch === 'O' ? 2 : 0
      else if (ch >= '@' && ch <= '~') this.esc = 0
      return
    }
    if (ch === '\x1b') {
      this.esc = 1
      return
    }
    if (ch === '\n' && this.sawCR) {
      this.sawCR = false
      return
    }
    this.sawCR = ch === '\r'
    if (ch === '\0') return
    const enter = ch === '\r' || ch === '\n'

    if (this.state === 'more') {
      this.opts.write(MORE_ERASE)
      const pager = this.pager!
      if (ch === ' ') this.writePage(this.pageSize())
      else if (enter) this.writePage(1)
      else pager.idx = pager.lines.length
      this.afterPage()
      return
    }

    const echo = this.state !== 'ask' || this.pendingAsk?.echo !== false
    if (enter) {
      const line = this.line
      this.line = ''
      this.opts.write('\r\n')
      if (this.state === 'ask') this.answer(line)
      else this.submit(line)
      return
    }
    if (ch === '\x7f' || ch === '\b') {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1)
        if (echo) this.opts.write('\b \b')
      }
      return
    }
    if (ch === '\x15') {
      if (echo) this.opts.write('\b \b'.repeat(this.line.length))
      this.line = ''
      return
    }
    if (ch === '\x03' || ch === '\x1a') {
      // Ctrl-C / Ctrl-Z: abandon the line; in configuration mode go back to privileged exec
      this.line = ''
      if (this.state === 'ask') {
        this.pendingAsk = null
        this.opts.write('\r\n')
        this.finish()
        return
      }
      this.opts.write(ch === '\x1a' ? '^Z\r\n' : '^C\r\n')
      if (this.mode === 'config' || this.mode === 'config-if') this.setMode('exec')
      this.opts.write(this.prompt())
      return
    }
    if (ch === '?' && this.state === 'idle') {
      this.help()
      return
    }
    if (ch === '\t' || ch < ' ') return
    this.line += ch
    if (echo) this.opts.write(ch)
  }

  /** `?`: list what may come next, then reprint the prompt and the line typed so far (as IOS does). */
  private help(): void {
    this.opts.write('?\r\n')
    const trees = treesFor(this.platform, this.mode)
    const h = helpAt(trees[0]!, this.line, this.platform) ?? (trees[1] ? helpAt(trees[1], this.line, this.platform) : undefined)
    if (!h || h.words.length === 0) this.opts.write(this.platform === 'nxos' ? '% Invalid command\r\n' : '% Unrecognized command\r\n')
    else if (h.partial) this.opts.write(h.words.join('  ') + '\r\n\r\n')
    else this.opts.write(h.words.map((w) => '  ' + w).join('\r\n') + '\r\n\r\n')
    this.opts.write(this.prompt() + this.line)
  }

  private pageSize(): number {
    return Math.max(1, this.termLength - 1)
  }

  private submit(raw: string): void {
    this.state = 'busy'
    const promptLen = this.prompt().length
    const run = this.execute(raw, promptLen)
    if (run)
      run.then(
        () => this.finish(),
        (err: unknown) => this.crash(err),
      )
    else this.finish()
  }

  private answer(text: string): void {
    const ask = this.pendingAsk!
    this.pendingAsk = null
    this.state = 'busy'
    let r: void | Promise<void>
    try {
      r = ask.cb(text)
    } catch (error) {
      this.crash(error)
      return
    }
    if (r)
      r.then(
        () => this.finish(),
        (err: unknown) => this.crash(err),
      )
    else this.finish()
  }

  private crash(err: unknown): void {
    this.print(`% Internal error: ${err instanceof Error ? err.message : String(err)}\n`)
    this.finish()
  }

  /** After a command: page its output, then ask or prompt, then go on with type-ahead. */
  private finish(): void {
    if (this.state === 'closed') return
    const text = this.out.join('')
    this.out = []
    const lines = text.length ? text.replace(/\n$/, '').split('\n') : []
    const paging = this.faults.stuckPaging ? this.termLength || 24 : this.termLength
    if (paging > 0 && lines.length > paging - 1) {
      this.pager = {lines, idx: 0}
      this.writePage(this.pageSize())
      this.afterPage()
      return
    }
    if (lines.length) this.opts.write(lines.join('\r\n') + '\r\n')
    this.promptOrAsk()
  }

  private writePage(n: number): void {
    const p = this.pager!
    const chunk = p.lines.slice(p.idx, p.idx + n)
    p.idx += chunk.length
    if (chunk.length) this.opts.write(chunk.join('\r\n') + '\r\n')
  }

  private afterPage(): void {
    const p = this.pager!
    if (p.idx < p.lines.length) {
      this.opts.write(MORE)
      this.state = 'more'
      this.pump()
      if (this.state === 'more' && this.queue.length === 0) this.wakeIdle()
      return
    }
    this.pager = null
    this.promptOrAsk()
  }

  private promptOrAsk(): void {
    if (this.state === 'closed') return
    if (this.pendingAsk) {
      this.opts.write(this.pendingAsk.prompt)
      this.state = 'ask'
    } else {
      this.opts.write(this.prompt())
      this.state = 'idle'
    }
    // continue with type-ahead (asynchronously, so deep type-ahead never grows the stack)
    if (this.queue.length) queueMicrotask(() => this.pump())
    else this.wakeIdle()
  }

  // ---- command execution ---------------------------------------------------------------------------

  private execute(raw: string, promptLen: number): Promise<void> | void {
    if (raw.trim() === '') return
    const inConfig = this.mode === 'config' || this.mode === 'config-if'
    const delay = (this.faults.delayMs ?? 0) + (inConfig ? (this.faults.configDelayMs ?? 0) : 0)
    if (delay > 0) return sleep(delay).then(() => this.executeNow(raw, promptLen))
    return this.executeNow(raw, promptLen)
  }

  private executeNow(raw: string, promptLen: number): Promise<void> | void {
    this.opts.beforeCommand?.()
    this.device.sync()
    const dropping = this.faults.dropAfter !== undefined && norm(this.faults.dropAfter) === norm(raw)
    const r = this.dispatch(raw, promptLen)
    if (dropping) {
      const drop = (): void => {
        // the command took effect; the connection goes away before the prompt
        this.close()
      }
      if (r) return r.then(drop)
      drop()
      return
    }
    return r
  }

  private dispatch(raw: string, promptLen: number): Promise<void> | void {
    const inConfig = this.mode === 'config' || this.mode === 'config-if'
    if (inConfig && (this.faults.rejectLines ?? []).some((l) => norm(l) === norm(raw))) {
      this.invalid(tokenize(raw)[0]?.start ?? 0, promptLen)
      return
    }
    // `| filter` on show commands
    const bar = raw.indexOf('|')
    const cmd = bar >= 0 ? raw.slice(0, bar) : raw
    const trees = treesFor(this.platform, this.mode)
    const portExists = (name: string): boolean => this.device.findPort(name) !== undefined
    let m = match(trees[0]!, cmd, this.platform, portExists)
    let switchTo: Mode | undefined
    if (!m.ok && trees[1]) {
      const m2 = match(trees[1], cmd, this.platform, portExists)
      if (m2.ok) {
        m = m2
        switchTo = 'config'
      } else {
        // report whichever tree understood more of the line
        const reach = (r: typeof m): number => (r.ok ? 0 : r.error === 'incomplete' ? cmd.length + 1 : r.pos)
        if (reach(m2) > reach(m)) m = m2
      }
    }
    if (!m.ok) {
      this.reportError(m, cmd, promptLen)
      return
    }
    let filter: ((text: string) => string) | undefined
    if (bar >= 0) {
      const first = tokenize(cmd)[0]?.text.toLowerCase() ?? ''
      const isShow = first.length > 0 && ('show'.startsWith(first) || ('do'.startsWith(first) && /^\s*\S+\s+sh/i.test(cmd)))
      if (!isShow) {
        this.invalid(bar, promptLen)
        return
      }
      const f = parseFilter(raw.slice(bar + 1))
      if ('pos' in f) {
        if (f.error === 'incomplete') this.reportError({ok: false, error: 'incomplete'}, raw, promptLen)
        else this.invalid(bar + 1 + f.pos, promptLen)
        return
      }
      filter = f.apply
    }
    if (switchTo) this.setMode(switchTo)
    const run = m.run
    if (!filter) return run(this, m.args)
    const before = this.out
    this.out = []
    const done = (): void => {
      const text = this.out.join('')
      this.out = [...before, filter(text)]
    }
    const r = run(this, m.args)
    if (r) return r.then(done)
    done()
  }

  private reportError(
    m: {ok: false; error: 'invalid' | 'ambiguous' | 'incomplete'; pos?: number; range?: [number, number]},
    line: string,
    promptLen: number,
  ): void {
    if (m.error === 'invalid') {
      this.invalid(m.pos ?? 0, promptLen, m.range)
    } else if (m.error === 'ambiguous') {
      if (this.platform === 'nxos') this.print(' '.repeat(promptLen + (m.pos ?? 0)) + "^\n% Ambiguous command at '^' marker.\n")
      else this.print(`% Ambiguous command:  "${line.trim()}"\n\n`)
    } else if (this.platform === 'nxos') {
      this.print(' '.repeat(promptLen + line.trimEnd().length + 1) + "^\n% Incomplete command at '^' marker.\n")
    } else {
      this.print('% Incomplete command.\n\n')
    }
  }

  // ---- things handlers need ------------------------------------------------------------------------

  /** The options the session was made with (handlers read the enable secret and the user from here). */
  get settings(): SimulatedCliOptions {
    return this.opts
  }

  saveDelay(): number {
    return this.opts.saveDelayMs ?? (this.platform === 'nxos' ? 250 : 40)
  }
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n')
}

// ---- output filters ------------------------------------------------------------------------------

function parseFilter(text: string): {apply: (t: string) => string} | {error: 'invalid' | 'incomplete'; pos: number} {
  const toks = tokenize(text)
  const first = toks[0]
  if (!first) return {error: 'incomplete', pos: text.length}
  const kinds = ['append', 'begin', 'count', 'exclude', 'include', 'redirect', 'section', 'tee']
  const lower = first.text.toLowerCase()
  const cands = kinds.filter((k) => k.startsWith(lower))
  if (cands.length !== 1 || ['append', 'redirect', 'tee'].includes(cands[0]!)) {
    return {error: 'invalid', pos: first.start}
  }
  const kind = cands[0]!
  const rest = text.slice(first.start + first.text.length).trim()
  if (!rest && kind !== 'count') return {error: 'incomplete', pos: text.length}
  let re: RegExp
  try {
    re = new RegExp(rest)
  } catch {
    re = new RegExp(rest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  }
  return {
    apply(t: string): string {
      const lines = t.replace(/\n$/, '').split('\n')
      let kept: string[]
      switch (kind) {
        case 'include':
          kept = lines.filter((l) => re.test(l))
          break
        case 'exclude':
          kept = lines.filter((l) => !re.test(l))
          break
        case 'begin': {
          const i = lines.findIndex((l) => re.test(l))
          kept = i < 0 ? [] : lines.slice(i)
          break
        }
        case 'section': {
          kept = []
          let inside = false
          for (const l of lines) {
            if (!/^\s/.test(l)) inside = re.test(l)
            else if (!inside && re.test(l)) kept.push(l)
            if (inside) kept.push(l)
          }
          break
        }
        default:
          return `Number of lines which match regexp = ${lines.filter((l) => re.test(l)).length}\n`
      }
      return kept.length ? kept.join('\n') + '\n' : ''
    },
  }
}

// ---- command trees ----------------------------------------------------------------------------------

const treeCache = new Map<string, Array<GrammarNode<Handler>>>()

function treesFor(platform: PlatformName, mode: Mode): Array<GrammarNode<Handler>> {
  const key = platform + ':' + mode
  let t = treeCache.get(key)
  if (!t) {
    t = buildTrees(platform, mode)
    treeCache.set(key, t)
  }
  return t
}

function port(s: SimulatedCli, a: Args, key = 'if'): PortState {
  return s.device.port(String(a[key]))
}

function buildTrees(platform: PlatformName, mode: Mode): Array<GrammarNode<Handler>> {
  if (mode === 'user') return [userTree()]
  if (mode === 'exec') return [platform === 'ios' ? iosExecTree() : nxosExecTree()]
  const global = configTree(platform)
  if (mode === 'config') return [global]
  return [ifTree(platform), global]
}

const terminalTree = (platform: PlatformName): GrammarNode<Handler> =>
  kw({
    length: arg(
      {name: 'n', kind: 'int', min: 0, max: 512},
      leaf((s, a) => {
        s.termLength = Number(a.n)
      }),
    ),
    width: arg(
      {name: 'n', kind: 'int', min: platform === 'nxos' ? 24 : 0, max: 512},
      leaf((s, a) => {
        s.termWidth = Number(a.n)
      }),
    ),
    monitor: leaf(() => {}),
  })

const exitSession: Handler = (s) => s.close()

function userTree(): GrammarNode<Handler> {
  return kw({
    show: kw({
      version: leaf((s) => s.print(ios.showVersion(s.device))),
      clock: leaf((s) => s.print(ios.showClock(s.device))),
      interfaces: iosShowInterfaces(),
    }),
    terminal: terminalTree('ios'),
    enable: leaf(enableHandler),
    exit: leaf(exitSession),
    logout: leaf(exitSession),
    quit: leaf(exitSession),
  })
}

function enableHandler(s: SimulatedCli): void {
  const secret = s.settings.enablePassword
  let tries = 0
  const askPwd = (): void =>
    s.ask('Password: ', false, (answer) => {
      if (answer === secret) {
        s.setMode('exec')
        return
      }
      tries++
      if (tries < 3) askPwd()
      else s.print('% Access denied\n\n')
    })
  askPwd()
}

function iosShowInterfaces(): GrammarNode<Handler> {
  const errd = leaf<Handler>((s) => s.print(ios.showInterfacesStatusErrDisabled(s.device)))
  const all: Handler = (s) => s.print(s.device.ports.map((p) => ios.showInterface(s.device, p)).join(''))
  return {
    kw: {status: kw({'err-disabled': errd}, (s) => s.print(ios.showInterfacesStatus(s.device)))},
    arg: {
      name: 'if',
      kind: 'iface',
      next: kw(
        {
          status: kw({'err-disabled': leaf((s, a) => s.print(ios.showInterfacesStatusErrDisabled(s.device, [port(s, a)])))}, (s, a) =>
            s.print(ios.showInterfacesStatus(s.device, [port(s, a)])),
          ),
          switchport: leaf((s, a) => s.print(ios.showInterfacesSwitchport(s.device, port(s, a)))),
        },
        (s, a) => s.print(ios.showInterface(s.device, port(s, a))),
      ),
    },
    run: all,
  }
}

function iosSave(s: SimulatedCli): Promise<void> {
  s.print('Building configuration...\n')
  s.flush()
  return sleep(s.saveDelay()).then(() => {
    s.device.saveStartup(ios.runningConfigLines(s.device))
    s.print('[OK]\n')
  })
}

function iosExecTree(): GrammarNode<Handler> {
  return kw({
    show: kw({
      version: leaf((s) => s.print(ios.showVersion(s.device))),
      clock: leaf((s) => s.print(ios.showClock(s.device))),
      interfaces: iosShowInterfaces(),
      inventory: leaf((s) => s.print(iosInventory(s.device.model === 'stack' ? [1, 2] : [1]))),
      users: leaf((s) =>
        s.print(
          `    Line       User       Host(s)              Idle       Location\n*866 vty 0     ${s.settings.username.padEnd(10)} idle                 00:00:00 ${s.settings.remoteAddress ?? '127.0.0.1'}\n\n  Interface    User               Mode         Idle     Peer Address\n\n`,
        ),
      ),
      'running-config': kw(
        {
          interface: arg(
            {name: 'if', kind: 'iface'},
            leaf((s, a) => s.print(ios.showRunningConfigInterface(s.device, port(s, a)))),
          ),
        },
        (s) => s.print(ios.showRunningConfig(s.device)),
      ),
      'startup-config': leaf((s) => s.print(ios.showStartupConfig(s.device))),
      errdisable: kw({
        recovery: leaf((s) => s.print(ios.showErrdisableRecovery(s.device))),
        detect: leaf((s) => s.print(ios.showErrdisableDetect(s.device))),
      }),
      logging: leaf((s) => s.print(ios.showLogging(s.device))),
      ...layer2Show(ios),
    }),
    terminal: terminalTree('ios'),
    configure: kw({terminal: leaf(enterConfig)}),
    write: kw({memory: leaf(iosSave)}, iosSave),
    copy: kw({
      'running-config': kw({
        'startup-config': leaf((s) => {
          s.ask('Destination filename [startup-config]? ', true, (answer) => {
            const name = answer.trim()
            if (name !== '' && name !== 'startup-config' && name !== 'nvram:startup-config') {
              s.print(`%Error opening flash:${name} (Permission denied)\n`)
              return
            }
            return iosSave(s)
          })
        }),
      }),
    }),
    enable: leaf(() => {}),
    disable: leaf((s) => s.setMode('user')),
    exit: leaf(exitSession),
    logout: leaf(exitSession),
    quit: leaf(exitSession),
  })
}

interface Layer2Renderers {
  showMacAddressTable(d: Device, filter?: {ports?: PortState[]; vlan?: number}): string
  showLldpNeighborsDetail(d: Device, ports?: PortState[]): string
  showCdpNeighborsDetail(d: Device, ports?: PortState[]): string
  showVlanBrief(d: Device): string
}

/**
 * The layer-2 show commands of the topology lab (both dialects): `show mac address-table [interface X | vlan N]`,
 * `show lldp|cdp neighbors [X | interface X] detail` (IOS takes the interface directly, NX-OS after `interface`;
 * both spellings are accepted on both), `show vlan brief`.
 */
function layer2Show(r: Layer2Renderers): Record<string, GrammarNode<Handler>> {
  const neighbors = (which: 'showLldpNeighborsDetail' | 'showCdpNeighborsDetail'): GrammarNode<Handler> => {
    const onPort = kw<Handler>({detail: leaf((s, a) => s.print(r[which](s.device, [port(s, a)])))})
    return kw({
      neighbors: {
        kw: {detail: leaf((s) => s.print(r[which](s.device))), interface: arg({name: 'if', kind: 'iface'}, onPort)},
        arg: {name: 'if', kind: 'iface', next: onPort},
      },
    })
  }
  return {
    mac: kw({
      'address-table': kw(
        {
          interface: arg(
            {name: 'if', kind: 'iface'},
            leaf((s, a) => s.print(r.showMacAddressTable(s.device, {ports: [port(s, a)]}))),
          ),
          vlan: arg(
            {name: 'vlan', kind: 'int', min: 1, max: 4094},
            leaf((s, a) => s.print(r.showMacAddressTable(s.device, {vlan: Number(a.vlan)}))),
          ),
        },
        (s) => s.print(r.showMacAddressTable(s.device)),
      ),
    }),
    lldp: neighbors('showLldpNeighborsDetail'),
    cdp: neighbors('showCdpNeighborsDetail'),
    vlan: kw({brief: leaf((s) => s.print(r.showVlanBrief(s.device)))}),
  }
}

function iosInventory(members: number[]): string {
  return members
    .map(
      (m) =>
        `NAME: "c38xx Stack", DESCR: "c38xx Stack"\nPID: WS-C3850-48P      , VID: V07  , SN: FOC1234X0A${m}\n\nNAME: "Switch ${m}", DESCR: "WS-C3850-48P"\nPID: WS-C3850-48P      , VID: V07  , SN: FOC1234X0A${m}\n\n`,
    )
    .join('')
}

function enterConfig(s: SimulatedCli): void {
  s.print('Enter configuration commands, one per line.  End with CNTL/Z.\n')
  s.setMode('config')
}

function nxosExecTree(): GrammarNode<Handler> {
  const statusAll = kw<Handler>({'err-disabled': leaf((s) => s.print(nxos.showInterfaceStatusErrDisabled(s.device)))}, (s) =>
    s.print(nxos.showInterfaceStatus(s.device)),
  )
  return kw({
    show: kw({
      version: leaf((s) => s.print(nxos.showVersion(s.device))),
      clock: leaf((s) => s.print(ios.showClock(s.device))),
      interface: {
        kw: {status: statusAll},
        arg: {
          name: 'if',
          kind: 'iface',
          next: kw({status: leaf((s, a) => s.print(nxos.showInterfaceStatus(s.device, [port(s, a)])))}, (s, a) =>
            s.print(nxos.showInterface(s.device, port(s, a))),
          ),
        },
        run: (s) => s.print(s.device.ports.map((p) => nxos.showInterface(s.device, p)).join('')),
      },
      'running-config': kw(
        {
          interface: arg(
            {name: 'if', kind: 'iface'},
            leaf((s, a) => s.print(nxos.showRunningConfigInterface(s.device, port(s, a)))),
          ),
        },
        (s) => s.print(nxos.showRunningConfig(s.device)),
      ),
      'startup-config': leaf((s) => s.print(nxos.showStartupConfig(s.device))),
      errdisable: kw({recovery: leaf((s) => s.print(nxos.showErrdisableRecovery(s.device)))}),
      logging: kw(
        {
          logfile: leaf((s) => s.print(nxos.showLoggingLogfile(s.device))),
          last: arg(
            {name: 'n', kind: 'int', min: 1, max: 9999},
            leaf((s, a) => {
              const lines = nxos.showLoggingLogfile(s.device).replace(/\n$/, '').split('\n')
              s.print(lines.slice(-Number(a.n)).join('\n') + '\n')
            }),
          ),
        },
        (s) => s.print(nxos.showLoggingLogfile(s.device)),
      ),
      ...layer2Show(nxos),
    }),
    terminal: terminalTree('nxos'),
    configure: kw({terminal: leaf(enterConfig)}),
    copy: kw({
      'running-config': kw({
        'startup-config': leaf((s) =>
          sleep(s.saveDelay()).then(() => {
            s.device.saveStartup(nxos.runningConfigLines(s.device))
            s.print('[########################################] 100%\nCopy complete.\n')
          }),
        ),
      }),
    }),
    exit: leaf(exitSession),
  })
}

function configTree(platform: PlatformName): GrammarNode<Handler> {
  const [min, max] = RECOVERY_RANGE[platform]
  const causes: Record<string, GrammarNode<Handler>> = {}
  const noCauses: Record<string, GrammarNode<Handler>> = {}
  for (const c of recoveryCauseKeywords(platform)) {
    causes[c] = leaf((s) => s.device.setRecoveryCause(c, true))
    noCauses[c] = leaf((s) => s.device.setRecoveryCause(c, false))
  }
  const leaveConfig = leaf<Handler>((s) => s.setMode('exec'))
  return kw({
    interface: arg(
      {name: 'if', kind: 'iface'},
      leaf((s, a) => s.setMode('config-if', port(s, a))),
    ),
    errdisable: kw({
      recovery: kw({
        cause: kw(causes),
        interval: arg(
          {name: 'n', kind: 'int', min, max},
          leaf((s, a) => s.device.setRecoveryInterval(Number(a.n))),
        ),
      }),
    }),
    no: kw({
      errdisable: kw({
        recovery: kw({
          cause: kw(noCauses),
          interval: {
            run: (s) => s.device.setRecoveryInterval(300),
            arg: {name: 'n', kind: 'int', min, max, next: leaf((s) => s.device.setRecoveryInterval(300))},
          },
        }),
      }),
    }),
    hostname: arg(
      {name: 'name', kind: 'word'},
      leaf((s, a) => s.device.setHostname(String(a.name))),
    ),
    end: leaveConfig,
    exit: leaveConfig,
    do: arg({name: 'cmd', kind: 'rest'}, leaf(doExec)),
  })
}

function doExec(s: SimulatedCli, a: Args): void | Promise<void> {
  const tree = treesFor(s.platform, 'exec')[0]!
  const m = match(tree, String(a.cmd), s.platform, (n) => s.device.findPort(n) !== undefined)
  if (!m.ok) {
    s.print(s.platform === 'nxos' ? "% Invalid command at '^' marker.\n" : "% Invalid input detected at '^' marker.\n\n")
    return
  }
  return m.run(s, m.args)
}

function ifTree(platform: PlatformName): GrammarNode<Handler> {
  const cur = (s: SimulatedCli): string => s.iface!.name
  const common: Record<string, GrammarNode<Handler>> = {
    shutdown: leaf((s) => s.device.setShutdown(cur(s), true)),
    description: arg(
      {name: 'text', kind: 'rest'},
      leaf((s, a) => s.device.setDescription(cur(s), String(a.text).slice(0, 240))),
    ),
    switchport: kw({
      mode: kw({access: leaf(() => {}), trunk: leaf(() => {})}),
      access: kw({
        vlan: arg(
          {name: 'vlan', kind: 'int', min: 1, max: 4094},
          leaf((s, a) => s.device.setVlan(cur(s), Number(a.vlan))),
        ),
      }),
    }),
    exit: leaf((s) => s.setMode('config')),
    end: leaf((s) => s.setMode('exec')),
    do: arg({name: 'cmd', kind: 'rest'}, leaf(doExec)),
  }
  const no: Record<string, GrammarNode<Handler>> = {
    shutdown: leaf((s) => s.device.setShutdown(cur(s), false)),
    description: {
      run: (s) => s.device.setDescription(cur(s), null),
      arg: {name: 'text', kind: 'rest', next: leaf((s) => s.device.setDescription(cur(s), null))},
    },
    'spanning-tree': kw({
      portfast: leaf((s) => s.device.setPortfast(cur(s), false)),
      bpduguard: leaf((s) => s.device.setBpduguard(cur(s), false)),
    }),
  }
  const stp: Record<string, GrammarNode<Handler>> = {
    portfast: leaf((s) => s.device.setPortfast(cur(s), true)),
    bpduguard: kw({
      enable: leaf((s) => s.device.setBpduguard(cur(s), true)),
      disable: leaf((s) => s.device.setBpduguard(cur(s), false)),
    }),
  }
  if (platform === 'ios') {
    common.keepalive = {
      run: (s) => s.device.setKeepalive(cur(s), 10),
      arg: {
        name: 'n',
        kind: 'int',
        min: 0,
        max: 32767,
        next: leaf((s, a) => s.device.setKeepalive(cur(s), Number(a.n) === 0 ? null : Number(a.n))),
      },
    }
    common.loopdetect = leaf((s) => s.device.setLoopdetect(cur(s), true))
    no.keepalive = leaf((s) => s.device.setKeepalive(cur(s), null))
    no.loopdetect = leaf((s) => s.device.setLoopdetect(cur(s), false))
  } else {
    stp.port = kw({type: kw({edge: leaf((s) => s.device.setPortfast(cur(s), true))})})
    ;(no['spanning-tree']!.kw as Record<string, GrammarNode<Handler>>).port = kw({
      type: kw({edge: leaf((s) => s.device.setPortfast(cur(s), false))}),
    })
  }
  common['spanning-tree'] = kw(stp)
  common.no = kw(no)
  return kw(common)
}
