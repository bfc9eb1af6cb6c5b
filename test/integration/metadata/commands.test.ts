/** e2e: `node bin/run.js metadata ...` on the built output; stdout, stderr and exit code checked separately. */
import {before, after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {httpGet, sampleInventory, tempDir} from '../../helpers/metadata.js'
import {stringify} from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const RUN = join(ROOT, 'bin', 'run.js')
const BUILT = join(ROOT, 'dist', 'commands', 'metadata', 'render.js')

/** Build when dist/ is missing or older than the metadata sources (tsc without rm: safe beside others). */
function ensureBuilt(): void {
  const newest = [
    'commands/metadata/serve.ts',
    'commands/metadata/render.ts',
    'src/metadata/server.ts',
    'src/metadata/inventory.ts',
    'src/cli/render/metadata.ts',
  ]
    .map((p) => statSync(join(ROOT, p)).mtimeMs)
    .reduce((a, b) => Math.max(a, b), 0)
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest) return
  spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
    cwd: ROOT,
    stdio: 'ignore',
  })
  assert.ok(existsSync(BUILT), 'build failed: dist/commands/metadata/render.js missing (run npm run build)')
}

function run(args: string[], env: Record<string, string> = {}): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [RUN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', ...env},
    timeout: 60_000,
  })
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('netops metadata commands (built CLI)', () => {
  const t = tempDir()
  let good = ''
  let bad = ''
  before(() => {
    ensureBuilt()
    good = t.write('good.yaml', stringify(sampleInventory()))
    bad = t.write('bad.yaml', 'instances:\n  - id: a\n    ip: 10.0.0.1/24\n  - {id: b, ip: 10.0.0.2, hostnme: x}\n')
  })
  after(() => t.cleanup())

  test('render --json prints exactly the documents the VM receives', () => {
    const r = run(['metadata', 'render', '--inventory', good, '--instance', 'waf-01', '--flavor', 'nocloud', '--json'])
    assert.equal(r.status, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {
      instance: {id: string}
      flavor: string
      documents: Array<{path: string; status: number; body: string}>
    }
    assert.equal(doc.instance.id, 'waf-01')
    assert.deepEqual(
      doc.documents.map((d) => d.path),
      ['/nocloud/', '/nocloud/meta-data', '/nocloud/user-data', '/nocloud/vendor-data', '/nocloud/network-config'],
    )
    assert.match(doc.documents[1]!.body, /instance-id: waf-01/)
  })

  test('render --ip --path prints just that body; --mac finds the VM by any NIC', () => {
    const r = run([
      'metadata',
      'render',
      '--inventory',
      good,
      '--ip',
      '127.0.0.24',
      '--flavor',
      'ec2',
      '--path',
      '/latest/meta-data/instance-id',
    ])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, 'ips-02\n')
    const m = run([
      'metadata',
      'render',
      '--inventory',
      good,
      '--mac',
      '52:54:00:00:01:01',
      '--flavor',
      'openstack',
      '--path',
      'openstack/latest/meta_data.json',
      '--json',
    ])
    assert.equal((JSON.parse(m.stdout) as {instance: {id: string}}).instance.id, 'waf-01')
  })

  test('render wants exactly one of --instance, --ip, --mac (usage error, exit 2)', () => {
    const r = run(['metadata', 'render', '--inventory', good, '--instance', 'waf-01', '--ip', '127.0.0.23', '--flavor', 'ec2'])
    assert.equal(r.status, 2)
    assert.equal(r.stdout, '')
    const missing = run(['metadata', 'render', '--inventory', good, '--instance', 'nope', '--flavor', 'ec2'])
    assert.equal(missing.status, 5)
    assert.match(missing.stderr, /no instance with id nope/)
  })

  test('validate: an invalid inventory exits 2 with file:line:column on stderr', () => {
    const r = run(['metadata', 'validate', '--inventory', bad])
    assert.equal(r.status, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /NETOPS_METADATA_INVENTORY_INVALID/)
    assert.match(r.stderr, /bad\.yaml:3:9: ip `10\.0\.0\.1\/24` is not an IPv4 or IPv6 address \(write the bare address: ip: 10\.0\.0\.1\)/)
    assert.match(r.stderr, /bad\.yaml:4:27: unknown key `hostnme` in an instance \(did you mean `hostname`\?\)/)
    const j = run(['metadata', 'validate', '--inventory', bad, '--json'])
    assert.equal(j.status, 2)
    const err = (JSON.parse(j.stdout) as {error: unknown}).error as {
      code: string
      exitCode: number
      details: {issues: Array<{line: number; column: number}>}
    }
    assert.equal(err.code, 'NETOPS_METADATA_INVENTORY_INVALID')
    assert.deepEqual(
      err.details.issues.map((i) => [i.line, i.column]),
      [
        [3, 9],
        [4, 27],
      ],
    )
  })

  test('validate: a valid inventory lists its instances', () => {
    const r = run(['metadata', 'validate', '--inventory', good])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^valid: 3 instances in 1 file/)
    assert.match(r.stdout, /waf-01\s+127\.0\.0\.23\s+waf-01\s+waf\s+3/)
    const j = JSON.parse(run(['metadata', 'validate', '--inventory', good, '--json']).stdout) as {valid: boolean; instances: unknown[]}
    assert.equal(j.valid, true)
    assert.equal(j.instances.length, 3)
  })

  test('guest-config prints SMBIOS settings and warns about the ds=nocloud trap', () => {
    const r = run(['metadata', 'guest-config', '--flavor', 'nocloud', '--json'])
    assert.equal(r.status, 0, r.stderr)
    const g = JSON.parse(r.stdout) as {smbios: {serial: string}; qemuArgs: string[]; libvirtXml: string}
    assert.equal(g.smbios.serial, 'ds=nocloud-net;s=http://169.254.169.254/nocloud/')
    assert.match(g.libvirtXml, /<entry name='serial'>ds=nocloud-net;s=http:\/\/169\.254\.169\.254\/nocloud\/<\/entry>/)
    assert.match(r.stderr, /not ds=nocloud/)
    const os = JSON.parse(
      run(['metadata', 'guest-config', '--flavor', 'openstack', '--inventory', good, '--instance', 'ips-02', '--json']).stdout,
    ) as {smbios: {product: string; uuid: string}; nics: unknown[]}
    assert.equal(os.smbios.product, 'OpenStack Nova')
    assert.equal(os.smbios.uuid, '6f1f3f1e-7d0b-4a4e-9a39-2c0d6c0d0002')
    assert.equal(os.nics.length, 1)
  })

  test('serve --json prints a startup document, serves, logs JSON lines on stderr and drains on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [RUN, 'metadata', 'serve', '--inventory', good, '--listen', '127.0.0.1:0', '--cloudstack-password-port', '0', '--json'],
      {
        cwd: ROOT,
        env: {...process.env, NO_COLOR: '1'},
      },
    )
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const startup = await new Promise<{
        listening: {metadata: string; password: string}
        inventory: {instances: number; builtIn: boolean}
      }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no startup document; stderr: ${err}`)), 30_000)
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          try {
            const doc = JSON.parse(out) as {
              listening: {metadata: string; password: string}
              inventory: {instances: number; builtIn: boolean}
            }
            clearTimeout(timer)
            resolve(doc)
          } catch {
            // not complete yet
          }
        })
      })
      assert.equal(startup.inventory.instances, 3)
      assert.equal(startup.inventory.builtIn, false)
      const r = await httpGet(`${startup.listening.metadata}/latest/meta-data/instance-id`, {from: '127.0.0.24'})
      assert.equal(r.body, 'ips-02')
      const pw = await httpGet(startup.listening.password, {from: '127.0.0.24', headers: {DomU_Request: 'send_my_password'}})
      assert.equal(pw.body, 's3cret-pw')
      await new Promise((res) => setTimeout(res, 100))
      child.kill('SIGTERM')
      assert.equal(await exited, 0)
      const lines = err.split('\n').filter((l) => l.startsWith('{'))
      const entry = lines
        .map((l) => JSON.parse(l) as {path?: string; instance?: string})
        .find((l) => l.path === '/latest/meta-data/instance-id')
      assert.equal(entry?.instance, 'ips-02')
      assert.doesNotMatch(err, /s3cret/)
      assert.match(err, /served \d+ requests/)
    } finally {
      child.kill('SIGKILL')
    }
  })

  test('serve without --inventory says it serves the built-in example', async () => {
    const child = spawn(process.execPath, [RUN, 'metadata', 'serve', '--listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1'},
    })
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening; stderr: ${err}`)), 30_000)
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          if (/serving \d+ instances on http:\/\/127\.0\.0\.1:\d+/.test(out)) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      assert.match(out, /\(built-in example inventory\)/)
      assert.match(err, /no --inventory: serving the built-in example inventory/)
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!
      assert.equal((await httpGet(`${url}/latest/meta-data/local-hostname`, {from: '127.0.0.11'})).body, 'waf-01')
      child.kill('SIGINT')
      assert.equal(await exited, 0)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
