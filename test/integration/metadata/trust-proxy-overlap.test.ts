/**
 * A --trust-proxy that covers a VM's own address would let that VM claim to be any other through
 * X-Forwarded-For: refused at start and at reload (the reload refused, the old inventory kept) unless
 * --trust-proxy-overlap-ok.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {stringify} from 'yaml'
import {NetopsError} from '../../../src/errors.js'
import {startMetadataServer} from '../../../src/metadata/index.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'
import {ensureBuilt, runCli} from '../../helpers/metadata-serve.js'

const inventory = (ips: string[]) => stringify({instances: ips.map((ip, i) => ({id: `vm-${i}`, ip, hostname: `vm-${i}`}))})

describe('--trust-proxy overlapping an instance address', () => {
  const t = tempDir('netops-overlap-')
  before(() => ensureBuilt())
  after(() => t.cleanup())

  test('start is refused naming the CIDR and one instance; --trust-proxy-overlap-ok starts', async () => {
    const path = t.write('start.yaml', inventory(['10.20.0.5', '10.30.0.7']))
    await assert.rejects(
      startMetadataServer({inventory: path, trustProxy: ['10.99.0.1', '10.30.0.0/24']}),
      (err: unknown) =>
        err instanceof NetopsError &&
        /--trust-proxy 10\.30\.0\.0\/24 covers the address of instance vm-1 \(10\.30\.0\.7\)/.test(err.message),
    )
    const ok = await startMetadataServer({inventory: path, trustProxy: ['10.30.0.0/24'], trustProxyOverlapOk: true})
    await ok.close()
  })

  test('a reload that brings a VM into a trusted proxy range is refused; the old inventory keeps serving', async () => {
    const path = t.write('reload.yaml', inventory(['127.3.0.5']))
    const s = await startMetadataServer({inventory: path, trustProxy: ['127.3.1.0/24']})
    try {
      writeFileSync(path, inventory(['127.3.0.5', '127.3.1.9']))
      const r = await s.reload('api')
      assert.equal(r.ok, false)
      assert.match(r.error ?? '', /--trust-proxy 127\.3\.1\.0\/24 covers the address of instance vm-1 \(127\.3\.1\.9\)/)
      assert.equal(r.instances, 1)
      assert.equal(s.instances().length, 1)
      assert.equal((await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.3.1.9'})).status, 404)
      assert.equal((await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.3.0.5'})).body, 'vm-0')
    } finally {
      await s.close()
    }
  })

  test('metadata serve refuses it with exit 2 (NETOPS_USAGE) in human and --json mode', async () => {
    const path = t.write('cli.yaml', inventory(['127.3.2.5']))
    const args = [
      'metadata',
      'serve',
      '--inventory',
      path,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      'off',
      '--data-dir',
      'none',
      '--trust-proxy',
      '127.0.0.0/8',
    ]
    const human = await runCli(args)
    assert.equal(human.status, 2, human.stderr)
    assert.match(human.stderr, /--trust-proxy 127\.0\.0\.0\/8 covers the address of instance vm-0 \(127\.3\.2\.5\)/)
    assert.match(human.stderr, /--trust-proxy-overlap-ok/)
    const json = await runCli([...args, '--json'])
    assert.equal(json.status, 2)
    assert.equal((JSON.parse(json.stdout) as {error: {code: string}}).error.code, 'NETOPS_USAGE')
  })
})
