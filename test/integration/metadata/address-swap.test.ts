/**
 * Identity follows the address at once: two VMs swap addresses in a reload while both keep asking
 * without pause (so crawl pinning would hold them). From the moment the reload returns, every answer
 * at an address is its new owner's: no request ever gets the old owner's documents.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {stringify} from 'yaml'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/index.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'

const A = '127.2.9.1'
const B = '127.2.9.2'
const inventoryText = (waf01ip: string, waf02ip: string) =>
  stringify({
    instances: [
      {id: 'waf-01', ip: waf01ip, hostname: 'waf-01', user_data: '#cloud-config\n# secret of waf-01\n'},
      {id: 'waf-02', ip: waf02ip, hostname: 'waf-02', user_data: '#cloud-config\n# secret of waf-02\n'},
      {id: 'ips-01', ip: '127.2.9.3', hostname: 'ips-01'},
    ],
  })

describe('an address changes owner in a reload', () => {
  const t = tempDir('netops-swap-')
  let path = ''
  let server: StartedMetadataServer

  before(async () => {
    path = t.write('inventory.yaml', inventoryText(A, B))
    server = await startMetadataServer({inventory: path, host: '127.0.0.1', port: 0, pinIdleMs: 2000, pinMaxMs: 60_000})
  })
  after(async () => {
    await server.close()
    t.cleanup()
  })

  test('waf-01 ↔ waf-02 swap under continuous requests: after the reload the new owner never gets the old owner’s documents', async () => {
    let stop = false
    let swappedAt = Infinity // performance.now() when the reload returned
    const wrong: string[] = []
    let after = 0
    const owner = (ip: string, t: number) => (t < swappedAt ? (ip === A ? 'waf-01' : 'waf-02') : ip === A ? 'waf-02' : 'waf-01')
    const crawler = async (ip: string) => {
      while (!stop) {
        for (const p of ['/latest/meta-data/instance-id', '/latest/user-data', '/nocloud/meta-data', '/openstack/latest/meta_data.json']) {
          const started = performance.now()
          const r = await httpGet(server.url + p, {from: ip})
          assert.equal(r.status, 200, `${p} from ${ip}: ${r.status}`)
          if (started < swappedAt) continue // asked before the reload returned: either owner is right
          after++
          const want = owner(ip, started)
          const other = want === 'waf-01' ? 'waf-02' : 'waf-01'
          if (r.body.includes(other) || !r.body.includes(want)) wrong.push(`${ip} ${p}: ${r.body.slice(0, 80)}`)
        }
      }
    }
    const crawlers = [crawler(A), crawler(B)]
    await sleep(300) // both are mid-crawl, pinned to the first snapshot
    writeFileSync(path, inventoryText(B, A))
    const r = await server.reload('api')
    assert.equal(r.ok, true, r.error)
    swappedAt = performance.now()
    await sleep(800) // well inside the pin idle (2 s) and max (60 s) times
    stop = true
    await Promise.all(crawlers)
    assert.ok(after > 20, `requests after the swap: ${after}`)
    assert.deepEqual(wrong, [])
  })

  test('an address removed in a reload is an unknown requester at once, even mid-crawl', async () => {
    let stop = false
    const crawler = async () => {
      while (!stop) await httpGet(`${server.url}/latest/meta-data/instance-id`, {from: '127.2.9.3'})
    }
    const c = crawler()
    await sleep(200)
    writeFileSync(path, inventoryText(B, A).replace(/- id: ips-01[\s\S]*$/, ''))
    const r = await server.reload('api')
    assert.equal(r.ok, true, r.error)
    const now = await httpGet(`${server.url}/latest/meta-data/instance-id`, {from: '127.2.9.3'})
    stop = true
    await c
    assert.equal(now.status, 404, now.body)
  })
})
