/**
 * Live inventory: the file is rewritten (and once broken) while many VMs crawl. No request may
 * fail and no crawl may mix two versions of the inventory; an invalid file is refused with
 * file:line:column and the last good inventory keeps serving.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {renameSync, writeFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {stringify} from 'yaml'
import {startMetadataServer, type ReloadResult, type StartedMetadataServer} from '../../../src/metadata/index.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'
import {ensureBuilt, startServe} from '../../helpers/metadata-serve.js'

const VMS = 40
const ip = (i: number) => `127.2.0.${i + 1}`

function inventoryText(gen: number): string {
  return stringify({
    instances: Array.from({length: VMS}, (_, i) => ({
      id: `vm-${i}`,
      ip: ip(i),
      hostname: `vm-${i}-g${gen}`,
      meta_data: {generation: gen},
      user_data: `#cloud-config\n# generation ${gen}\n`,
    })),
  })
}

describe('live inventory reload', () => {
  const t = tempDir('netops-reload-')
  let path = ''
  let server: StartedMetadataServer
  const reloads: ReloadResult[] = []
  /** Write like an editor / config management: a temp file renamed over the inventory. */
  const write = (text: string) => {
    writeFileSync(`${path}.tmp`, text)
    renameSync(`${path}.tmp`, path)
  }

  before(async () => {
    path = t.write('inventory.yaml', inventoryText(0))
    server = await startMetadataServer({
      inventory: path,
      host: '127.0.0.1',
      port: 0,
      watch: true,
      watchDebounceMs: 50,
      pinIdleMs: 1500,
      onReload: (r) => reloads.push(r),
    })
  })
  after(async () => {
    await server.close()
    t.cleanup()
  })

  test('edits while 40 VMs crawl: every request succeeds and every crawl sees one generation only', async () => {
    let stop = false
    const seen = new Set<number>()
    let crawls = 0
    const crawler = async (i: number) => {
      await sleep(i * 40) // staggered boots
      while (!stop) {
        // the EC2 and NoCloud documents cloud-init reads, hostname and user-data from both
        const gens: number[] = []
        for (const p of [
          '/2021-03-23/meta-data/hostname',
          '/2021-03-23/meta-data/instance-id',
          '/2021-03-23/user-data',
          '/nocloud/meta-data',
          '/nocloud/user-data',
          '/openstack/latest/meta_data.json',
        ]) {
          const r = await httpGet(server.url + p, {from: ip(i)})
          assert.equal(r.status, 200, `${p} for vm-${i}: ${r.status}`)
          for (const m of r.body.matchAll(/(?:-g|generation[": ]+)(\d+)/g)) gens.push(Number(m[1]))
        }
        assert.ok(gens.length >= 4, `generation markers found: ${gens.join(',')}`)
        assert.equal(new Set(gens).size, 1, `vm-${i} crawl mixed generations ${gens.join(',')}`)
        seen.add(gens[0]!)
        crawls++
        await sleep(1550 + Math.random() * 300) // idle longer than pinIdleMs: the next crawl may move on
      }
    }
    const crawlers = Array.from({length: VMS}, (_, i) =>
      crawler(i).catch((err: unknown) => {
        stop = true // one failure ends the run (and fails the test below)
        throw err
      }),
    )
    const settled = Promise.allSettled(crawlers)
    for (let gen = 1; gen <= 6 && !stop; gen++) {
      await sleep(300)
      write(inventoryText(gen))
    }
    await sleep(2000)
    stop = true
    for (const r of await settled) if (r.status === 'rejected') throw r.reason
    const ok = reloads.filter((r) => r.ok)
    assert.ok(ok.length >= 3, `reloads happened (${ok.length})`)
    assert.ok(seen.size >= 3, `crawls saw several generations (${[...seen].join(',')}) over ${crawls} crawls`)
    assert.ok(seen.has(6), 'the last generation is served in the end')
    const last = await httpGet(`${server.url}/latest/meta-data/hostname`, {from: ip(0)})
    assert.equal(last.body, 'vm-0-g6')
  })

  test('an invalid inventory is refused with file:line:column; the last good one keeps serving; the result is reported', async () => {
    reloads.length = 0
    write(inventoryText(7).replace('ip: 127.2.0.3', 'ip: 127.2.0.300'))
    const deadline = Date.now() + 5000
    while (reloads.length === 0 && Date.now() < deadline) await sleep(20)
    const r = reloads[0]
    assert.ok(r, 'a reload was attempted')
    assert.equal(r.ok, false)
    assert.equal(r.trigger, 'watch')
    assert.match(r.error ?? '', /inventory\.yaml:\d+:\d+: /)
    assert.equal(r.issues?.[0]?.line !== undefined, true)
    assert.equal(r.instances, VMS)
    const still = await httpGet(`${server.url}/latest/meta-data/hostname`, {from: ip(0)})
    assert.equal(still.body, 'vm-0-g6')
    assert.equal(server.metrics.reloadsFailed, 1)
    // fixed again: served
    const fixed = await server.reload('SIGHUP')
    assert.equal(fixed.ok, false, 'the file on disk is still the bad one')
    write(inventoryText(8))
    const deadline2 = Date.now() + 5000
    while (!reloads.some((x) => x.ok) && Date.now() < deadline2) await sleep(20)
    await sleep(1600) // vm-0's last crawl ended more than pinIdleMs ago: its next request starts on the new snapshot
    assert.equal((await httpGet(`${server.url}/latest/meta-data/hostname`, {from: ip(0)})).body, 'vm-0-g8')
  })
})

describe('metadata serve reload (built CLI)', () => {
  const t = tempDir('netops-reload-cli-')
  before(() => ensureBuilt())
  after(() => t.cleanup())

  test('SIGHUP and file changes reload; each reload is a JSON log line; a bad file is refused with file:line:column', async () => {
    const path = t.write('vms.yaml', inventoryText(1))
    const s = await startServe([
      '--inventory',
      path,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--data-dir',
      'none',
      '--cloudstack-password-port',
      'off',
    ])
    try {
      const waitFor = async (re: RegExp) => {
        const deadline = Date.now() + 5000
        while (!re.test(s.stderr()) && Date.now() < deadline) await sleep(25)
        assert.match(s.stderr(), re)
      }
      writeFileSync(path, inventoryText(2))
      await waitFor(/"event":"reload","trigger":"watch","ok":true/)
      assert.equal((await httpGet(`${s.url}/latest/meta-data/hostname`, {from: ip(1)})).body, 'vm-1-g2')
      writeFileSync(path, 'instances:\n  - id: a\n    ip: 10.0.0.300\n')
      await waitFor(/"ok":false/)
      // the JSON line and the warning are two writes to stderr: they may arrive apart
      await waitFor(/inventory refused, still serving the previous 40 instances:\n[^\n]*\n[^\n]*vms\.yaml:3:\d+: ip `10\.0\.0\.300`/)
      assert.equal((await httpGet(`${s.url}/latest/meta-data/hostname`, {from: ip(1)})).body, 'vm-1-g2')
      s.child.kill('SIGHUP')
      await waitFor(/"trigger":"SIGHUP","ok":false/)
      const health = JSON.parse((await httpGet(`${s.admin}/healthz`)).body) as {reloads: {ok: number; failed: number}}
      assert.equal(health.reloads.ok, 1)
      assert.equal(health.reloads.failed, 2)
    } finally {
      assert.equal(await s.stop(), 0)
    }
  })
})
