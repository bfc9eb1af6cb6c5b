/**
 * node --import tsx bench/phone-home.ts — phone-home throughput of the metadata server with durable
 * acknowledgements (journal written and fdatasync'd before the 200, one fdatasync per group of callbacks)
 * beside the same server that only writes the journal (no fsync) and one without a journal.
 *
 * BENCH_PH_VMS (default 2,000) VMs, each from its own 127.x address, POST /phone-home/<id> on a new
 * connection (as cloud-init does), BENCH_PH_CONCURRENCY (default 64) at a time; the server runs in this
 * process (the three rows share the same client overhead). Each row is the median of BENCH_PH_ROUNDS
 * (default 3) rounds, the modes interleaved.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startMetadataServer} from '../src/metadata/start.js'
import {f2, table} from './report.js'

const VMS = Number(process.env['BENCH_PH_VMS'] ?? 2000)
const CONCURRENCY = Number(process.env['BENCH_PH_CONCURRENCY'] ?? 64)
const ROUNDS = Number(process.env['BENCH_PH_ROUNDS'] ?? 3)
const ipOf = (i: number) => `127.0.${60 + Math.floor(i / 200)}.${10 + (i % 200)}`

function phoneHome(base: string, i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/phone-home/vm-${i}`,
      {method: 'POST', localAddress: ipOf(i), agent: false, headers: {'content-type': 'application/x-www-form-urlencoded'}},
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(`instance_id=vm-${i}`)
  })
}

type Mode = 'group commit (fdatasync)' | 'written, no fsync' | 'no journal'

async function run(mode: Mode): Promise<{mode: Mode; perSecond: number; p99: number; syncs: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'netops-ph-bench-'))
  const instances = Array.from({length: VMS}, (_, i) => ({id: `vm-${i}`, ip: ipOf(i), hostname: `h-${i}`}))
  const s = await startMetadataServer({inventory: {instances}, phoneHome: true, ...(mode === 'no journal' ? {} : {dataDir: dir})})
  if (mode === 'written, no fsync')
    s.progress.commit = () => {
      s.progress.flush()
      return Promise.resolve()
    }
  const times: number[] = []
  const queue = Array.from({length: VMS}, (_, i) => i)
  const next = async (): Promise<void> => {
    const i = queue.shift()
    if (i === undefined) return
    const t0 = performance.now()
    const status = await phoneHome(s.url, i)
    if (status !== 200) throw new Error(`vm-${i}: ${status}`)
    times.push(performance.now() - t0)
    return next()
  }
  const start = performance.now()
  await Promise.all(Array.from({length: CONCURRENCY}, next))
  const seconds = (performance.now() - start) / 1000
  const syncs = (s.progress as unknown as {journal?: {syncs: number}}).journal?.syncs
  await s.close()
  rmSync(dir, {recursive: true, force: true})
  times.sort((a, b) => a - b)
  return {
    mode,
    perSecond: VMS / seconds,
    p99: times[Math.floor(times.length * 0.99)] ?? 0,
    syncs: syncs === undefined ? '-' : String(syncs),
  }
}

const MODES = ['no journal', 'written, no fsync', 'group commit (fdatasync)'] as const
const runs: Array<Awaited<ReturnType<typeof run>>> = []
await run('no journal') // warm-up (JIT), not counted
for (let round = 0; round < ROUNDS; round++) for (const mode of MODES) runs.push(await run(mode))
// per mode, the run with the median throughput
const rows = MODES.map((mode) => {
  const mine = runs.filter((r) => r.mode === mode).sort((a, b) => a.perSecond - b.perSecond)
  return mine[Math.floor(mine.length / 2)]!
})
console.log(`phone-home: ${VMS} VMs, ${CONCURRENCY} at a time, a new connection each; median of ${ROUNDS} rounds`)
console.log(
  table([['journal', 'phone-homes/s', 'p99 ms', 'fdatasyncs'], ...rows.map((r) => [r.mode, r.perSecond.toFixed(0), f2(r.p99), r.syncs])]),
)
