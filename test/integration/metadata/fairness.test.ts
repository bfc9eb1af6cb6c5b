import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {startMetadataServer} from '../../../src/metadata/index.js'
import {httpGet, sampleInventory} from '../../helpers/metadata.js'

/**
 * Per-client fairness: one address floods pipelined requests over several connections (reading its
 * answers, so node:http never stops reading it) while another VM crawls; the crawl's latency stays bounded.
 */
const FLOOD_CONNECTIONS = 16
const PIPELINE = 4000

/** The flood runs in a child process (its own CPU time is not counted as the server's): CONNECTIONS connections from FROM, each keeping PIPELINE requests in flight and reading the answers. */
const FLOOD_SCRIPT = `
const {connect} = require('node:net')
const [port, from, conns, pipeline] = process.argv.slice(1).map((v, i) => (i === 1 ? v : Number(v)))
const batch = 'GET /latest/meta-data/instance-id HTTP/1.1\\r\\nHost: 169.254.169.254\\r\\n\\r\\n'.repeat(pipeline)
let answered = 0
for (let c = 0; c < conns; c++) {
  const sock = connect({port, host: '127.0.0.1', localAddress: from})
  sock.on('error', () => undefined)
  let pending = 0
  const refill = () => { while (pending < pipeline) { sock.write(batch); pending += pipeline } }
  sock.on('connect', refill)
  sock.on('data', (d) => {
    let n = 0
    for (let i = d.indexOf('HTTP/1.1 '); i >= 0; i = d.indexOf('HTTP/1.1 ', i + 1)) n++
    answered += n
    pending -= n
    if (pending < pipeline / 2) refill()
  })
}
setInterval(() => process.stdout.write(answered + '\\n'), 200)
`

function flood(port: number, from: string): {answered: () => number; stop: () => Promise<number>} {
  const child = spawn(process.execPath, ['-e', FLOOD_SCRIPT, String(port), from, String(FLOOD_CONNECTIONS), String(PIPELINE)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let last = 0
  child.stdout.on('data', (d: Buffer) => (last = Number(d.toString().trim().split('\n').pop())))
  const exited = new Promise((r) => child.on('exit', r))
  return {
    answered: () => last,
    stop: async () => {
      child.kill()
      await exited
      return last
    },
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!

// Measured on 2 cores shared with other work (load average 13): first request 30-220 ms, p50 110-155 ms,
// p99 340-360 ms, the flood answered 12-18 thousand times in 4 s. Before (no fairness): one VM request in
// 4 s, waiting 5-10 s (the flood answered 117 thousand times). The bounds leave 3x room and more.
const FIRST_MS = 2000
const P50_MS = 500
const P99_MS = 1500

test("one address's pipelined flood does not starve another VM's crawl (p99 under 1.5 s on a busy machine)", async () => {
  const s = await startMetadataServer({inventory: sampleInventory()})
  const f = flood(s.port, '127.0.0.23')
  try {
    // the flood is under way: its connections are open and were read (node:http parses a whole read of
    // pipelined requests at once, ~1,300 per connection: a one-time cost bounded by --max-connections-per-client)
    for (let waited = 0; f.answered() === 0 && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 300))
    const paths = ['/latest/meta-data/', '/latest/meta-data/instance-id', '/latest/meta-data/hostname', '/latest/user-data']
    const ms: number[] = []
    const until = Date.now() + 4000
    let midway = 0
    for (let i = 0; Date.now() < until; i++) {
      const t0 = performance.now()
      const r = await httpGet(`${s.url}${paths[i % paths.length]!}`, {from: '127.0.0.24'})
      ms.push(performance.now() - t0)
      assert.equal(r.status, 200)
      if (i === 0) midway = f.answered()
    }
    const flooded = await f.stop()
    const first = ms[0]!
    const p50 = percentile(ms, 50)
    const p99 = percentile(ms, 99)
    const max = Math.max(...ms)
    console.log(
      `fairness: VM ${ms.length} requests in 4 s: first ${first.toFixed(1)} ms, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; flood answered ${midway} then ${flooded}`,
    )
    assert.ok(flooded > midway, `the flood is answered too, all along (${midway} → ${flooded})`)
    assert.ok(first < FIRST_MS, `first request ${first.toFixed(1)} ms`)
    assert.ok(p50 < P50_MS, `p50 ${p50.toFixed(1)} ms`)
    assert.ok(p99 < P99_MS, `p99 ${p99.toFixed(1)} ms`)
  } finally {
    await f.stop()
    await s.close()
  }
})
