/** The admin listener and `metadata status` edge cases, through the built CLI. */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer} from 'node:net'
import {stringify} from 'yaml'
import {EXIT_CODES} from '../../../src/errors.js'
import {httpGet, sampleInventory, tempDir} from '../../helpers/metadata.js'
import {ensureBuilt, runCli, startServe, type ServeProcess} from '../../helpers/metadata-serve.js'

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as {port: number}).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

describe('metadata admin API (built CLI)', () => {
  const t = tempDir('netops-admin-')
  let inventory = ''
  let serve: ServeProcess
  before(async () => {
    ensureBuilt()
    inventory = t.write('vms.yaml', stringify(sampleInventory()))
    serve = await startServe([
      '--inventory',
      inventory,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--data-dir',
      `${t.dir}/state`,
      '--cloudstack-password-port',
      'off',
    ])
  })
  after(async () => {
    await serve?.stop()
    t.cleanup()
  })

  test('a non-loopback --admin-listen is refused unless --admin-listen-public (usage error, exit 2)', async () => {
    const r = await runCli([
      'metadata',
      'serve',
      '--inventory',
      inventory,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      '0.0.0.0:0',
      '--data-dir',
      'none',
      '--json',
    ])
    assert.equal(r.status, 2)
    const e = JSON.parse(r.stdout) as {error: {code: string; message: string; suggestions: string[]}}
    assert.equal(e.error.code, 'NETOPS_USAGE')
    assert.match(e.error.message, /not a loopback address/)
    assert.ok(e.error.suggestions.some((s) => s.includes('--admin-listen-public')))
  })

  test('/healthz, /v1/instances, /v1/unknown and /metrics answer on the admin port only, never on the metadata port', async () => {
    await httpGet(`${serve.url}/latest/meta-data/`, {from: '127.0.0.23'})
    await httpGet(`${serve.url}/latest/meta-data/`, {from: '127.0.0.77'})
    const health = await httpGet(`${serve.admin}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(Object.keys(JSON.parse(health.body) as object), [
      'status',
      'instances',
      'uptimeSeconds',
      'inventory',
      'reloads',
      'documents',
    ])
    const inst = JSON.parse((await httpGet(`${serve.admin}/v1/instances`)).body) as {
      total: number
      summary: Record<string, number>
      instances: Array<{id: string; state: string}>
    }
    assert.equal(inst.total, 3)
    assert.deepEqual(inst.summary, {waiting: 2, booting: 1, done: 0, failed: 0})
    assert.equal(inst.instances.find((i) => i.id === 'waf-01')?.state, 'booting')
    const unk = JSON.parse((await httpGet(`${serve.admin}/v1/unknown`)).body) as {unknown: Array<{ip: string}>}
    assert.deepEqual(
      unk.unknown.map((u) => u.ip),
      ['127.0.0.77'],
    )
    const m = await httpGet(`${serve.admin}/metrics`)
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    assert.match(m.body, /^netops_metadata_vms\{state="booting"\} 1$/m)
    assert.match(m.body, /^netops_metadata_unknown_requesters 1$/m)
    assert.match(m.body, /^netops_metadata_requests_total\{flavor="none",status="404"\} 1$/m)
    for (const p of ['/v1/instances', '/metrics', '/healthz'])
      assert.equal((await httpGet(serve.url + p, {from: '127.0.0.23'})).status, 404, `${p} is not on the metadata port`)
    assert.equal((await httpGet(`${serve.admin}/v1/instances`, {method: 'POST'})).status, 405)
    assert.ok(!m.body.includes('s3cret-pw') && !inst.instances.some((i) => JSON.stringify(i).includes('ssh-ed25519')), 'no secrets')
  })

  test('/metrics counts EC2 and CloudStack apart: the shared tree as ec2, CloudStack-only leaves as cloudstack', async () => {
    const count = async (flavor: string): Promise<number> => {
      const m = await httpGet(`${serve.admin}/metrics`)
      const line = new RegExp(`^netops_metadata_requests_total\\{flavor="${flavor}",status="200"\\} (\\d+)$`, 'm').exec(m.body)
      return Number(line?.[1] ?? 0)
    }
    const [ec2, cloudstack] = [await count('ec2'), await count('cloudstack')]
    assert.equal((await httpGet(`${serve.url}/latest/meta-data/instance-id`, {from: '127.0.0.23'})).status, 200)
    assert.equal((await httpGet(`${serve.url}/latest/meta-data/local-ipv4`, {from: '127.0.0.23'})).status, 200)
    assert.equal((await httpGet(`${serve.url}/latest/meta-data/vm-id`, {from: '127.0.0.23'})).status, 200)
    assert.equal(await count('ec2'), ec2 + 2)
    assert.equal(await count('cloudstack'), cloudstack + 1)
  })

  test('status --watch gives up after --timeout with exit 8 (timeout) and says how far it got', async () => {
    const r = await runCli(['metadata', 'status', '--admin', serve.admin!, '--watch', '--timeout', '1', '--interval', '1'])
    assert.equal(r.status, EXIT_CODES.timeout, r.stderr)
    assert.match(r.stderr, /0\/3 provisioned after 1 s/)
  })

  test('status against an address where nothing listens: exit 3, NETOPS_METADATA_ADMIN_UNREACHABLE', async () => {
    const port = await closedPort()
    const r = await runCli(['metadata', 'status', '--admin', `http://127.0.0.1:${port}`, '--json'])
    assert.equal(r.status, 3)
    const e = JSON.parse(r.stdout) as {error: {code: string; message: string}}
    assert.equal(e.error.code, 'NETOPS_METADATA_ADMIN_UNREACHABLE')
    assert.match(e.error.message, /ECONNREFUSED/)
  })
})
