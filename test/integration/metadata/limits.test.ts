import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {connect, type Socket} from 'node:net'
import {startMetadataServer} from '../../../src/metadata/index.js'
import {httpGet, sampleInventory} from '../../helpers/metadata.js'

/** The metadata server's resource limits on the wire: connection caps at accept, the send timeout. */

/** A connection from `from`; resolves once connected, with a promise of its close. */
function open(port: number, from: string): Promise<{sock: Socket; closed: Promise<number>}> {
  return new Promise((resolve, reject) => {
    const sock = connect({port, host: '127.0.0.1', localAddress: from})
    const t0 = Date.now()
    const closed = new Promise<number>((r) => sock.on('close', () => r(Date.now() - t0)))
    sock.on('error', () => undefined)
    sock.once('connect', () => resolve({sock, closed}))
    sock.once('error', reject)
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Closed by the server within `ms`? */
const closedWithin = (c: {closed: Promise<number>}, ms: number) => Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)])

describe('metadata server resource limits', () => {
  test('connections over --max-connections-per-client and --max-connections are closed at accept and counted in /metrics', async () => {
    const s = await startMetadataServer({
      inventory: sampleInventory(),
      maxConnections: 4,
      maxConnectionsPerClient: 2,
      admin: {host: '127.0.0.1', port: 0},
    })
    try {
      const a = [await open(s.port, '127.0.0.23'), await open(s.port, '127.0.0.23')]
      const a3 = await open(s.port, '127.0.0.23')
      assert.equal(await closedWithin(a3, 1000), true, 'the third connection of one address is closed')
      const b = [await open(s.port, '127.0.0.24'), await open(s.port, '127.0.0.25')]
      const c = await open(s.port, '127.0.0.26')
      assert.equal(await closedWithin(c, 1000), true, 'the fifth connection in all is closed')
      for (const k of [...a, ...b]) assert.equal(await closedWithin(k, 50), false, 'the admitted ones stay open')
      const metrics = (await httpGet(`${s.adminUrl!}/metrics`)).body
      assert.match(metrics, /^netops_metadata_connections_open 4$/m)
      assert.match(metrics, /^netops_metadata_connections_refused_total\{reason="global"\} 1$/m)
      assert.match(metrics, /^netops_metadata_connections_refused_total\{reason="per-client"\} 1$/m)
      for (const k of [...a, ...b]) k.sock.destroy()
      await sleep(100)
      const r = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23'})
      assert.equal(r.status, 200, 'once connections drop, a VM is answered again')
      assert.equal(r.body, 'waf-01')
    } finally {
      await s.close()
    }
  })

  test('a client that never reads a large answer has its connection cut after the send timeout', async () => {
    const inv = sampleInventory() as {instances: Array<Record<string, unknown>>}
    inv.instances.push({id: 'big-01', ip: '127.0.0.31', user_data: '#!/bin/sh\n' + 'x'.repeat(1000 * 1024) + '\n'}) // just under the 1 MiB user-data limit
    const s = await startMetadataServer({inventory: inv, sendTimeoutMs: 500, admin: {host: '127.0.0.1', port: 0}})
    try {
      const c = await open(s.port, '127.0.0.31')
      c.sock.pause() // never reads
      c.sock.write('GET /latest/user-data HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(16)) // 16 MB of answers: more than the kernel buffers
      // (a paused client socket does not see its close: watch the server's side)
      const t0 = Date.now()
      while (s.server.metadata.connections().open > 0 && Date.now() - t0 < 5000) await sleep(50)
      const ms = Date.now() - t0
      assert.equal(s.server.metadata.connections().open, 0, 'cut by the send timeout (nothing else ends it: it is mid-answer, not idle)')
      assert.ok(ms >= 400, `cut after ${ms} ms`)
      const metrics = (await httpGet(`${s.adminUrl!}/metrics`)).body
      assert.match(metrics, /^netops_metadata_send_timeouts_total 1$/m)
      // a client that does read gets the whole large answer
      const r = await httpGet(`${s.url}/latest/user-data`, {from: '127.0.0.31'})
      assert.equal(r.body.length, 1000 * 1024 + 11)
    } finally {
      await s.close()
    }
  })
})
