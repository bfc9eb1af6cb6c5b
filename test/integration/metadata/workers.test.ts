import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ensureBuilt, startServe, type ServeProcess} from '../../helpers/metadata-serve.js'

/**
 * `metadata serve --workers 2` through the built CLI: the primary and two worker processes on one
 * listening socket. Each VM gets its own data whichever worker answers, both workers answer, a reload
 * reaches both, a phone-home a worker acknowledged is in the primary's journal even when the whole
 * process group is killed right after, and SIGTERM drains everything and exits 0.
 */

const VMS = 24
const ipOf = (i: number) => `127.0.3.${10 + i}`

function inventoryYaml(generation: string): string {
  const lines = ['instances:']
  for (let i = 0; i < VMS; i++) lines.push(`  - {id: vm-${i}, ip: ${ipOf(i)}, hostname: ${generation}-${i}}`)
  return lines.join('\n') + '\n'
}

/** One request on a new connection (as cloud-init does) from `from`. */
function call(base: string, path: string, from: string, body?: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        localAddress: from,
        agent: false,
        headers: body === undefined ? {} : {'content-type': 'application/x-www-form-urlencoded'},
      },
      (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (data += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: data}))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function workerCounters(admin: string): Promise<Map<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    request(`${admin}/metrics`, (res) => {
      let d = ''
      res.on('data', (c: Buffer) => (d += c.toString()))
      res.on('end', () => resolve(d))
    })
      .on('error', reject)
      .end()
  })
  const out = new Map<string, number>()
  for (const m of text.matchAll(/^netops_metadata_worker_requests_total\{worker="(\d+)"\} (\d+)$/gm)) out.set(m[1]!, Number(m[2]))
  return out
}

/** Every VM asks `rounds` times (new connections, 8 at a time); each must get its own hostname. */
async function crawl(s: ServeProcess, generation: string, rounds: number): Promise<void> {
  const jobs: Array<() => Promise<void>> = []
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < VMS; i++)
      jobs.push(async () => {
        const got = await call(s.url, '/latest/meta-data/hostname', ipOf(i))
        assert.deepEqual(got, {status: 200, body: `${generation}-${i}`}, `VM ${i} from ${ipOf(i)}`)
        const id = await call(s.url, '/openstack/latest/meta_data.json', ipOf(i))
        assert.equal((JSON.parse(id.body) as {name: string}).name, `${generation}-${i}`)
      })
  const next = async (): Promise<void> => {
    const job = jobs.shift()
    if (job === undefined) return
    await job()
    return next()
  }
  await Promise.all(Array.from({length: 8}, next))
}

describe('metadata serve --workers 2', () => {
  let dir: string
  let inventory: string
  before(() => {
    ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'netops-workers-'))
    inventory = join(dir, 'vms.yaml')
    writeFileSync(inventory, inventoryYaml('gen1'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('each VM gets its own data from either worker, both answer, a SIGHUP reload reaches both, SIGTERM exits 0 and unlocks', async () => {
    const data = join(dir, 'data-term')
    const s = await startServe([
      ...['--listen', '127.0.0.1:0', '--workers', '2', '--inventory', inventory, '--no-watch'],
      ...['--data-dir', data, '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
    ])
    try {
      assert.ok(s.admin)
      await crawl(s, 'gen1', 4)
      await new Promise((r) => setTimeout(r, 100)) // the workers' last batches reach the primary
      const first = await workerCounters(s.admin)
      assert.equal(first.size, 2, `two workers counted: ${JSON.stringify([...first])}`)
      assert.equal(
        [...first.values()].reduce((a, b) => a + b, 0),
        VMS * 4 * 2,
      )
      for (const [w, n] of first) assert.ok(n > 0, `worker ${w} answered`)

      writeFileSync(inventory, inventoryYaml('gen2'))
      s.child.kill('SIGHUP')
      const deadline = Date.now() + 10_000
      while (!s.stderr().includes('"trigger":"SIGHUP","ok":true') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      // a VM that asked in the last 2 s finishes its crawl on the data it started with (crawl pinning)
      await new Promise((r) => setTimeout(r, 2200))
      await crawl(s, 'gen2', 2)
      await new Promise((r) => setTimeout(r, 100))
      const second = await workerCounters(s.admin)
      for (const [w, n] of second) assert.ok(n > (first.get(w) ?? 0), `worker ${w} answered after the reload`)
    } finally {
      assert.equal(await s.stop(), 0, s.stderr())
    }
    assert.equal(existsSync(join(data, 'lock')), false, 'no lock file left')
    assert.match(s.stderr(), /served \d+ requests/)
  })

  test('a phone-home acknowledged by a worker is in the journal after SIGKILL of the whole process group', async () => {
    writeFileSync(inventory, inventoryYaml('gen1'))
    const data = join(dir, 'data-kill')
    const s = await startServe(
      [
        ...['--listen', '127.0.0.1:0', '--workers', '2', '--inventory', inventory, '--no-watch', '--phone-home'],
        ...['--data-dir', data, '--admin-listen', 'off', '--cloudstack-password-port', 'off'],
      ],
      {},
      {detached: true},
    )
    const exited = new Promise((r) => s.child.on('exit', r))
    const acked: number[] = []
    try {
      await Promise.all(
        Array.from({length: 6}, async (_, i) => {
          const r = await call(s.url, `/phone-home/vm-${i}`, ipOf(i), `instance_id=vm-${i}&hostname=gen1-${i}`)
          assert.equal(r.status, 200, r.body)
          acked.push(i)
        }),
      )
    } finally {
      process.kill(-s.child.pid!, 'SIGKILL') // at once: no time for any timer-driven flush
      await exited
    }
    const journal = readFileSync(join(data, 'progress.jsonl'), 'utf8')
    for (const i of acked) assert.match(journal, new RegExp(`"id":"vm-${i}","step":"done"`), `vm-${i} done in the journal:\n${journal}`)
    assert.equal(acked.length, 6)
  })
})
