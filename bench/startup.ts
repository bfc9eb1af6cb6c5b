/**
 * npm run bench:startup — how long the built CLI takes to start, as whole processes, on Node 20 (the
 * node running this script) and on Node 24 LTS (scripts/node24.sh installs it from the npm registry).
 *
 * Each case is spawned BENCH_WARMUP times (default 2, not counted), then BENCH_RUNS times (default 15),
 * one at a time; min / median / max wall time from spawn to exit, and the median's ratio to the floor
 * (`node -e 0` on the same Node). Cases: the floor, `netops --help`, three command helps, and the time
 * from spawn to the first SSH byte of `netops switch diagnose` against a lab switch: the lab runs in this
 * process behind a small TCP relay that timestamps the first byte the CLI sends (its SSH identification
 * string); the diagnose then runs to its end, and its whole wall time is shown too. One row for context
 * only: `require('@oclif/core')` alone, the share of start-up that comes with oclif itself.
 *
 * Targets (issue 9): every `--help` and the first SSH byte within 2x of the floor, on both Node versions.
 * BENCH_NODE24=0 skips Node 24 (no download).
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createConnection, createServer, type AddressInfo, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {startLabSwitch, type LabSwitch} from '../src/lab/switch/index.js'
import {f2, ok, table} from './report.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RUN = join(REPO, 'bin/run.js')
const RUNS = Number(process.env['BENCH_RUNS'] ?? 15)
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2)
const WITH_NODE24 = process.env['BENCH_NODE24'] !== '0'
const TARGET_RATIO = 2

interface Case {
  name: string
  argv: string[]
  /** Measure spawn → first SSH byte instead of spawn → exit. */
  ssh?: boolean
  /** Shown for context, not a target. */
  info?: boolean
}

interface Sample {
  wall: number
  firstByte?: number
}

interface Stats {
  min: number
  median: number
  max: number
}

/** A TCP relay in front of the lab switch that timestamps the first byte each client connection sends. */
interface Relay {
  port: number
  /** Resolves with performance.now() of the next client's first byte. */
  nextFirstByte(): Promise<number>
  close(): Promise<void>
}

async function startRelay(target: {host: string; port: number}): Promise<Relay> {
  let waiting: ((t: number) => void) | undefined
  const server: Server = createServer((client) => {
    const upstream = createConnection({host: target.host, port: target.port})
    client.once('data', () => {
      const t = performance.now()
      waiting?.(t)
      waiting = undefined
    })
    client.pipe(upstream).pipe(client)
    // the CLI exiting ends the pair: nothing is left half-open to hold the lab (or this relay) open
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    nextFirstByte: () => new Promise<number>((resolve) => (waiting = resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function once(node: string, c: Case, env: NodeJS.ProcessEnv, relay: Relay | undefined): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const firstByte = c.ssh && relay ? relay.nextFirstByte() : undefined
    const t0 = performance.now()
    const child = spawn(node, c.argv, {stdio: ['ignore', 'ignore', 'pipe'], env, cwd: REPO})
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const wall = performance.now() - t0
      if (code !== 0) {
        reject(new Error(`${c.name} exited ${code}: ${err.trim()}`))
        return
      }
      if (!firstByte) {
        resolve({wall})
        return
      }
      // the first byte arrived long before the exit; a diagnose that never sent one failed above
      void firstByte.then((t) => resolve({wall, firstByte: t - t0}))
    })
  })
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return {min: s[0]!, median, max: s[s.length - 1]!}
}

const ms = (n: number) => `${Math.round(n)} ms`

function node24(): string | undefined {
  if (!WITH_NODE24) return undefined
  const r = spawnSync('bash', [join(REPO, 'scripts/node24.sh')], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  if (r.status !== 0) throw new Error('scripts/node24.sh failed')
  return r.stdout.trim()
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netops-bench-startup-'))
  let lab: LabSwitch | undefined
  let relay: Relay | undefined
  try {
    lab = await startLabSwitch({timeScale: 0.01})
    relay = await startRelay(lab)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      XDG_CONFIG_HOME: dir,
      NETOPS_SSH_CONFIG: '',
      NETOPS_PASSWORD: lab.password,
      NETOPS_ENABLE_PASSWORD: lab.enablePassword,
    }
    delete env['SSH_AUTH_SOCK']
    delete env['NODE_OPTIONS']
    const cases: Case[] = [
      {name: 'node -e 0 (floor)', argv: ['-e', '0']},
      // what loading @oclif/core alone costs (no config, no command): the part of any oclif CLI's start-up netops cannot shed
      {
        name: 'node + require @oclif/core',
        argv: ['-e', "process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'; require('@oclif/core')"],
        info: true,
      },
      {name: 'netops --help', argv: [RUN, '--help']},
      {name: 'netops switch diagnose --help', argv: [RUN, 'switch', 'diagnose', '--help']},
      {name: 'netops metadata serve --help', argv: [RUN, 'metadata', 'serve', '--help']},
      {name: 'netops ovs stp on --help', argv: [RUN, 'ovs', 'stp', 'on', '--help']},
      {
        name: 'switch diagnose: first SSH byte',
        ssh: true,
        argv: [RUN, 'switch', 'diagnose', '--host', '127.0.0.1', '--ssh-port', String(relay.port)].concat([
          '--username',
          lab.username,
          '--host-key-policy',
          'off',
          '--port',
          '19',
          '--json',
        ]),
      },
    ]
    const nodes: Array<{label: string; path: string}> = [{label: `Node ${process.version}`, path: process.execPath}]
    const n24 = node24()
    if (n24) {
      const v = spawnSync(n24, ['--version'], {encoding: 'utf8'}).stdout.trim()
      nodes.push({label: `Node ${v}`, path: n24})
    }

    console.log(`netops start-up: ${RUNS} runs per case after ${WARMUP} warm-up runs, one process at a time; wall time spawn → exit`)
    const targets: string[][] = [['target', 'measured', '']]
    for (const n of nodes) {
      const rows: string[][] = [['case', 'min', 'median', 'max', 'x floor']]
      let floor = NaN
      for (const c of cases) {
        for (let i = 0; i < WARMUP; i++) await once(n.path, c, env, relay)
        const samples: Sample[] = []
        for (let i = 0; i < RUNS; i++) samples.push(await once(n.path, c, env, relay))
        const s = stats(samples.map((x) => x.firstByte ?? x.wall))
        if (Number.isNaN(floor)) floor = s.median
        const ratio = s.median / floor
        rows.push([c.name, ms(s.min), ms(s.median), ms(s.max), f2(ratio)])
        if (c.ssh) {
          const w = stats(samples.map((x) => x.wall))
          rows.push(['switch diagnose: whole run', ms(w.min), ms(w.median), ms(w.max), f2(w.median / floor)])
        }
        if (c !== cases[0] && !c.info)
          targets.push([`${n.label}: ${c.name} ≤ ${TARGET_RATIO}x floor`, `${f2(ratio)}x`, ok(ratio <= TARGET_RATIO)])
      }
      console.log(`\n${n.label} (${n.path})`)
      console.log(table(rows))
    }
    console.log('\ntargets')
    console.log(table(targets))
  } finally {
    await relay?.close()
    await lab?.close()
    rmSync(dir, {recursive: true, force: true})
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
