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

function flood(port: number, from: string): {stop: () => Promise<number>} {
  const child = spawn(process.execPath, ['-e', FLOOD_SCRIPT, String(port), from, String(FLOOD_CONNECTIONS), String(PIPELINE)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let last = 0
  child.stdout.on('data', (d: Buffer) => (last = Number(d.toString().trim().split('\n').pop())))
  const exited = new Promise((r) => child.on('exit', r))
  return {
    stop: async () => {
      child.kill()
      await exited
      return last
    },
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!

// Not fixed yet (issue 11): node:http parses every pipelined request of a read and only stops reading a
// connection once its answers back up, so answering a flood later (per-address turns) takes that brake
// away and the waiting requests grow without bound; measured: no limit → the VM's first request waits
// 5.2 s (or times out at 10 s); per-address turns of 32 → p50 13 ms but the first request 2 s and an
// unbounded queue; per-connection turns of 128 → p50 350 ms, max 2.7 s.
test("one address's pipelined flood does not starve another VM's crawl (p99 under 1 s)", async () => {
  const s = await startMetadataServer({inventory: sampleInventory()})
  const f = flood(s.port, '127.0.0.23')
  try {
    await new Promise((r) => setTimeout(r, 500)) // the flood is under way
    const paths = ['/latest/meta-data/', '/latest/meta-data/instance-id', '/latest/meta-data/hostname', '/latest/user-data']
    const ms: number[] = []
    const until = Date.now() + 4000
    for (let i = 0; Date.now() < until; i++) {
      const t0 = performance.now()
      const r = await httpGet(`${s.url}${paths[i % paths.length]!}`, {from: '127.0.0.24'})
      ms.push(performance.now() - t0)
      assert.equal(r.status, 200)
    }
    const flooded = await f.stop()
    const p50 = percentile(ms, 50)
    const p99 = percentile(ms, 99)
    const max = Math.max(...ms)
    console.log(
      `fairness: VM ${ms.length} requests in 4 s: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; flood answered ${flooded}`,
    )
    assert.ok(flooded > 0, `the flood is answered too (${flooded})`)
    assert.ok(p99 < 1000, `p99 ${p99.toFixed(1)} ms`)
  } finally {
    await f.stop()
    await s.close()
  }
})
