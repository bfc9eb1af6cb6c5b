/**
 * The real path: a "host" network namespace with bridge br-md and the rules from
 * `netops metadata redirect --apply`, three "VM" namespaces on veths (10.200.0.11-13), the real
 * metadata server listening in the host namespace, and a "remote" server namespace for DNAT.
 * Each VM curls http://169.254.169.254/latest/meta-data/instance-id and must get its own id.
 * Everything happens inside namespaces this test creates and deletes; the machine's own
 * iptables/nft tables are never touched.
 */
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import {buildCli, createVmLab, normaliseIptablesSave, normaliseNftRuleset, run, type ExecOut, type VmLab} from '../../helpers/netns.js'
import {netnsSkip} from '../../helpers/netns.js'

const skip = netnsSkip()
const PORT = 8807

function serverScript(prefix: string, ips: string[]): string {
  const instances = ips.map((ip, i) => ({id: `${prefix}vm-${i + 1}`, hostname: `${prefix}vm-${i + 1}`, ip}))
  return `import {startMetadataServer} from ${JSON.stringify(new URL('../../../src/metadata/index.js', import.meta.url).pathname)}
const s = await startMetadataServer({inventory: {instances: ${JSON.stringify(instances)}}, host: '0.0.0.0', port: ${PORT}})
console.log(JSON.stringify({url: s.url}))
process.on('SIGTERM', () => { s.close().then(() => process.exit(0)) })`
}

describe('netops metadata redirect in network namespaces (real iptables and nft)', {skip}, () => {
  let lab: VmLab
  let cli: {runJs: string; cleanup: () => void}
  let baseIpt = ''
  let baseNft = ''

  /** `ip netns exec <host ns> node run.js metadata redirect ...` */
  const redirect = (args: string[], opts: {env?: Record<string, string | undefined>; user?: number} = {}): Promise<ExecOut> => {
    const cmd = [process.execPath, cli.runJs, 'metadata', 'redirect', ...args]
    const asUser = opts.user === undefined ? cmd : ['setpriv', `--reuid=${opts.user}`, `--regid=${opts.user}`, '--clear-groups', ...cmd]
    return lab.exec(lab.host, asUser, {env: {...process.env, NO_COLOR: '1', HOME: '/tmp', ...opts.env}, timeoutMs: 60_000})
  }
  const json = (r: ExecOut) => {
    assert.ok(r.stdout.trim().startsWith('{'), `JSON on stdout (exit ${r.code}); stderr: ${r.stderr}`)
    return JSON.parse(r.stdout) as Record<string, unknown> & {
      changed: boolean
      applied: string[][]
      removed: string[][]
      unchanged: string[][]
      mode: string
      error?: {code: string; exitCode: number; suggestions: string[]}
    }
  }
  const iptablesSave = async () => normaliseIptablesSave(await lab.must(lab.host, ['iptables-save']))
  const nftRuleset = async () => normaliseNftRuleset(await lab.must(lab.host, ['nft', 'list', 'ruleset']))
  const curlAll = () =>
    Promise.all(lab.vms.map((vm) => lab.exec(vm.ns, ['curl', '-s', '-m', '5', 'http://169.254.169.254/latest/meta-data/instance-id'])))

  before(async () => {
    // Assigned one by one so that after() tears down whatever was made if the other fails.
    const building = buildCli(['commands/metadata/redirect']).then((c) => (cli = c))
    lab = await createVmLab({vms: 3})
    await building
    await lab.spawnNode(
      lab.host,
      serverScript(
        '',
        lab.vms.map((v) => v.ip),
      ),
    )
    await lab.spawnNode(
      lab.server,
      serverScript(
        'remote-',
        lab.vms.map((v) => v.ip),
      ),
    )
    // Someone else's rules, which netops must leave exactly as they are.
    await lab.must(lab.host, [
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-p',
      'tcp',
      '--dport',
      '2222',
      '-j',
      'REDIRECT',
      '--to-ports',
      '22',
    ])
    await lab.must(lab.host, [
      'iptables',
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      '9999',
      '-m',
      'comment',
      '--comment',
      'not ours',
      '-j',
      'ACCEPT',
    ])
    await lab.must(lab.host, ['nft', 'add', 'table', 'inet', 'other'])
    await lab.must(lab.host, ['nft', 'add', 'chain', 'inet', 'other', 'in', '{ type filter hook input priority 0; policy accept; }'])
    await lab.must(lab.host, ['nft', 'add', 'rule', 'inet', 'other', 'in', 'tcp', 'dport', '9998', 'accept'])
    baseIpt = await iptablesSave()
    baseNft = await nftRuleset()
  })
  after(async () => {
    await lab?.destroy()
    cli?.cleanup()
  })

  test('without --apply nothing changes and the VMs cannot reach 169.254.169.254', async () => {
    const r = await redirect(['--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^iptables -t nat -I PREROUTING 1 -d 169\.254\.169\.254\/32 -i br-md .* -j REDIRECT --to-ports 8807$/m)
    assert.match(r.stderr, /listen on 0\.0\.0\.0:8807/)
    assert.equal(await iptablesSave(), baseIpt)
    const curls = await curlAll()
    assert.ok(
      curls.every((c) => c.code !== 0),
      'no VM gets an answer before the rules exist',
    )
  })

  test('iptables --apply: each VM gets its own instance-id; a second --apply adds nothing', async () => {
    const first = json(await redirect(['--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(first.changed, true)
    assert.equal(first.mode, 'redirect')
    assert.equal(first.applied.length, 1)
    const curls = await curlAll()
    assert.deepEqual(
      curls.map((c) => c.stdout),
      ['vm-1', 'vm-2', 'vm-3'],
      curls.map((c) => c.stderr).join(' '),
    )
    const afterFirst = await iptablesSave()
    assert.equal(afterFirst.split('\n').filter((l) => l.includes('netops-metadata')).length, 1)

    const second = await redirect(['--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply', '--json'])
    assert.equal(second.code, 0)
    const s = json(second)
    assert.equal(s.changed, false)
    assert.deepEqual(s.applied, [])
    assert.equal(s.unchanged.length, 1)
    assert.equal(await iptablesSave(), afterFirst, 'the second --apply changed nothing')
  })

  test('switching to --nft while the iptables rule is in place is refused as a conflict (exit 12)', async () => {
    const r = await redirect(['--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--nft', '--apply', '--json'])
    assert.equal(r.code, 12)
    const e = json(r).error!
    assert.equal(e.code, 'NETOPS_METADATA_REDIRECT_CONFLICT')
    assert.ok(
      e.suggestions.some((s) => s.includes('--remove (no --nft)')),
      e.suggestions.join('; '),
    )
  })

  test('iptables --remove leaves no rule behind and the unrelated rules intact (iptables-save diff is empty)', async () => {
    const r = json(await redirect(['--remove', '--json']))
    assert.equal(r.changed, true)
    assert.equal(r.removed.length, 1)
    assert.equal(await iptablesSave(), baseIpt)
    const again = json(await redirect(['--remove', '--json']))
    assert.equal(again.changed, false)
    assert.ok(
      (await curlAll()).every((c) => c.code !== 0),
      'the redirect is really gone',
    )
  })

  test("DNAT to a server in another namespace keeps each VM's source address", async () => {
    const r = json(await redirect(['--to', `${lab.serverAddress}:${PORT}`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(r.mode, 'dnat')
    const curls = await curlAll()
    assert.deepEqual(
      curls.map((c) => c.stdout),
      ['remote-vm-1', 'remote-vm-2', 'remote-vm-3'],
    )
    json(await redirect(['--remove', '--json']))
    assert.equal(await iptablesSave(), baseIpt)
  })

  test('--to the bridge address gives REDIRECT, --to another local address DNAT: both reach the local server', async () => {
    for (const [to, mode] of [
      [`${lab.bridgeAddress}:${PORT}`, 'redirect'],
      [`10.201.0.1:${PORT}`, 'dnat'],
    ] as const) {
      const r = json(await redirect(['--to', to, '--bridge', 'br-md', '--apply', '--json']))
      assert.equal(r.mode, mode, to)
      assert.deepEqual(
        (await curlAll()).map((c) => c.stdout),
        ['vm-1', 'vm-2', 'vm-3'],
        to,
      )
    }
    const gone = json(await redirect(['--remove', '--json']))
    assert.equal(gone.removed.length, 1, 'the second --apply replaced the first rule: one rule to remove')
    assert.equal(await iptablesSave(), baseIpt)
  })

  test("someone else's DNAT for 169.254.169.254:80 is a conflict: exit 12, nothing added", async () => {
    const foreign = ['-d', '169.254.169.254/32', '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', '10.201.0.2:8775']
    await lab.must(lab.host, ['iptables', '-t', 'nat', '-A', 'PREROUTING', ...foreign])
    try {
      const before = await iptablesSave()
      const r = await redirect(['--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply'])
      assert.equal(r.code, 12)
      assert.match(r.stderr, /NETOPS_METADATA_REDIRECT_CONFLICT/)
      assert.match(r.stderr, /10\.201\.0\.2:8775/)
      // iptables-nft rules are nft rules too: the nft backend sees the same conflict.
      const n = await redirect(['--nft', '--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply'])
      assert.equal(n.code, 12, n.stderr)
      assert.match(n.stderr, /10\.201\.0\.2:8775/)
      assert.equal(await iptablesSave(), before)
    } finally {
      await lab.must(lab.host, ['iptables', '-t', 'nat', '-D', 'PREROUTING', ...foreign])
    }
  })

  test('nft --apply: each VM gets its own data; twice changes nothing; a new port replaces the table', async () => {
    const first = json(await redirect(['--nft', '--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(first.changed, true)
    assert.equal(first.applied.length, 3)
    const curls = await curlAll()
    assert.deepEqual(
      curls.map((c) => c.stdout),
      ['vm-1', 'vm-2', 'vm-3'],
    )
    const afterFirst = await nftRuleset()
    const second = json(await redirect(['--nft', '--to', `127.0.0.1:${PORT}`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(second.changed, false)
    assert.deepEqual(second.applied, [])
    assert.equal(await nftRuleset(), afterFirst)
    const moved = json(await redirect(['--nft', '--to', `127.0.0.1:9000`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(moved.changed, true)
    assert.deepEqual(moved.removed, [['nft', 'delete', 'table', 'ip', 'netops_metadata']])
    assert.match(await nftRuleset(), /redirect to :9000/)
  })

  test('nft --remove deletes only table ip netops_metadata: the ruleset is back to what it was', async () => {
    const r = json(await redirect(['--nft', '--remove', '--json']))
    assert.equal(r.changed, true)
    assert.equal(await nftRuleset(), baseNft)
    assert.equal(await iptablesSave(), baseIpt)
    assert.equal(json(await redirect(['--nft', '--remove', '--json'])).changed, false)
  })

  test("nft DNAT to a server in another namespace keeps each VM's source address", async () => {
    const r = json(await redirect(['--nft', '--to', `${lab.serverAddress}:${PORT}`, '--bridge', 'br-md', '--apply', '--json']))
    assert.equal(r.mode, 'dnat')
    const curls = await curlAll()
    assert.deepEqual(
      curls.map((c) => c.stdout),
      ['remote-vm-1', 'remote-vm-2', 'remote-vm-3'],
    )
    json(await redirect(['--nft', '--remove', '--json']))
    assert.equal(await nftRuleset(), baseNft)
  })

  test('not root: --apply fails with NETOPS_PERMISSION_DENIED (exit 14) and changes nothing', async () => {
    for (const backend of [[], ['--nft']]) {
      const r = await redirect([...backend, '--to', `127.0.0.1:${PORT}`, '--apply', '--json'], {user: 65534})
      assert.equal(r.code, 14, `${backend.join('') || 'iptables'}: ${r.stdout} ${r.stderr}`)
      assert.equal(json(r).error?.code, 'NETOPS_PERMISSION_DENIED')
    }
    assert.equal(await iptablesSave(), baseIpt)
  })

  test('iptables or nft missing: NETOPS_DEPENDENCY_MISSING (exit 13) naming the Debian package', async () => {
    const empty = await run(['mktemp', '-d'])
    const dir = empty.stdout.trim()
    try {
      const r = await redirect(['--to', `127.0.0.1:${PORT}`, '--apply'], {env: {PATH: dir}})
      assert.equal(r.code, 13, r.stderr)
      assert.match(r.stderr, /apt-get install iptables/)
      const n = await redirect(['--nft', '--remove'], {env: {PATH: dir}})
      assert.equal(n.code, 13, n.stderr)
      assert.match(n.stderr, /apt-get install nftables/)
    } finally {
      await run(['rmdir', dir])
    }
  })
})
