/**
 * npm run bench:switch — netops diagnose + fix-loop against 1, 50 and 200 lab switches in parallel,
 * side by side with Netmiko running the same show / config / save sequence against the same
 * simulator (a fresh fleet for each run, in its own process). Prints per-device latency and totals.
 *
 * Targets (issue 2): at least 5x faster than Netmiko per device; 200 switches in under 10 s.
 * BENCH_SIZES=1,50 to run fewer sizes.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {SwitchDevice} from '../src/switch/device.js'
import {diagnose} from '../src/switch/diagnose.js'
import {fixLoop} from '../src/switch/fix-loop.js'
import {runMany} from '../src/util/run-many.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const PY = '/usr/bin/python3'

interface Fleet {
  proc: ChildProcess
  switches: Array<{host: string; port: number}>
  password: string
  enablePassword: string
}

function startFleet(count: number): Promise<Fleet> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(REPO, 'bin/run.js'), 'lab', 'switch', '--count', String(count), '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      let info: {switches: Array<{host: string; port: number}>; password: string; enablePassword: string; error?: {message: string}}
      try {
        info = JSON.parse(out) as typeof info
      } catch {
        return // not complete yet
      }
      if (info.error) reject(new Error(`lab fleet: ${info.error.message}`))
      else resolve({proc, switches: info.switches, password: info.password, enablePassword: info.enablePassword})
    })
    proc.on('exit', (code) => reject(new Error(`lab fleet exited with ${code}`)))
  })
}

async function stopFleet(f: Fleet): Promise<void> {
  await new Promise<void>((resolve) => {
    f.proc.once('exit', () => resolve())
    f.proc.kill('SIGTERM')
  })
}

function stats(xs: number[]): {p50: number; p95: number; max: number} {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
  return {p50: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? NaN}
}

function procCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return NaN
  }
}

interface RunResult {
  per: number[]
  total: number
  failed: number
  errors: string[]
  cpu: number
}

async function runNetops(f: Fleet, dir: string): Promise<RunResult> {
  const per: number[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const open = (s: {host: string; port: number}) =>
    SwitchDevice.open({
      target: {
        host: s.host,
        port: s.port,
        username: 'admin',
        password: f.password,
        knownHostsFile: join(dir, 'known_hosts'),
        hostKeyPolicy: 'off',
        sshConfigFile: null,
        timeoutMs: 60_000,
      },
      enablePassword: f.enablePassword,
      platform: 'auto',
      timeoutMs: 60_000,
    })
  const results = await runMany(
    f.switches.map((s) => String(s.port)),
    f.switches.length,
    async (_t, i) => {
      const s = f.switches[i] as {host: string; port: number}
      const started = performance.now()
      // `netops switch diagnose --port 19`
      const a = await open(s)
      try {
        diagnose(await a.readPort('19'), a.platform)
      } finally {
        await a.close()
      }
      // `netops switch fix-loop --port 19 --yes --save`
      const b = await open(s)
      try {
        const r = await fixLoop(b, {
          port: '19',
          intervalSeconds: 300,
          dryRun: false,
          bounce: false,
          save: true,
          wait: false,
          waitTimeoutMs: 0,
          pollIntervalMs: 1000,
          confirm: () => Promise.resolve(true),
        })
        if (!r.verified || r.applied.length !== 4) throw new Error(`unexpected result: ${JSON.stringify(r.applied)}`)
      } finally {
        await b.close()
      }
      per.push((performance.now() - started) / 1000)
    },
  )
  const failed = results.filter((r) => !r.ok)
  const c = process.cpuUsage(cpu0)
  return {
    per,
    total: (performance.now() - t0) / 1000,
    failed: failed.length,
    errors: failed.slice(0, 3).map((r) => (r.ok ? '' : r.error.message)),
    cpu: (c.user + c.system) / 1e6,
  }
}

function runNetmiko(f: Fleet, workers: number): RunResult {
  const r = spawnSync(PY, [join(REPO, 'bench/netmiko_peer.py'), JSON.stringify(f.switches), String(workers)], {
    env: {...process.env, LAB_PASSWORD: f.password, LAB_SECRET: f.enablePassword},
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`netmiko peer failed (${r.status}): ${r.stderr.slice(-2000)}`)
  const j = JSON.parse(r.stdout) as {perDevice: number[]; totalSeconds: number; failed: number; errors: string[]; cpuSeconds: number}
  return {per: j.perDevice, total: j.totalSeconds, failed: j.failed, errors: j.errors, cpu: j.cpuSeconds}
}

const check = spawnSync(PY, ['-c', 'import netmiko; print(netmiko.__version__)'], {encoding: 'utf8'})
if (check.status !== 0) {
  console.error('Netmiko is missing: run scripts/install-test-deps.sh (Debian python3-netmiko)')
  process.exit(13)
}
const sizes = (process.env.BENCH_SIZES ?? '1,50,200').split(',').map(Number)
const dir = mkdtempSync(join(tmpdir(), 'netops-bench-'))
const f3 = (n: number) => n.toFixed(3)
console.log(
  `bench:switch — per switch: diagnose (1 login, 7 shows) then fix-loop (1 login, 7 shows, 4 config lines, save, 6 shows read-back)`,
)
console.log(
  `peer: Netmiko ${check.stdout.trim()} (Debian 12), fast_cli=True, the same commands, netmiko/N = N worker threads; node ${process.version}; fleet of lab switches in its own process`,
)
console.log('')
console.log('switches  tool         per-device p50     p95      max    total     ok/failed   client CPU  fleet CPU')
const rows: string[] = []
for (const n of sizes) {
  // Netmiko with one thread per switch, and (above 20 switches) with Nornir's default of 20 workers.
  const tools: Array<[string, number]> = [
    ['netops', n],
    ['netmiko', n],
  ]
  if (n > 20) tools.push(['netmiko', 20])
  const out: Array<[string, RunResult, number]> = []
  for (const [tool, workers] of tools) {
    const fleet = await startFleet(n)
    const c0 = procCpuSeconds(fleet.proc.pid)
    const r = tool === 'netops' ? await runNetops(fleet, dir) : runNetmiko(fleet, workers)
    const fleetCpu = procCpuSeconds(fleet.proc.pid) - c0
    await stopFleet(fleet)
    out.push([tool === 'netops' ? 'netops' : `netmiko/${workers}`, r, fleetCpu])
  }
  for (const [tool, r, fleetCpu] of out) {
    const s = stats(r.per)
    console.log(
      `${String(n).padEnd(9)} ${tool.padEnd(11)} ${f3(s.p50).padStart(8)} s ${f3(s.p95).padStart(8)} ${f3(s.max).padStart(8)} ${f3(r.total).padStart(8)} s ` +
        `${`${r.per.length}/${r.failed}`.padStart(9)}   ${f3(r.cpu).padStart(8)} s ${f3(fleetCpu).padStart(8)} s`,
    )
    for (const e of r.errors.slice(0, 1)) console.log(`  ${tool} error: ${e}`)
  }
  const a = (out[0] as [string, RunResult, number])[1]
  for (const [tool, b] of out.slice(1)) {
    rows.push(
      `${n} switches, ${tool}: netops ${f3(stats(a.per).p50)} s vs ${f3(stats(b.per).p50)} s per device (p50) = ${(stats(b.per).p50 / stats(a.per).p50).toFixed(1)}x; ` +
        `total ${f3(a.total)} s vs ${f3(b.total)} s = ${(b.total / a.total).toFixed(1)}x` +
        (b.failed ? ` (Netmiko: ${b.failed} of ${n} failed)` : ''),
    )
  }
}
console.log('')
for (const r of rows) console.log(r)
rmSync(dir, {recursive: true, force: true})
