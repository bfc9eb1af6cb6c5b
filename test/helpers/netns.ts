/**
 * Network-namespace labs for the metadata redirect tests. Everything lives in namespaces this
 * helper creates (and deletes, even when a test fails or the process exits): the machine's own
 * interfaces, addresses and iptables/nft tables are never touched.
 *
 *   const lab = await createVmLab({vms: 3})      // host ns with bridge br-md 10.200.0.1/24,
 *                                                 // VM namespaces 10.200.0.11.. on veths,
 *                                                 // a "remote" server ns 10.201.0.2 routed via the host
 *   after(() => lab.destroy())
 *   await lab.exec(lab.host, ['iptables-save'])   // ip netns exec <ns> argv
 *   const srv = await lab.spawnNode(lab.host, script)
 *
 * netnsSkip() gives a skip reason when root, ip, iptables, nft or curl is missing, and throws
 * under CI=true.
 */
import {execFile, execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {copyBuiltDist} from './cli.js'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))

const TOOLS: Array<[string, string]> = [
  ['ip', 'iproute2'],
  ['iptables', 'iptables'],
  ['iptables-save', 'iptables'],
  ['nft', 'nftables'],
  ['curl', 'curl'],
  ['setpriv', 'util-linux'],
]

function which(program: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, program))) return join(dir, program)
  }
  return undefined
}

/** Why the namespace tests cannot run here, or undefined. */
export function netnsMissingReason(): string | undefined {
  const missing = TOOLS.filter(([p]) => which(p) === undefined)
  if (missing.length > 0) {
    return `missing ${missing.map(([p]) => p).join(', ')}: run scripts/install-test-deps.sh (Debian packages ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')})`
  }
  if (process.getuid?.() !== 0) return 'the network-namespace tests need root (ip netns, veth pairs, iptables/nft inside the namespaces)'
  return undefined
}

/** For `describe(name, {skip: netnsSkip()}, fn)`: false when usable, else the reason. Throws under CI=true. */
export function netnsSkip(): string | false {
  const reason = netnsMissingReason()
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the network-namespace tests cannot run: ${reason}`)
  return `skipped: ${reason}`
}

export interface ExecOut {
  code: number | null
  stdout: string
  stderr: string
}

/** Run argv (no shell); resolves for any exit code. */
export function run(argv: string[], opts: {env?: Record<string, string | undefined>; timeoutMs?: number} = {}): Promise<ExecOut> {
  const [file, ...args] = argv
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      {encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, ...(opts.env ? {env: opts.env} : {})},
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as {code?: unknown}).code === 'number' ? (err as {code: number}).code : null
        resolve({code, stdout: String(stdout), stderr: String(stderr || (err && code === null ? err.message : ''))})
      },
    )
  })
}

/** Run argv and reject (with stderr) unless it exits 0. */
export async function must(argv: string[]): Promise<string> {
  const r = await run(argv)
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
  return r.stdout
}

export interface VmLab {
  /** The "hypervisor" namespace: bridge br-md 10.200.0.1/24, veth to the server ns 10.201.0.1/24. */
  host: string
  bridge: string
  bridgeAddress: string
  /** The "remote server" namespace (10.201.0.2/24, default route via the host). */
  server: string
  serverAddress: string
  vms: Array<{ns: string; ip: string}>
  /** `ip netns exec NS argv`, any exit code. */
  exec(ns: string, argv: string[], opts?: {env?: Record<string, string | undefined>; timeoutMs?: number}): Promise<ExecOut>
  /** `ip netns exec NS argv`, rejects unless exit 0. */
  must(ns: string, argv: string[]): Promise<string>
  /** Start `node --import tsx --input-type=module -e script` in NS; resolves with its first stdout line. */
  spawnNode(ns: string, script: string): Promise<{line: string; child: ChildProcess}>
  destroy(): Promise<void>
}

/** Namespaces and children still alive; a process 'exit' hook (hookExit) deletes/kills what is left. Shared by the test labs. */
export const liveNamespaces = new Set<string>()
export const liveChildren = new Set<ChildProcess>()
let hooked = false
/** Install (once per process) the 'exit' hook that kills liveChildren and deletes liveNamespaces. */
export function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL')
    for (const ns of liveNamespaces) {
      try {
        execFileSync('ip', ['netns', 'delete', ns], {stdio: 'ignore'})
      } catch {
        /* already gone */
      }
    }
  })
}

/** Build the lab. On any failure it tears down what it made and rethrows. */
export async function createVmLab(opts: {vms?: number} = {}): Promise<VmLab> {
  hookExit()
  const id = randomBytes(3).toString('hex')
  const host = `nmr-${id}-host`
  const server = `nmr-${id}-srv`
  const count = opts.vms ?? 3
  const vms = Array.from({length: count}, (_, i) => ({ns: `nmr-${id}-vm${i + 1}`, ip: `10.200.0.${11 + i}`}))
  const bridge = 'br-md'
  // Absolute path: a test may run the command with a PATH that lacks ip on purpose.
  const ipBin = which('ip') ?? 'ip'
  const nsExec = (ns: string, argv: string[], o: {env?: Record<string, string | undefined>; timeoutMs?: number} = {}) =>
    run([ipBin, 'netns', 'exec', ns, ...argv], o)
  const nsMust = (ns: string, argv: string[]) => must([ipBin, 'netns', 'exec', ns, ...argv])
  const children: ChildProcess[] = []

  const destroy = async (): Promise<void> => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM')
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL')
            r()
          }, 2000)
          c.once('exit', () => {
            clearTimeout(t)
            r()
          })
        })
      }
      liveChildren.delete(c)
    }
    for (const ns of [...vms.map((v) => v.ns), server, host]) {
      if (!liveNamespaces.has(ns)) continue
      await run(['ip', 'netns', 'delete', ns])
      liveNamespaces.delete(ns)
    }
  }

  const addNs = async (ns: string) => {
    await must(['ip', 'netns', 'add', ns])
    liveNamespaces.add(ns)
    await nsMust(ns, ['ip', 'link', 'set', 'lo', 'up'])
  }

  try {
    await addNs(host)
    await nsMust(host, ['ip', 'link', 'add', bridge, 'type', 'bridge'])
    await nsMust(host, ['ip', 'addr', 'add', '10.200.0.1/24', 'dev', bridge])
    await nsMust(host, ['ip', 'link', 'set', bridge, 'up'])
    for (const [i, vm] of vms.entries()) {
      await addNs(vm.ns)
      const hostEnd = `vm${i + 1}h`
      // Create the pair inside the host ns, then move the VM end into the VM ns.
      await nsMust(host, ['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm.ns])
      await nsMust(host, ['ip', 'link', 'set', hostEnd, 'master', bridge])
      await nsMust(host, ['ip', 'link', 'set', hostEnd, 'up'])
      await nsMust(vm.ns, ['ip', 'addr', 'add', `${vm.ip}/24`, 'dev', 'eth0'])
      await nsMust(vm.ns, ['ip', 'link', 'set', 'eth0', 'up'])
      await nsMust(vm.ns, ['ip', 'route', 'add', 'default', 'via', '10.200.0.1'])
    }
    await addNs(server)
    await nsMust(host, ['ip', 'link', 'add', 'srv0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', server])
    await nsMust(host, ['ip', 'addr', 'add', '10.201.0.1/24', 'dev', 'srv0'])
    await nsMust(host, ['ip', 'link', 'set', 'srv0', 'up'])
    await nsMust(server, ['ip', 'addr', 'add', '10.201.0.2/24', 'dev', 'eth0'])
    await nsMust(server, ['ip', 'link', 'set', 'eth0', 'up'])
    await nsMust(server, ['ip', 'route', 'add', 'default', 'via', '10.201.0.1'])
    // Forwarding inside the host namespace only (net.ipv4.* is per network namespace).
    await nsMust(host, ['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  } catch (err) {
    await destroy()
    throw err
  }

  const spawnNode = async (ns: string, script: string): Promise<{line: string; child: ChildProcess}> => {
    const started = await spawnNodeIn(ns, script)
    children.push(started.child)
    return started
  }

  return {
    host,
    bridge,
    bridgeAddress: '10.200.0.1',
    server,
    serverAddress: '10.201.0.2',
    vms,
    exec: nsExec,
    must: nsMust,
    spawnNode,
    destroy,
  }
}

/**
 * The built CLI in a private directory (bin/run.js + dist/, node_modules symlinked) so the
 * test runs BUILT output without touching the repo's dist/: a copy of the repo's dist/ when it is
 * up to date (copyBuiltDist), else compiled there. World-readable, so the CLI can also run as an
 * unprivileged user. `cleanup()` removes it.
 */
export async function buildCli(expect: string[]): Promise<{runJs: string; cleanup: () => void}> {
  const root = mkdtempSync('/tmp/netops-redirect-cli-')
  chmodSync(root, 0o755)
  mkdirSync(join(root, 'bin'))
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'))
  copyFileSync(join(REPO, 'bin/run.js'), join(root, 'bin/run.js'))
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
  const r = copyBuiltDist(root)
    ? {code: 0, stdout: '', stderr: ''}
    : await run(
        [
          process.execPath,
          join(REPO, 'node_modules/typescript/bin/tsc'),
          '-p',
          join(REPO, 'tsconfig.json'),
          '--outDir',
          join(root, 'dist'),
        ],
        {timeoutMs: 180_000},
      )
  for (const c of expect) {
    if (!existsSync(join(root, 'dist', `${c}.js`))) {
      rmSync(root, {recursive: true, force: true})
      throw new Error(`tsc did not emit dist/${c}.js (exit ${r.code}):\n${(r.stdout + r.stderr).slice(0, 2000)}`)
    }
  }
  return {runJs: join(root, 'bin/run.js'), cleanup: () => rmSync(root, {recursive: true, force: true})}
}

/** iptables-save without the comment lines (timestamps) and packet counters: comparable text. */
export function normaliseIptablesSave(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n')
}

/** nft list ruleset without counters: comparable text. */
export function normaliseNftRuleset(text: string): string {
  return text.replace(/counter packets \d+ bytes \d+/g, 'counter')
}

/** Start `node --import tsx -e script` inside the namespace; resolves with its first stdout line. */
export function spawnNodeIn(ns: string, script: string): Promise<{line: string; child: ChildProcess}> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    liveChildren.add(child)
    child.on('exit', () => liveChildren.delete(child))
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`node in ${ns} printed nothing within 30 s; stderr: ${err}`)), 30_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve({line: out.slice(0, nl), child})
      }
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`node in ${ns} exited ${code}: ${err}`))
    })
  })
}
