import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {connect} from 'node:net'
import {startMetadataServer, type StartedMetadataServer, type RequestLogEntry, signInstanceId} from '../../../src/metadata/index.js'
import {crawlEc2, httpGet, KEY, rawExchange, sampleInventory} from '../../helpers/metadata.js'

describe('metadata server over real sockets (source address = identity)', () => {
  let s: StartedMetadataServer
  const logs: RequestLogEntry[] = []
  before(async () => {
    s = await startMetadataServer({
      inventory: sampleInventory(),
      passwordPort: 0,
      namespace: 'nsfocus',
      trustProxy: ['127.0.0.2'],
      proxySharedSecret: 'shared-hush',
      headersTimeoutMs: 600,
      logger: (e) => logs.push(e),
    })
  })
  after(async () => {
    await s.close()
  })

  test('each VM crawls its own EC2 tree like cloud-init (every listed entry answers 200)', async () => {
    const leaves = await crawlEc2(`${s.url}/2021-03-23/meta-data/`, '127.0.0.23')
    assert.equal(leaves.get('instance-id'), 'waf-01')
    assert.equal(leaves.get('public-keys/0/openssh-key'), KEY)
    const other = await crawlEc2(`${s.url}/latest/meta-data/`, '127.0.0.24')
    assert.equal(other.get('instance-id'), 'ips-02')
    assert.equal(other.get('availability-zone'), 'nova')
  })

  test('an unknown source address gets 404, is counted and logged as an unknown requester', async () => {
    const before = s.stats().unknownRequesters['127.0.0.99'] ?? 0
    const r = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.99'})
    assert.equal(r.status, 404)
    assert.equal(s.stats().unknownRequesters['127.0.0.99'], before + 1)
    const line = logs.findLast((l) => l.ip === '127.0.0.99')!
    assert.equal(line.unknown, true)
    assert.equal(line.status, 404)
  })

  test('X-Forwarded-For from an untrusted peer is ignored; from the trusted proxy it picks the VM', async () => {
    const forged = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.25', headers: {'X-Forwarded-For': '127.0.0.23'}})
    assert.equal(forged.body, 'bare-03')
    const unknownForged = await httpGet(`${s.url}/latest/meta-data/instance-id`, {
      from: '127.0.0.98',
      headers: {'X-Forwarded-For': '127.0.0.23'},
    })
    assert.equal(unknownForged.status, 404)
    const viaProxy = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.2', headers: {'X-Forwarded-For': '127.0.0.23'}})
    assert.equal(viaProxy.body, 'waf-01')
  })

  test('an IMDSv2 token PUT carrying X-Forwarded-For is a 403 (as on AWS), from a VM or through the trusted proxy', async () => {
    const ttl = {'X-aws-ec2-metadata-token-ttl-seconds': '60'}
    for (const from of ['127.0.0.23', '127.0.0.2']) {
      const r = await httpGet(`${s.url}/latest/api/token`, {from, method: 'PUT', headers: {...ttl, 'X-Forwarded-For': '127.0.0.23'}})
      assert.equal(r.status, 403, `from ${from}`)
    }
    assert.equal((await httpGet(`${s.url}/latest/api/token`, {from: '127.0.0.23', method: 'PUT', headers: ttl})).status, 200)
  })

  test('signed X-Instance-ID: good signature serves that VM, bad signature is 403', async () => {
    const good = await httpGet(`${s.url}/openstack/latest/meta_data.json`, {
      from: '127.0.0.97',
      headers: {'X-Instance-ID': 'ips-02', 'X-Instance-ID-Signature': signInstanceId('ips-02', 'shared-hush')},
    })
    assert.equal((JSON.parse(good.body) as {uuid: string}).uuid, '6f1f3f1e-7d0b-4a4e-9a39-2c0d6c0d0002')
    const bad = await httpGet(`${s.url}/openstack/latest/meta_data.json`, {
      from: '127.0.0.23',
      headers: {'X-Instance-ID': 'ips-02', 'X-Instance-ID-Signature': signInstanceId('ips-02', 'guess')},
    })
    assert.equal(bad.status, 403)
    assert.doesNotMatch(bad.body, /ips-02/)
  })

  test('path traversal and odd paths never escape the tree', async () => {
    for (const p of [
      '/latest/meta-data/../../etc/passwd',
      '/latest/%2e%2e/%2e%2e/etc/passwd',
      '/latest/meta-data/%2E%2E/',
      '/%00',
      '/latest/%zz',
      '/latest/meta-data/..%2f..%2fetc',
    ]) {
      // raw bytes: an HTTP client library would normalise `..` before sending
      const r = await rawExchange(s.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, {from: '127.0.0.23'})
      assert.match(r.data, /^HTTP\/1\.1 400 /, p)
      assert.doesNotMatch(r.data, /root:|waf-01/, p)
    }
    const doubled = await httpGet(`${s.url}//latest//meta-data//instance-id`, {from: '127.0.0.23'})
    assert.equal(doubled.body, 'waf-01')
    const query = await httpGet(`${s.url}/latest/meta-data/instance-id?x=1`, {from: '127.0.0.23'})
    assert.equal(query.body, 'waf-01')
  })

  test('an over-long URL gets 414 and over-long headers get 431', async () => {
    const long = await httpGet(`${s.url}/latest/${'a'.repeat(2000)}`, {from: '127.0.0.23'})
    assert.equal(long.status, 414)
    const huge = await rawExchange(s.port, `GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, {
      from: '127.0.0.23',
    })
    assert.match(huge.data, /^HTTP\/1\.1 431 /)
  })

  test('a slow client that never finishes its headers is cut off', async () => {
    const slow = await rawExchange(s.port, 'GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n', {from: '127.0.0.23', waitMs: 5000})
    assert.ok(slow.closedByServer, 'the server must close the connection')
    assert.ok(slow.ms < 3000, `cut off after ${slow.ms} ms`)
    assert.match(slow.data, /^HTTP\/1\.1 408 /)
  })

  test('only GET/HEAD (and PUT for the token) are allowed; HEAD has headers and no body', async () => {
    const post = await httpGet(`${s.url}/latest/meta-data/`, {from: '127.0.0.23', method: 'POST'})
    assert.equal(post.status, 405)
    const head = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23', method: 'HEAD'})
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.equal(head.headers['content-length'], '6')
    const put = await httpGet(`${s.url}/latest/meta-data/`, {from: '127.0.0.23', method: 'PUT'})
    assert.equal(put.status, 405)
  })

  test('IMDSv2: token PUT with TTL, 400 without it, 401 on a bad or foreign token, optional by default', async () => {
    const noTtl = await httpGet(`${s.url}/latest/api/token`, {from: '127.0.0.23', method: 'PUT'})
    assert.equal(noTtl.status, 400)
    for (const ttl of ['0', '21601', 'abc']) {
      assert.equal(
        (
          await httpGet(`${s.url}/latest/api/token`, {
            from: '127.0.0.23',
            method: 'PUT',
            headers: {'X-aws-ec2-metadata-token-ttl-seconds': ttl},
          })
        ).status,
        400,
        ttl,
      )
    }
    const tok = await httpGet(`${s.url}/latest/api/token`, {
      from: '127.0.0.23',
      method: 'PUT',
      headers: {'X-aws-ec2-metadata-token-ttl-seconds': '21600'},
    })
    assert.equal(tok.status, 200)
    assert.equal(tok.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600')
    assert.ok(tok.body.length > 10)
    const withTok = await crawlEc2(`${s.url}/latest/meta-data/`, '127.0.0.23', {'X-aws-ec2-metadata-token': tok.body})
    assert.equal(withTok.get('instance-id'), 'waf-01')
    const bad = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23', headers: {'X-aws-ec2-metadata-token': 'nope'}})
    assert.equal(bad.status, 401)
    const foreign = await httpGet(`${s.url}/latest/meta-data/instance-id`, {
      from: '127.0.0.24',
      headers: {'X-aws-ec2-metadata-token': tok.body},
    })
    assert.equal(foreign.status, 401, "one VM's token is useless to another")
    const v1 = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23'})
    assert.equal(v1.status, 200, 'IMDSv1 works unless required')
    assert.ok(!logs.some((l) => JSON.stringify(l).includes(tok.body)), 'tokens never reach the log')
  })

  test('OpenStack, NoCloud and the custom namespace are on the same port', async () => {
    assert.match((await httpGet(`${s.url}/openstack`, {from: '127.0.0.23'})).body, /2018-08-27\nlatest$/)
    assert.equal((await httpGet(`${s.url}/openstack/latest/vendor_data2.json`, {from: '127.0.0.25'})).status, 404)
    assert.match((await httpGet(`${s.url}/nocloud/meta-data`, {from: '127.0.0.25'})).body, /instance-id: bare-03/)
    assert.equal((await httpGet(`${s.url}/nocloud/vendor-data`, {from: '127.0.0.25'})).status, 200)
    assert.equal(
      (JSON.parse((await httpGet(`${s.url}/nsfocus/latest/meta_data.json`, {from: '127.0.0.23'})).body) as {hostname: string}).hostname,
      'waf-01',
    )
  })

  test('CloudStack password server hands the password out until the VM says it saved it', async () => {
    const pw = s.passwordUrl!
    const ask = (from: string, what: string) => httpGet(pw, {from, headers: {DomU_Request: what}})
    assert.equal((await ask('127.0.0.24', 'send_my_password')).body, 's3cret-pw')
    assert.equal((await ask('127.0.0.24', 'send_my_password')).body, 's3cret-pw', 'asked twice: still there')
    assert.equal((await ask('127.0.0.23', 'send_my_password')).body, 'saved_password', 'another VM never gets it')
    assert.equal((await ask('127.0.0.24', 'bogus')).status, 400)
    assert.equal((await ask('127.0.0.24', 'saved_password')).body, 'saved_password')
    assert.equal((await ask('127.0.0.24', 'send_my_password')).body, 'saved_password')
    assert.ok(s.passwordServer!.passwords.rearm('ips-02'))
    assert.equal((await ask('127.0.0.24', 'send_my_password')).body, 's3cret-pw')
    assert.equal((await ask('127.0.0.96', 'send_my_password')).status, 404)
  })

  test('log lines never carry user-data, keys or passwords', () => {
    const text = logs.map((l) => JSON.stringify(l)).join('\n')
    assert.ok(logs.length > 20)
    assert.doesNotMatch(text, /s3cret|ssh-ed25519|#!\/bin\/sh|ready in/)
  })
})

describe('many VMs at once', () => {
  test('200 VMs crawl concurrently from distinct addresses with zero cross-VM leaks', async () => {
    const N = 200
    const instances = Array.from({length: N}, (_, i) => ({
      id: `vm-${i}`,
      ip: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
      user_data: `#!/bin/sh\necho {{ id }}\n`,
      interfaces: [
        {
          name: 'mgmt',
          mac: `52:54:00:10:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
          address: `10.8.${i >> 8}.${i & 255}/16`,
        },
      ],
    }))
    const s = await startMetadataServer({inventory: {instances}})
    try {
      const started = Date.now()
      const results = await Promise.all(
        instances.map(async (vm) => {
          const tree = await crawlEc2(`${s.url}/latest/meta-data/`, vm.ip)
          const ud = await httpGet(`${s.url}/latest/user-data`, {from: vm.ip})
          const os = await httpGet(`${s.url}/openstack/latest/meta_data.json`, {from: vm.ip})
          const nc = await httpGet(`${s.url}/nocloud/meta-data`, {from: vm.ip})
          return {vm, tree, ud: ud.body, os: JSON.parse(os.body) as {uuid: string}, nc: nc.body}
        }),
      )
      const ms = Date.now() - started
      for (const r of results) {
        assert.equal(r.tree.get('instance-id'), r.vm.id)
        assert.equal(r.ud, `#!/bin/sh\necho ${r.vm.id}\n`)
        assert.equal(r.os.uuid, r.vm.id)
        assert.match(r.nc, new RegExp(`instance-id: ${r.vm.id}\\n`))
        for (const [, v] of r.tree)
          for (const other of [`vm-${(Number(r.vm.id.slice(3)) + 1) % N}`]) assert.ok(!v.split('\n').includes(other))
      }
      const stats = s.stats()
      assert.equal(Object.keys(stats.unknownRequesters).length, 0)
      assert.equal(stats.byStatus['200'], stats.requests)
      console.log(`# ${N} VMs, ${stats.requests} requests (new connection each) in ${ms} ms`)
    } finally {
      await s.close()
    }
  })
})

describe('IMDSv2 required', () => {
  test('EC2 paths need a token; OpenStack and NoCloud do not', async () => {
    const s = await startMetadataServer({inventory: sampleInventory(), imdsv2: 'required'})
    try {
      assert.equal((await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23'})).status, 401)
      const tok = await httpGet(`${s.url}/latest/api/token`, {
        from: '127.0.0.23',
        method: 'PUT',
        headers: {'X-aws-ec2-metadata-token-ttl-seconds': '60'},
      })
      assert.equal(
        (await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23', headers: {'X-aws-ec2-metadata-token': tok.body}}))
          .body,
        'waf-01',
      )
      assert.equal((await httpGet(`${s.url}/openstack/latest/meta_data.json`, {from: '127.0.0.23'})).status, 200)
      assert.equal((await httpGet(`${s.url}/nocloud/meta-data`, {from: '127.0.0.23'})).status, 200)
    } finally {
      await s.close()
    }
  })
})

describe('startMetadataServer', () => {
  test('an invalid inventory is refused before listening', async () => {
    await assert.rejects(startMetadataServer({inventory: {instances: [{id: 'a'}]}}), /has no `ip:`/)
  })

  test('without an inventory it serves the built-in example', async () => {
    const s = await startMetadataServer()
    try {
      assert.equal((await httpGet(`${s.url}/latest/meta-data/local-hostname`, {from: '127.0.0.11'})).body, 'waf-01')
      assert.ok(s.inventory.instances.length >= 3)
    } finally {
      await s.close()
    }
  })

  test('close() lets an in-flight request finish', async () => {
    const s = await startMetadataServer({inventory: sampleInventory()})
    // One write: a whole request and the first half of the next. Once the first is answered the
    // server holds the half request; close() must wait for it and answer it.
    const sock = connect({port: s.port, host: '127.0.0.1', localAddress: '127.0.0.23'})
    let data = ''
    const ended = new Promise<void>((r) => sock.on('close', () => r()))
    const first = new Promise<void>((r) => sock.on('data', (d: Buffer) => ((data += d.toString()), data.includes('waf-01') && r())))
    sock.write('GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\nGET /latest/meta-data/hostname HTTP/1.1\r\n')
    await first
    const closing = s.close()
    await new Promise((r) => setTimeout(r, 50))
    sock.write('Host: x\r\n\r\n')
    await closing
    await ended
    const answers = data.split('HTTP/1.1 200 OK')
    assert.equal(answers.length, 3, data)
    assert.match(answers[2]!, /connection: close/i)
    assert.ok(answers[2]!.endsWith('waf-01'), 'the second request was answered before the close')
    await assert.rejects(httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.23'}), /ECONNREFUSED/)
  })
})
