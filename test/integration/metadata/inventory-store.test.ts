/**
 * `metadata inventory push|diff|pull` against a real 3-member etcd cluster on loopback ports: the built
 * CLI for outputs and exit codes, the library for the big and the racing pushes.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {stringify} from 'yaml'
import {runCli} from '../../helpers/cli.js'
import {startEtcdCluster, etcdSkip, type EtcdCluster} from '../../helpers/etcd.js'
import {sampleInventory, tempDir} from '../../helpers/metadata.js'
import {StoreConflictError, StoreUnreachableError} from '../../../src/errors.js'
import {EtcdInventoryStore} from '../../../src/metadata/store/etcd.js'
import {prepareDocs} from '../../../src/metadata/store/generation.js'
import {pullInventory, pushInventory} from '../../../src/metadata/store/inventory-store.js'
import {parseStoreUrl} from '../../../src/metadata/store/url.js'

const skip = etcdSkip()

function bigInventory(n: number, tag = 'a'): Record<string, unknown> {
  const instances = []
  for (let i = 0; i < n; i++) {
    const a = (i >> 8) & 0xff
    const b = i & 0xff
    const mac = `52:54:00:00:${a.toString(16).padStart(2, '0')}:${b.toString(16).padStart(2, '0')}`
    instances.push({
      id: `vm-${String(i).padStart(5, '0')}`,
      ip: `10.${a}.${b}.10`,
      meta_data: {tag},
      interfaces: [{name: 'eth0', mac, address: `10.${a}.${b}.10/24`}],
    })
  }
  return {
    profiles: {node: {user_data: '#cloud-config\nhostname: {{ hostname }}\n', meta_data: {role: 'compute'}}},
    instances: instances.map((i) => ({...i, profile: 'node'})),
  }
}

function storeFor(cluster: EtcdCluster, prefix: string, callTimeoutMs = 5000): EtcdInventoryStore {
  return new EtcdInventoryStore({url: parseStoreUrl(cluster.url), prefix, callTimeoutMs})
}

describe('metadata inventory against a 3-member etcd cluster', {skip}, () => {
  let etcd: EtcdCluster
  const tmp = tempDir('netops-inv-')
  before(async () => {
    etcd = await startEtcdCluster()
  })
  after(async () => {
    await etcd?.stop()
    tmp.cleanup()
  })

  test('push publishes, prints the diff by id; pull writes YAML that pushes back as no change', async () => {
    const file = tmp.write('vms.yaml', stringify(sampleInventory()))
    const args = ['--store', etcd.url, '--store-prefix', '/t1/']
    const first = await runCli(['metadata', 'inventory', 'push', ...args, '--inventory', file])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^\+ waf-01$/m)
    assert.match(first.stdout, /published generation 1 /)

    const json = await runCli(['metadata', 'inventory', 'push', ...args, '--inventory', file, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const again = JSON.parse(json.stdout) as {
      changed: boolean
      published: boolean
      from: number
      to: number
      diff: {counts: Record<string, number>}
    }
    assert.equal(again.changed, false)
    assert.equal(again.published, false)
    assert.deepEqual([again.from, again.to], [1, 1])

    const out = tmp.write('pulled.yaml', '')
    const pull = await runCli(['metadata', 'inventory', 'pull', ...args, '--output', out, '--json'])
    assert.equal(pull.code, 0, pull.stderr)
    const pulled = JSON.parse(pull.stdout) as {generation: number; yaml: string | null; output: string}
    assert.equal(pulled.generation, 1)
    assert.equal(pulled.yaml, null)
    const back = await runCli(['metadata', 'inventory', 'push', ...args, '--inventory', out, '--json'])
    assert.equal(back.code, 0, back.stderr)
    assert.equal((JSON.parse(back.stdout) as {changed: boolean}).changed, false, readFileSync(out, 'utf8'))
  })

  test('diff and push --dry-run list changes and write nothing', async () => {
    const args = ['--store', etcd.url, '--store-prefix', '/t2/']
    const v1 = tmp.write('v1.yaml', stringify(bigInventory(5)))
    assert.equal((await runCli(['metadata', 'inventory', 'push', ...args, '--inventory', v1])).code, 0)
    const inv = bigInventory(6) as {instances: Array<Record<string, unknown>>}
    inv.instances.splice(1, 1) // remove vm-00001
    ;(inv.instances[0]!['meta_data'] as Record<string, unknown>)['tag'] = 'b' // change vm-00000
    const v2 = tmp.write('v2.yaml', stringify(inv))
    for (const cmd of [
      ['metadata', 'inventory', 'diff'],
      ['metadata', 'inventory', 'push', '--dry-run'],
    ]) {
      const r = await runCli([...cmd, ...args, '--inventory', v2, '--json'])
      assert.equal(r.code, 0, r.stderr)
      const d = JSON.parse(r.stdout) as {dryRun: boolean; changed: boolean; published: boolean; to: null; diff: Record<string, unknown>}
      assert.equal(d.dryRun, true)
      assert.equal(d.changed, true)
      assert.equal(d.published, false)
      assert.deepEqual(
        {added: d.diff['added'], changed: d.diff['changed'], removed: d.diff['removed'], counts: d.diff['counts']},
        {added: ['vm-00005'], changed: ['vm-00000'], removed: ['vm-00001'], counts: {added: 1, changed: 1, removed: 1, unchanged: 3}},
      )
    }
    const human = await runCli(['metadata', 'inventory', 'diff', ...args, '--inventory', v2])
    assert.equal(
      human.stdout,
      '+ vm-00005\n~ vm-00000\n- vm-00001\n1 added, 1 changed, 1 removed, 3 unchanged\ndry run: nothing written to ' +
        etcd.url +
        ' (current: generation 1)\n',
    )
    const pull = await runCli(['metadata', 'inventory', 'pull', ...args, '--json'])
    assert.equal((JSON.parse(pull.stdout) as {generation: number}).generation, 1, 'the dry runs published nothing')
  })

  test('an invalid inventory is refused with file:line:column, before etcd is asked', async () => {
    const bad = tmp.write('bad.yaml', 'instances:\n  - {id: a, ip: 10.0.0.300}\n')
    const r = await runCli(['metadata', 'inventory', 'push', '--store', 'etcd://127.0.0.1:1', '--inventory', bad])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /bad\.yaml:2:\d+: /)
  })

  test('10,000 instances: push, then pull equals it; the previous generation is kept, older ones deleted', async () => {
    const prefix = '/big/'
    const store = storeFor(etcd, prefix)
    try {
      const inv = bigInventory(10_000)
      const prepared = prepareDocs([{file: 'big.yaml', text: stringify(inv)}])
      let t = Date.now()
      const r = await pushInventory(store, prepared, {dryRun: false, storeText: etcd.url})
      const pushMs = Date.now() - t
      assert.equal(r.published, true)
      assert.equal(r.diff.counts.added, 10_000)
      t = Date.now()
      const pulled = await pullInventory(store, etcd.url)
      const pullMs = Date.now() - t
      assert.equal(pulled.result.instances, 10_000)
      assert.equal(pulled.result.digest, r.digest)
      const back = prepareDocs([{file: 'pulled.yaml', text: pulled.yaml}])
      assert.deepEqual(
        back.loaded.instances.map(({source: _s, ...i}) => i),
        prepared.loaded.instances.map(({source: _s, ...i}) => i),
      )
      t = Date.now()
      const same = await pushInventory(store, back, {dryRun: false, storeText: etcd.url})
      const noChangeMs = Date.now() - t
      assert.equal(same.changed, false)
      // two more pushes: generation 1 (older than previous, its 10,000 instances) must be gone, 2 kept, 3 current.
      // Their size does not matter to retention (what is deleted is generation 1): 3 instances each, which also
      // drops 9,997 instances from generation 1 to 2.
      const b = await pushInventory(store, prepareDocs([{file: 'b.yaml', text: stringify(bigInventory(3, 'b'))}]), {
        dryRun: false,
        storeText: etcd.url,
      })
      assert.deepEqual([b.from, b.to, b.diff.counts.removed, b.diff.counts.changed], [1, 2, 9_997, 3])
      const third = await pushInventory(store, prepareDocs([{file: 'c.yaml', text: stringify(bigInventory(3, 'c'))}]), {
        dryRun: false,
        storeText: etcd.url,
      })
      assert.deepEqual([third.from, third.to, third.diff.counts.changed], [2, 3, 3])
      const gens = await generationsOf(store)
      assert.deepEqual(gens, [2, 3])
      console.log(`# 10,000 instances: push ${pushMs} ms, pull ${pullMs} ms, no-change push ${noChangeMs} ms`)
    } finally {
      store.close()
    }
  })

  test('two racing pushes: one publishes, the other is refused with "changed since you read it" (exit 12) and leaves nothing', async () => {
    const prefix = '/race/'
    const a = storeFor(etcd, prefix)
    const b = storeFor(etcd, prefix)
    try {
      await pushInventory(a, prepareDocs([{file: 'v0.yaml', text: stringify(bigInventory(3, 'v0'))}]), {dryRun: false, storeText: etcd.url})
      let release: () => void = () => undefined
      const gate = new Promise<void>((r) => (release = r))
      // A reads and writes its generation, then waits; B pushes meanwhile; then A tries to flip
      const pa = pushInventory(a, prepareDocs([{file: 'a.yaml', text: stringify(bigInventory(3, 'A'))}]), {
        dryRun: false,
        storeText: etcd.url,
        beforeFlip: () => gate,
      })
      await new Promise((r) => setTimeout(r, 300))
      const rb = await pushInventory(b, prepareDocs([{file: 'b.yaml', text: stringify(bigInventory(3, 'B'))}]), {
        dryRun: false,
        storeText: etcd.url,
      })
      assert.equal(rb.published, true)
      release()
      await assert.rejects(pa, (err: unknown) => {
        assert.ok(err instanceof StoreConflictError)
        assert.equal(err.exitCode, 12)
        assert.match(err.message, /changed since you read it/)
        return true
      })
      const pulled = await pullInventory(a, etcd.url)
      assert.equal(pulled.result.generation, rb.to)
      assert.match(pulled.yaml, /tag: B/)
      assert.deepEqual(await generationsOf(a), [1, rb.to], "the loser's generation is deleted")

      // the same through the CLI: two pushes at once, each published or refused with 12, never a mix
      const fa = tmp.write('ra.yaml', stringify(bigInventory(300, 'CA')))
      const fb = tmp.write('rb.yaml', stringify(bigInventory(300, 'CB')))
      const args = ['--store', etcd.url, '--store-prefix', prefix]
      const [ca, cb] = await Promise.all(
        [fa, fb].map((f) => runCli(['metadata', 'inventory', 'push', ...args, '--inventory', f, '--json'])),
      )
      for (const c of [ca!, cb!]) assert.ok(c.code === 0 || c.code === 12, c.stdout + c.stderr)
      for (const c of [ca!, cb!].filter((x) => x.code === 12))
        assert.match((JSON.parse(c.stdout) as {error: {message: string}}).error.message, /changed since you read it/)
      const final = await pullInventory(a, etcd.url)
      const tags = new Set([...final.yaml.matchAll(/tag: (C[AB])/g)].map((m) => m[1]))
      assert.equal(tags.size, 1, 'one push, whole')
    } finally {
      a.close()
      b.close()
    }
  })

  test('one member killed: push and pull still work', async () => {
    await etcd.kill(0)
    try {
      const store = storeFor(etcd, '/one-down/')
      try {
        const r = await pushInventory(store, prepareDocs([{file: 'x.yaml', text: stringify(bigInventory(500))}]), {
          dryRun: false,
          storeText: etcd.url,
        })
        assert.equal(r.published, true)
        assert.equal((await pullInventory(store, etcd.url)).result.instances, 500)
      } finally {
        store.close()
      }
      const file = tmp.write('one-down.yaml', stringify(bigInventory(20)))
      const cli = await runCli([
        'metadata',
        'inventory',
        'push',
        '--store',
        etcd.url,
        '--store-prefix',
        '/one-down-cli/',
        '--inventory',
        file,
      ])
      assert.equal(cli.code, 0, cli.stderr)
    } finally {
      await etcd.restart(0)
    }
  })

  test('every member down: exit 3 naming the store, and nothing half-applied', async () => {
    const prefix = '/all-down/'
    const store = storeFor(etcd, prefix)
    const file = tmp.write('all-down.yaml', stringify(bigInventory(50, 'new')))
    try {
      await pushInventory(store, prepareDocs([{file: 'old.yaml', text: stringify(bigInventory(50, 'old'))}]), {
        dryRun: false,
        storeText: etcd.url,
      })
      for (let i = 0; i < 3; i++) await etcd.stopMember(i)
      const r = await runCli([
        'metadata',
        'inventory',
        'push',
        '--store',
        etcd.url,
        '--store-prefix',
        prefix,
        '--inventory',
        file,
        '--json',
      ])
      assert.equal(r.code, 3, r.stdout + r.stderr)
      const err = (JSON.parse(r.stdout) as {error: {code: string; message: string; suggestions: string[]}}).error
      assert.equal(err.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
      assert.ok(err.message.includes(etcd.url), err.message)
      assert.ok(err.suggestions.some((s) => s.includes(etcd.members[0]!.endpoint)))
      const human = await runCli(['metadata', 'inventory', 'pull', '--store', etcd.url, '--store-prefix', prefix])
      assert.equal(human.code, 3)
      assert.match(human.stderr, /cannot reach the etcd store at etcd:\/\/\S+: UNAVAILABLE: /)
      assert.doesNotMatch(human.stderr, /Resolution note/)
      await assert.rejects(
        pushInventory(storeFor(etcd, prefix, 1000), prepareDocs([{file: 'n.yaml', text: stringify(bigInventory(5))}]), {
          dryRun: false,
          storeText: etcd.url,
        }),
        StoreUnreachableError,
      )
    } finally {
      await etcd.restartAll()
    }
    const after = await pullInventory(store, etcd.url)
    store.close()
    assert.equal(after.result.generation, 1)
    assert.match(after.yaml, /tag: old/)
    assert.doesNotMatch(after.yaml, /tag: new/)
  })
})

async function generationsOf(store: EtcdInventoryStore): Promise<number[]> {
  // list the generations that have a profiles key (one per generation, cheap to find)
  const found: number[] = []
  for (let n = 1; n <= 50; n++) {
    const g = await store.readGeneration(n, '0')
    if (Object.keys(g.profiles).length > 0 || g.instances.length > 0) found.push(n)
  }
  return found
}
