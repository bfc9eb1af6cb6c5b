/**
 * Provisioning progress end to end: `metadata serve --phone-home` as its own process, a storm of
 * VMs (distinct 127.1.x.y source addresses) fetching their NoCloud documents and calling home,
 * `metadata status` (--json, --watch on a pipe) through the built CLI, a forged phone-home, and a
 * restart that keeps the state in --data-dir.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {request} from 'node:http'
import {stringify} from 'yaml'
import {httpGet, tempDir} from '../../helpers/metadata.js'
import {ensureBuilt, runCli, startServe, type ServeProcess} from '../../helpers/metadata-serve.js'

const N = 100
const vm = (i: number) => ({id: `vm-${String(i).padStart(3, '0')}`, ip: `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`})

function post(url: string, from: string, body: string, type: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {method: 'POST', localAddress: from, agent: false, headers: {'content-type': type, 'content-length': Buffer.byteLength(body)}},
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

interface StatusJson {
  total: number
  provisioned: number
  summary: {waiting: number; booting: number; done: number; failed: number}
  instances: Array<{id: string; ip: string; state: string; lastStep: string; durationMs: number; steps: Record<string, string>}>
  neverAsked: Array<{id: string}>
  unknown: Array<{ip: string; requests: number}>
  forgedCallbacks: number
}

describe('provisioning progress (built CLI: serve --phone-home + status)', () => {
  const t = tempDir('netops-progress-')
  let inventory = ''
  let serve: ServeProcess | undefined
  const dataDir = () => `${t.dir}/state`
  const args = () => [
    '--inventory',
    inventory,
    '--listen',
    '127.0.0.1:0',
    '--admin-listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir(),
    '--phone-home',
    '--cloudstack-password-port',
    'off',
  ]
  const status = async (extra: string[] = []) => {
    const r = await runCli(['metadata', 'status', '--admin', serve!.admin!, '--json', ...extra])
    assert.equal(r.status, 0, r.stderr)
    return JSON.parse(r.stdout) as StatusJson
  }

  before(async () => {
    ensureBuilt()
    const instances = Array.from({length: N}, (_, i) => ({...vm(i), hostname: vm(i).id, user_data: '#cloud-config\nruncmd: [true]\n'}))
    inventory = t.write('vms.yaml', stringify({instances}))
    serve = await startServe(args())
  })
  after(async () => {
    await serve?.stop()
    t.cleanup()
  })

  test('before any VM asks, status lists every VM as never asked and none provisioned', async () => {
    assert.ok(serve!.admin?.startsWith('http://127.0.0.1:'), 'admin listener on loopback')
    const s = await status()
    assert.equal(s.total, N)
    assert.equal(s.provisioned, 0)
    assert.equal(s.neverAsked.length, N)
    assert.deepEqual(s.instances, [])
  })

  test("a phone-home for one VM from another VM's address is refused (403), counted, and changes nothing", async () => {
    const [a, b] = [vm(5), vm(6)]
    assert.equal(
      await post(`${serve!.url}/phone-home/${b.id}`, a.ip, `instance_id=${b.id}&hostname=${b.id}`, 'application/x-www-form-urlencoded'),
      403,
    )
    assert.equal(
      await post(
        `${serve!.url}/report`,
        '127.1.9.9',
        JSON.stringify({name: 'modules-final', event_type: 'finish', result: 'SUCCESS'}),
        'application/json',
      ),
      403,
    )
    const s = await status()
    assert.equal(s.provisioned, 0)
    assert.equal(s.forgedCallbacks, 2)
    const metrics = await httpGet(`${serve!.admin}/metrics`)
    assert.match(metrics.body, /^netops_metadata_forged_callbacks_total 2$/m)
  })

  test('a storm of VMs fetching their documents and calling home ends with status --json all done; --watch on a pipe prints changes and exits 0', async () => {
    const watch = runCli(['metadata', 'status', '--admin', serve!.admin!, '--watch', '--interval', '1', '--timeout', '60'])
    await httpGet(`${serve!.url}/nocloud/meta-data`, {from: '127.1.9.9'}) // an unknown address
    await Promise.all(
      Array.from({length: N}, async (_, i) => {
        const {id, ip} = vm(i)
        for (const doc of ['meta-data', 'user-data', 'vendor-data']) {
          const r = await httpGet(`${serve!.url}/nocloud/${doc}`, {from: ip})
          assert.equal(r.status, 200, `${id} ${doc}`)
          if (doc === 'meta-data') assert.match(r.body, new RegExp(`instance-id: ${id}`))
          if (doc === 'vendor-data') assert.match(r.body, /phone_home:\n {2}url: http:\/\/169\.254\.169\.254\/phone-home\/\$INSTANCE_ID/)
        }
        // half call home with phone_home (form-encoded), half through the reporting webhook
        const code =
          i % 2 === 0
            ? await post(
                `${serve!.url}/phone-home/${id}`,
                ip,
                `instance_id=${id}&hostname=${id}&fqdn=${id}`,
                'application/x-www-form-urlencoded',
              )
            : await post(
                `${serve!.url}/report`,
                ip,
                JSON.stringify({
                  name: 'modules-final',
                  description: 'running modules for final',
                  event_type: 'finish',
                  origin: 'cloudinit',
                  timestamp: Date.now() / 1000,
                  result: 'SUCCESS',
                }),
                'application/json',
              )
        assert.equal(code, 200, `${id} calls home`)
      }),
    )
    const s = await status()
    assert.equal(s.provisioned, N)
    assert.equal(s.summary.done, N)
    assert.deepEqual(s.neverAsked, [])
    assert.ok(
      s.instances.every(
        (i) => i.state === 'done' && i.steps['metaData'] && i.steps['userData'] && i.steps['vendorData'] && i.steps['done'],
      ),
    )
    assert.deepEqual(
      s.unknown.map((u) => u.ip),
      ['127.1.9.9'],
    )
    // every callback was acknowledged after a group commit of the journal: at least one fdatasync, at most one each
    const metrics = (await httpGet(`${serve!.admin}/metrics`)).body
    const fsyncs = Number(/^netops_metadata_journal_fsyncs_total (\d+)$/m.exec(metrics)?.[1])
    assert.ok(fsyncs >= 1 && fsyncs <= N, `${fsyncs} fdatasyncs for ${N} callbacks`)
    // the callbacks' own latency histogram counts them (and the forged ones of the test before)
    const answered = Number(/^netops_metadata_callback_duration_seconds_count (\d+)$/m.exec(metrics)?.[1])
    assert.ok(answered >= N, `${answered} callbacks in the histogram, ${N} acknowledged`)
    const w = await watch
    assert.equal(w.status, 0, w.stderr)
    assert.match(w.stdout, new RegExp(`^${N}/${N} provisioned$`, 'm'))
    assert.match(w.stdout, /vm-000 127\.1\.0\.1 done phone-home/)
    assert.ok(!w.stdout.includes('\x1b['), 'no screen redraws on a pipe')
  })

  test('the human table lists VM, address, state, last step, when and how long, and unknown addresses apart', async () => {
    const r = await runCli(['metadata', 'status', '--admin', serve!.admin!])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`\\] ${N}/${N} provisioned`))
    assert.match(r.stdout, /^VM\s+ADDRESS\s+STATE\s+LAST STEP\s+WHEN\s+HOW LONG$/m)
    assert.match(r.stdout, /^vm-001\s+127\.1\.0\.2\s+done\s+modules-final finish\s+\d\d:\d\d:\d\d \(/m)
    assert.match(r.stdout, /unknown addresses that asked \(1\):\nADDRESS[^\n]*\n127\.1\.9\.9\s+1\s/)
  })

  test('a restart keeps the progress (data dir); a second server on the same data dir is refused', async () => {
    const busy = await runCli(['metadata', 'serve', ...args()])
    assert.equal(busy.status, 2, busy.stderr)
    assert.match(busy.stderr, /in use by another metadata server \(pid \d+\)/)
    assert.equal(await serve!.stop(), 0)
    serve = await startServe(args())
    const s = await status()
    assert.equal(s.provisioned, N)
    assert.equal(s.instances.find((i) => i.id === 'vm-000')?.state, 'done')
    assert.match(serve.stderr(), new RegExp(`progress: ${N} VMs' progress restored`))
  })
})
