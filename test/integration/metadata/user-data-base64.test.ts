/**
 * user_data_base64: a binary payload (gzip) given as base64 in the inventory is served byte-exact on
 * every flavour — EC2 user-data (every version), CloudStack /latest/user-data, OpenStack user_data,
 * NoCloud user-data, the custom namespace — with --phone-home on too (its part is never spliced into bytes).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {request} from 'node:http'
import {gzipSync, gunzipSync} from 'node:zlib'
import {stringify} from 'yaml'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/index.js'
import {tempDir} from '../../helpers/metadata.js'

function getBytes(url: string, from: string): Promise<{status: number; body: Buffer; type: string}> {
  return new Promise((resolve, reject) => {
    const req = request(url, {localAddress: from, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type'])}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const PATHS = [
  '/latest/user-data',
  '/2009-04-04/user-data',
  '/2021-03-23/user-data',
  '/openstack/latest/user_data',
  '/openstack/2018-08-27/user_data',
  '/nocloud/user-data',
  '/acme/latest/user_data',
]

describe('user_data_base64 served byte-exact', () => {
  const t = tempDir('netops-b64-')
  // every byte value, and a gzip: neither is UTF-8
  const gz = gzipSync(Buffer.from('#cloud-config\nruncmd: [[sh, -c, "echo hi"]]\n'.repeat(20)))
  const all = Buffer.from(Array.from({length: 256}, (_, i) => i))
  const servers: StartedMetadataServer[] = []

  before(async () => {
    const inventory = t.write(
      'vms.yaml',
      stringify({
        instances: [
          {id: 'gz-01', ip: '127.4.0.1', user_data_base64: gz.toString('base64')},
          {id: 'all-01', ip: '127.4.0.2', user_data_base64: all.toString('base64').replace(/(.{60})/g, '$1\n')},
        ],
      }),
    )
    for (const phoneHome of [false, true])
      servers.push(await startMetadataServer({inventory, namespace: 'acme', ...(phoneHome ? {phoneHome: true} : {})}))
    servers.push(await startMetadataServer({inventory, namespace: 'acme', isolatedLoad: true})) // parsed in a child, as metadata serve does
  })
  after(async () => {
    for (const s of servers) await s.close()
    t.cleanup()
  })

  test('a gzip and all 256 byte values come back exactly from every user-data path (with and without --phone-home, parsed in a child)', async () => {
    for (const s of servers)
      for (const [ip, want] of [
        ['127.4.0.1', gz],
        ['127.4.0.2', all],
      ] as const)
        for (const p of PATHS) {
          const r = await getBytes(s.url + p, ip)
          assert.equal(r.status, 200, `${p} from ${ip}`)
          assert.ok(r.body.equals(want), `${p} from ${ip}: ${r.body.length} bytes, want ${want.length}`)
          assert.equal(r.type, 'application/octet-stream', p)
        }
    assert.match(gunzipSync((await getBytes(servers[0]!.url + '/nocloud/user-data', '127.4.0.1')).body).toString(), /^#cloud-config/)
  })
})
