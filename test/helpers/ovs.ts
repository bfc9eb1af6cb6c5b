/**
 * A private, real Open vSwitch for integration tests: its own ovsdb-server and ovs-vswitchd
 * (userspace datapath: this machine has no OVS kernel module) in a network namespace the
 * helper creates, with a private run dir. Nothing touches system-wide OVS state.
 *
 *   const ovs = await startOvs()                 // throws with a clear reason when it cannot
 *   after(() => ovs.stop())                      // kills by pidfile, deletes the netns, removes the dir
 *   await ovs.addBridge('br0')                   // datapath_type=netdev
 *   await ovs.addLoop('br0', 'br1')              // two veth pairs between br0 and br1 = an L2 loop
 *   env: {...process.env, ...ovs.env}            // OVS_RUNDIR etc. for ovs-vsctl/ovs-appctl/netops
 *
 * ovsSkip() gives a skip reason when OVS or root is missing, and throws under CI=true.
 */
import {execFile, execFileSync, spawn} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import type {ExecResult, Executor} from '../../src/ovs/executor.js'
import {copyBuiltDist} from './cli.js'

const run = promisify(execFile)

const BINARIES = ['/usr/bin/ovs-vsctl', '/usr/bin/ovs-appctl', '/usr/bin/ovsdb-tool', '/usr/sbin/ovsdb-server', '/usr/sbin/ovs-vswitchd']
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'

/** Why a private OVS cannot run here, or undefined. */
export function ovsMissingReason(): string | undefined {
  const missing = [...BINARIES, SCHEMA].filter((p) => !existsSync(p))
  if (missing.length > 0)
    return `Open vSwitch is not installed (missing ${missing.join(', ')}); run scripts/install-test-deps.sh (apt package openvswitch-switch)`
  if (process.getuid?.() !== 0) return 'the OVS tests need root (network namespaces, veth pairs, OVS sockets)'
  if (!existsSync('/usr/sbin/ip') && !existsSync('/usr/bin/ip') && !existsSync('/sbin/ip')) return 'iproute2 (ip) is not installed'
  return undefined
}

/** For `test(name, {skip: ovsSkip()}, fn)`: false when usable, else the reason. Throws under CI=true. */
export function ovsSkip(): string | false {
  const reason = ovsMissingReason()
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the OVS tests cannot run: ${reason}`)
  return `skipped: ${reason}`
}

export interface OvsSandbox {
  dir: string
  netns: string
  /** OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_SYSCONFDIR: the clients find this OVS through them. */
  env: Record<string, string>
  dbSocket: string
  /** ovs-vsctl --timeout=10 <args>; rejects on failure with stderr in the message. */
  vsctl(...args: string[]): Promise<string>
  appctl(...args: string[]): Promise<string>
  /** Run argv inside the namespace. */
  nsExec(...argv: string[]): Promise<string>
  addBridge(name: string): Promise<void>
  /** `count` veth pairs between bridges a and b (ports <a>-l<i> / <b>-l<i>), links up: a loop when count >= 2. */
  addLoop(a: string, b: string, count?: number): Promise<string[][]>
  vswitchdPid(): number | undefined
  startVswitchd(): Promise<void>
  stopVswitchd(): Promise<void>
  stop(): Promise<void>
}

const live = new Set<{dir: string; netns: string}>()
let hook = false
function installExitHook(): void {
  if (hook) return
  hook = true
  process.on('exit', () => {
    for (const s of live) cleanupSync(s.dir, s.netns)
  })
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    return Number.isFinite(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/** Alive and not a zombie (PID 1 here reaps late: kill -0 succeeds on zombies). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

async function killPidfile(file: string): Promise<void> {
  const pid = readPid(file)
  if (pid === undefined || !alive(pid)) return
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 40))
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
}

function cleanupSync(dir: string, netns: string): void {
  for (const f of ['ovs-vswitchd.pid', 'ovsdb-server.pid']) {
    const pid = readPid(join(dir, f))
    if (pid !== undefined && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', netns], {stdio: 'ignore'})
  } catch {
    /* already gone */
  }
  rmSync(dir, {recursive: true, force: true})
}

export async function startOvs(opts: {vswitchd?: boolean} = {}): Promise<OvsSandbox> {
  const reason = ovsMissingReason()
  if (reason !== undefined) throw new Error(`cannot start Open vSwitch: ${reason}`)
  // Unix socket paths are limited to ~108 bytes: keep the dir short.
  const dir = mkdtempSync('/tmp/nops-ovs-')
  const netns = `netops-ovs-${randomBytes(4).toString('hex')}`
  const state = {dir, netns}
  live.add(state)
  installExitHook()
  const env = {OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir}
  const childEnv = {...process.env, ...env}
  const exec = async (argv: string[]): Promise<string> => {
    const [file, ...args] = argv
    try {
      const r = await run(file as string, args, {env: childEnv, encoding: 'utf8', timeout: 30_000})
      return r.stdout
    } catch (err) {
      const e = err as {stderr?: string; message: string}
      throw new Error(`${argv.join(' ')} failed: ${e.stderr?.trim() || e.message}`, {cause: err})
    }
  }
  const nsExec = (...argv: string[]): Promise<string> => exec(['ip', 'netns', 'exec', netns, ...argv])
  const vswitchdPidfile = join(dir, 'ovs-vswitchd.pid')

  const startVswitchd = async (): Promise<void> => {
    await nsExec(
      'ovs-vswitchd',
      `unix:${join(dir, 'db.sock')}`,
      '-vconsole:off',
      '--disable-system',
      `--pidfile=${vswitchdPidfile}`,
      `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
      '--detach',
    )
  }
  let stopped: Promise<void> | undefined
  const sandbox: OvsSandbox = {
    dir,
    netns,
    env,
    dbSocket: join(dir, 'db.sock'),
    vsctl: (...args) => exec(['ovs-vsctl', '--timeout=10', ...args]),
    appctl: (...args) => exec(['ovs-appctl', '--timeout=10', ...args]),
    nsExec,
    addBridge: async (name) => {
      await exec(['ovs-vsctl', '--timeout=10', 'add-br', name, '--', 'set', 'Bridge', name, 'datapath_type=netdev'])
    },
    addLoop: async (a, b, count = 2) => {
      const pairs: string[][] = []
      for (let i = 0; i < count; i++) {
        const pa = `${a}-l${i}`
        const pb = `${b}-l${i}`
        await nsExec('ip', 'link', 'add', pa, 'type', 'veth', 'peer', 'name', pb)
        await nsExec('ip', 'link', 'set', pa, 'up')
        await nsExec('ip', 'link', 'set', pb, 'up')
        await exec(['ovs-vsctl', '--timeout=10', 'add-port', a, pa, '--', 'add-port', b, pb])
        pairs.push([pa, pb])
      }
      return pairs
    },
    vswitchdPid: () => {
      const pid = readPid(vswitchdPidfile)
      return pid !== undefined && alive(pid) ? pid : undefined
    },
    startVswitchd,
    stopVswitchd: () => killPidfile(vswitchdPidfile),
    stop: () => {
      stopped ??= (async () => {
        await killPidfile(vswitchdPidfile)
        await killPidfile(join(dir, 'ovsdb-server.pid'))
        cleanupSync(dir, netns)
        live.delete(state)
      })()
      return stopped
    },
  }
  try {
    await exec(['ip', 'netns', 'add', netns])
    // No IPv6 in the namespace: no RS/DAD/MLD chatter to start a storm on a loop by itself.
    await nsExec('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
    await nsExec('ip', 'link', 'set', 'lo', 'up')
    await exec(['ovsdb-tool', 'create', join(dir, 'conf.db'), SCHEMA])
    await nsExec(
      'ovsdb-server',
      join(dir, 'conf.db'),
      '-vconsole:off',
      `--remote=punix:${join(dir, 'db.sock')}`,
      `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
      `--log-file=${join(dir, 'ovsdb-server.log')}`,
      '--detach',
    )
    await exec(['ovs-vsctl', '--no-wait', 'init'])
    if (opts.vswitchd !== false) await startVswitchd()
    return sandbox
  } catch (err) {
    await sandbox.stop()
    throw err
  }
}

/* ---------------------------------------------------------------- fake executor (unit tests) */

export type FakeReply = Partial<Omit<ExecResult, 'command'>>

/**
 * An in-process Executor for unit tests: records every argv and answers from `script`
 * (first matching rule wins; a rule matches when the joined argv contains its string or the
 * RegExp matches). Unmatched commands fail the test loudly.
 */
export class FakeExecutor implements Executor {
  readonly where: string
  readonly calls: string[][] = []
  closed = false
  private readonly rules: Array<[string | RegExp, FakeReply | ((argv: string[]) => FakeReply)]>

  constructor(rules: Array<[string | RegExp, FakeReply | ((argv: string[]) => FakeReply)]>, where = 'local') {
    this.rules = rules
    this.where = where
  }

  run(argv: string[]): Promise<ExecResult> {
    this.calls.push(argv)
    const line = argv.join(' ')
    for (const [match, reply] of this.rules) {
      if (typeof match === 'string' ? line.includes(match) : match.test(line)) {
        const r = typeof reply === 'function' ? reply(argv) : reply
        return Promise.resolve({
          command: argv,
          exitCode: r.exitCode ?? 0,
          stdout: r.stdout ?? '',
          stderr: r.stderr ?? '',
          signal: r.signal ?? null,
        })
      }
    }
    return Promise.reject(new Error(`FakeExecutor: no rule for: ${line}`))
  }

  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}

/* ---------------------------------------------------------------- built CLI for e2e tests */

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * The built CLI in a private directory (package.json + bin/run.js + dist/, node_modules
 * symlinked) so e2e tests run `node bin/run.js` on BUILT output without touching the repo's
 * dist/ that other tests may be using: a copy of the repo's dist/ when it is up to date
 * (copyBuiltDist), else compiled there. Returns the path of run.js; `cleanup()` removes the dir.
 */
export async function buildPrivateCli(): Promise<{runJs: string; cleanup: () => void}> {
  const root = mkdtempSync('/tmp/netops-cli-')
  mkdirSync(join(root, 'bin'))
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'))
  copyFileSync(join(REPO, 'bin/run.js'), join(root, 'bin/run.js'))
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
  // A fresh repo dist/ (npm test builds first) is copied; otherwise compile.
  // Other areas may not compile at every moment; tsc still emits, and we check our commands exist.
  const r = copyBuiltDist(root)
    ? {code: 0, out: ''}
    : await new Promise<{code: number | null; out: string}>((resolve) => {
        const child = spawn(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.json'), '--outDir', join(root, 'dist')], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.stderr.on('data', (d: Buffer) => (out += d.toString()))
        child.on('close', (code) => resolve({code, out}))
      })
  const runJs = join(root, 'bin/run.js')
  for (const c of ['on', 'off', 'status']) {
    if (!existsSync(join(root, `dist/commands/ovs/stp/${c}.js`))) {
      rmSync(root, {recursive: true, force: true})
      throw new Error(`tsc did not emit dist/commands/ovs/stp/${c}.js (exit ${r.code}):\n${r.out.slice(0, 2000)}`)
    }
  }
  return {runJs, cleanup: () => rmSync(root, {recursive: true, force: true})}
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the built CLI with argv and env; stdout, stderr and the exit code kept apart. */
export function runCli(runJs: string, argv: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runJs, ...argv], {env: {...env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`netops ${argv.join(' ')} did not finish within ${timeoutMs} ms; stderr:\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}
