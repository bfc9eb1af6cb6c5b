/**
 * TLS and authentication to etcd through the built CLI: a 1-member etcd with TLS on the client port (client
 * certificates required, a throwaway CA made with openssl), then a 1-member plain etcd with authentication on.
 * One cluster at a time.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {stringify} from 'yaml'
import {etcdSkip, startEtcdCluster, type EtcdCluster} from '../../helpers/etcd.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'
import {runCli} from '../../helpers/cli.js'
import {ensureBuilt, startServe} from '../../helpers/metadata-serve.js'

interface JsonError {
  error: {code: string; message: string; exitCode: number; suggestions: string[]}
}

const inventory = (tag: string) =>
  stringify({
    instances: [
      {id: 'vm-a', ip: '127.4.0.1', hostname: `vm-a-${tag}`, meta_data: {tag}, user_data: '#cloud-config\n'},
      {id: 'vm-b', ip: '127.4.0.2', hostname: `vm-b-${tag}`, meta_data: {tag}, user_data: '#cloud-config\n'},
    ],
  })

const jsonError = (stdout: string) => (JSON.parse(stdout) as JsonError).error

describe('etcd over TLS (client certificates required)', {skip: etcdSkip({tls: true})}, () => {
  let etcd: EtcdCluster
  const tmp = tempDir('netops-store-tls-')
  const prefix = '/tls/'
  let file: string
  /** --store ... with the right CA and client certificate. */
  let store: string[]

  before(async () => {
    ensureBuilt()
    etcd = await startEtcdCluster({members: 1, tls: true})
    const t = etcd.tls!
    store = ['--store', etcd.url, '--store-prefix', prefix, '--store-ca', t.ca, '--store-cert', t.clientCert, '--store-key', t.clientKey]
    file = tmp.write('vms.yaml', inventory('tls'))
  })
  after(async () => {
    await etcd?.stop()
    tmp.cleanup()
  })

  test('inventory push and pull round trip with --store-ca/--store-cert/--store-key', async () => {
    const push = await runCli(['metadata', 'inventory', 'push', ...store, '--inventory', file])
    assert.equal(push.code, 0, push.stderr)
    assert.match(push.stdout, /published generation 1 /)
    assert.doesNotMatch(push.stderr, /Warning/, 'no node warning on stderr')
    const out = join(tmp.dir, 'pulled.yaml')
    const pull = await runCli(['metadata', 'inventory', 'pull', ...store, '--output', out, '--json'])
    assert.equal(pull.code, 0, pull.stderr)
    assert.equal((JSON.parse(pull.stdout) as {generation: number}).generation, 1)
    const back = await runCli(['metadata', 'inventory', 'push', ...store, '--inventory', out, '--json'])
    assert.equal(back.code, 0, back.stderr)
    assert.equal((JSON.parse(back.stdout) as {changed: boolean}).changed, false, readFileSync(out, 'utf8'))
  })

  test('serve --store over TLS serves the pushed generation; status --store reads it over TLS', async () => {
    const s = await startServe([
      ...store,
      ...['--replica-name', 'tls-1', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
    ])
    try {
      const h = JSON.parse((await httpGet(`${s.admin!}/healthz`)).body) as {status: string; store: {state: string; generation: number}}
      assert.equal(h.store.state, 'connected', s.stderr())
      assert.equal(h.store.generation, 1)
      assert.equal(h.status, 'ok')
      assert.equal((await httpGet(`${s.url}/latest/meta-data/hostname`, {from: '127.4.0.1'})).body, 'vm-a-tls')

      const status = await runCli(['metadata', 'status', ...store, '--json'])
      assert.equal(status.code, 0, status.stderr)
      const view = JSON.parse(status.stdout) as {generation: number; replicas: Array<{name: string}>}
      assert.equal(view.generation, 1)
      assert.deepEqual(
        view.replicas.map((r) => r.name),
        ['tls-1'],
      )
    } finally {
      assert.equal(await s.stop(), 0, s.stderr())
    }
  })

  test('a --store-ca that did not sign the server certificate: exit 3, naming the store and the untrusted certificate', async () => {
    const t = etcd.tls!
    const args = [
      '--store',
      etcd.url,
      '--store-prefix',
      prefix,
      '--store-ca',
      t.otherCa,
      '--store-cert',
      t.clientCert,
      '--store-key',
      t.clientKey,
    ]
    const human = await runCli(['metadata', 'inventory', 'pull', ...args])
    assert.equal(human.code, 3, human.stderr)
    assert.match(human.stderr, new RegExp(`cannot reach the etcd store at ${etcd.url}: its TLS certificate is not trusted by --store-ca`))
    const json = await runCli(['metadata', 'inventory', 'pull', ...args, '--json'])
    assert.equal(json.code, 3)
    const e = jsonError(json.stdout)
    assert.equal(e.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
    assert.match(e.suggestions.join('\n'), /--store-ca must be the CA certificate that signed/)
  })

  test('no client certificate where the cluster requires one: exit 3, saying so', async () => {
    const r = await runCli([
      'metadata',
      'inventory',
      'pull',
      '--store',
      etcd.url,
      '--store-prefix',
      prefix,
      '--store-ca',
      etcd.tls!.ca,
      '--json',
    ])
    assert.equal(r.code, 3, r.stderr)
    const e = jsonError(r.stdout)
    assert.equal(e.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
    assert.match(e.message, new RegExp(`^cannot reach the etcd store at ${etcd.url}: it requires a TLS client certificate$`))
    assert.match(e.suggestions.join('\n'), /--store-cert and --store-key/)
  })

  test('a client certificate from a CA the cluster does not trust: exit 3, the certificate was refused', async () => {
    const t = etcd.tls!
    const args = [
      '--store',
      etcd.url,
      '--store-prefix',
      prefix,
      '--store-ca',
      t.ca,
      '--store-cert',
      t.otherClientCert,
      '--store-key',
      t.otherClientKey,
    ]
    const r = await runCli(['metadata', 'inventory', 'pull', ...args, '--json'])
    assert.equal(r.code, 3, r.stderr)
    const e = jsonError(r.stdout)
    assert.equal(e.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
    assert.equal(e.message, `cannot reach the etcd store at ${etcd.url}: it refused the TLS client certificate (--store-cert)`)
  })
})

describe('etcd with authentication on', {skip: etcdSkip()}, () => {
  let etcd: EtcdCluster
  const tmp = tempDir('netops-store-auth-')
  const prefix = '/auth/'
  const PASSWORD = 'n3tops-Secret-pw'
  const WRONG = 'Wr0ng-Secret-guess'
  let file: string
  let store: string[]
  const as = (user: string | undefined, password: string | undefined) => ({
    env: {NETOPS_METADATA_STORE_USER: user, NETOPS_METADATA_STORE_PASSWORD: password},
  })

  before(async () => {
    ensureBuilt()
    // tokens that expire while a replica runs: it must log in again by itself
    etcd = await startEtcdCluster({members: 1, authTokenTtl: 2})
    await etcd.enableAuth({
      rootPassword: 'r00t-pw',
      users: [
        {name: 'netops', password: PASSWORD, readwrite: [prefix]},
        {name: 'stranger', password: 'stranger-pw', readwrite: ['/elsewhere/']},
      ],
    })
    store = ['--store', etcd.url, '--store-prefix', prefix]
    file = tmp.write('vms.yaml', inventory('auth'))
  })
  after(async () => {
    await etcd?.stop()
    tmp.cleanup()
  })

  test('NETOPS_METADATA_STORE_USER/_PASSWORD right: push and pull work', async () => {
    const push = await runCli(['metadata', 'inventory', 'push', ...store, '--inventory', file], as('netops', PASSWORD))
    assert.equal(push.code, 0, push.stderr)
    assert.match(push.stdout, /published generation 1 /)
    const pull = await runCli(['metadata', 'inventory', 'pull', ...store, '--json'], as('netops', PASSWORD))
    assert.equal(pull.code, 0, pull.stderr)
    assert.equal((JSON.parse(pull.stdout) as {generation: number}).generation, 1)
    for (const r of [push, pull]) assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), 'the password is never printed')
  })

  test('serve --store with credentials: follows pushes and shows in status after its token expired', async () => {
    const s = await startServe(
      [
        ...store,
        ...['--replica-name', 'auth-1', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
      ],
      {NETOPS_METADATA_STORE_USER: 'netops', NETOPS_METADATA_STORE_PASSWORD: PASSWORD},
    )
    const health = async () =>
      JSON.parse((await httpGet(`${s.admin!}/healthz`)).body) as {status: string; store: {state: string; generation: number}}
    try {
      assert.equal((await health()).store.state, 'connected', s.stderr())
      await sleep(4000) // past --auth-token-ttl
      const v2 = tmp.write('v2.yaml', inventory('auth2'))
      const push = await runCli(['metadata', 'inventory', 'push', ...store, '--inventory', v2], as('netops', PASSWORD))
      assert.equal(push.code, 0, push.stderr)
      const deadline = Date.now() + 15_000
      while ((await health()).store.generation !== 2) {
        assert.ok(Date.now() < deadline, `generation 2 not served: ${JSON.stringify(await health())}\n${s.stderr()}`)
        await sleep(100)
      }
      assert.equal((await health()).status, 'ok', s.stderr())
      assert.equal((await httpGet(`${s.url}/latest/meta-data/hostname`, {from: '127.4.0.1'})).body, 'vm-a-auth2')
      await sleep(3000)
      const status = await runCli(['metadata', 'status', ...store, '--json'], as('netops', PASSWORD))
      assert.equal(status.code, 0, status.stderr)
      const view = JSON.parse(status.stdout) as {generation: number; replicas: Array<{name: string}>}
      assert.equal(view.generation, 2)
      assert.deepEqual(
        view.replicas.map((r) => r.name),
        ['auth-1'],
        'its presence lease is still kept alive',
      )
      assert.ok(!s.stderr().includes(PASSWORD))
    } finally {
      assert.equal(await s.stop(), 0, s.stderr())
    }
  })

  test('a wrong password: exit 7 NETOPS_METADATA_STORE_AUTH, and the password appears nowhere', async () => {
    const human = await runCli(['metadata', 'inventory', 'pull', ...store], as('netops', WRONG))
    assert.equal(human.code, 7, human.stderr)
    assert.match(human.stderr, new RegExp(`the etcd store at ${etcd.url} refused the credentials of user "netops"`))
    assert.match(human.stderr, /NETOPS_METADATA_STORE_PASSWORD/)
    const json = await runCli(['metadata', 'inventory', 'push', ...store, '--inventory', file, '--json'], as('netops', WRONG))
    assert.equal(json.code, 7, json.stderr)
    assert.equal(jsonError(json.stdout).code, 'NETOPS_METADATA_STORE_AUTH')
    const debug = await runCli(['metadata', 'inventory', 'pull', ...store], {env: {...as('netops', WRONG).env, NETOPS_DEBUG: '1'}})
    assert.equal(debug.code, 7, debug.stderr)
    for (const r of [human, json, debug])
      for (const secret of [WRONG, PASSWORD])
        assert.ok(!(r.stdout + r.stderr).includes(secret), `${secret} printed:\n${r.stdout}${r.stderr}`)
  })

  test('a user without permission on the prefix: exit 7 with the grant-permission hint', async () => {
    const r = await runCli(['metadata', 'inventory', 'pull', ...store, '--json'], as('stranger', 'stranger-pw'))
    assert.equal(r.code, 7, r.stderr)
    const e = jsonError(r.stdout)
    assert.equal(e.code, 'NETOPS_METADATA_STORE_AUTH')
    assert.match(e.message, new RegExp(`the etcd store at ${etcd.url} denied user "stranger" access to ${prefix}`))
    assert.match(e.suggestions.join('\n'), new RegExp(`etcdctl role grant-permission --prefix ROLE readwrite ${prefix}`))
    assert.ok(!(r.stdout + r.stderr).includes('stranger-pw'))
  })

  test('no credentials on a cluster with authentication on: exit 7, pointing at the environment variables', async () => {
    const r = await runCli(['metadata', 'inventory', 'pull', ...store, '--json'], as(undefined, undefined))
    assert.equal(r.code, 7, r.stdout + r.stderr)
    const e = jsonError(r.stdout)
    assert.equal(e.code, 'NETOPS_METADATA_STORE_AUTH')
    assert.match(e.suggestions.join('\n'), /set NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD/)
  })

  test('only one of NETOPS_METADATA_STORE_USER / _PASSWORD set: usage error, exit 2', async () => {
    for (const [user, password] of [
      ['netops', undefined],
      [undefined, PASSWORD],
    ] as const) {
      const r = await runCli(['metadata', 'inventory', 'pull', ...store], as(user, password))
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /set both NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD, or neither/)
      assert.ok(!(r.stdout + r.stderr).includes(PASSWORD))
    }
  })
})
