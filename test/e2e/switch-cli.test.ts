import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'
import {freePort} from '../helpers/sshd.js'
import {runCli} from '../helpers/cli.js'
import {generateKeyPair} from '../helpers/ssh-server.js'

const SECRET = 'S3cret-lab-pw'
const PASSPHRASE = 'k3y-pass-phrase-e2e'

describe('netops switch (built CLI against lab switches)', () => {
  let dir: string
  let labs: LabSwitch[] = []
  let env: Record<string, string>

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-'))
    labs = await Promise.all([
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-a'}),
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-b', platform: 'nxos'}),
    ])
    env = {NETOPS_PASSWORD: SECRET, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: ''}
  })
  after(async () => {
    await Promise.all(labs.map((l) => l.close()))
    rmSync(dir, {recursive: true, force: true})
  })

  const conn = (lab: LabSwitch) => ['--host', lab.host, '--ssh-port', String(lab.port), '--username', lab.username]

  test('diagnose --json prints exactly one JSON document with the documented shape', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(['switch', 'diagnose', ...conn(lab), '--port', '19', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const d = JSON.parse(r.stdout) as Record<string, unknown>
    for (const k of [
      'host',
      'platform',
      'interface',
      'status',
      'errDisabledReason',
      'keepalive',
      'recovery',
      'events',
      'verdict',
      'plan',
    ]) {
      assert.ok(k in d, `has ${k}`)
    }
    assert.equal(d.platform, 'ios')
    assert.equal(d.interface, 'GigabitEthernet1/0/19')
    assert.equal(d.verdict, 'keepalive-loopback')
    assert.deepEqual(d.recovery, {loopback: false, intervalSeconds: 300})
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET))
  })

  test('diagnose prints a human verdict and the fix on stdout', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(['switch', 'diagnose', ...conn(lab), '--port', 'gi1/0/19'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /KEEPALIVE LOOP-BACK/)
    assert.match(r.stdout, /no keepalive/)
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when stdout is not a TTY')
  })

  test('fix-loop without a terminal and without --yes refuses (exit 12) and sends nothing', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', '19'], {env})
    assert.equal(r.code, 12)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--yes/)
    assert.equal(lab.device.lastConfigChange, null)
  })

  test('fix-loop --dry-run --json shows the plan and changes nothing', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--dry-run', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as {dryRun: boolean; plan: string[]; applied: string[]}
    assert.equal(j.dryRun, true)
    assert.deepEqual(j.applied, [])
    assert.ok(j.plan.includes('no keepalive'))
    assert.equal(lab.device.lastConfigChange, null)
  })

  test('fix-loop --yes --bounce --json applies, then a second run reports nothing to change', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--bounce', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as Record<string, unknown> & {before: {status: string}; after: {status: string}}
    for (const k of ['host', 'interface', 'dryRun', 'applied', 'skipped', 'saved', 'bounced', 'before', 'after'])
      assert.ok(k in j, `has ${k}`)
    assert.equal(j.before.status, 'err-disabled')
    assert.equal(j.after.status, 'connected')
    const again = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes'], {env})
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /nothing to change/)
  })

  test('several hosts run in parallel and end with a per-host table; one failure makes exit 10', async () => {
    const dead = await freePort()
    const inv = join(dir, 'switches.yaml')
    const [a, b] = labs as [LabSwitch, LabSwitch]
    writeFileSync(
      inv,
      [
        'defaults: {username: admin, port: 19}',
        'switches:',
        `  - {host: 127.0.0.1, ssh_port: ${a.port}}`,
        `  - {host: 127.0.0.1, ssh_port: ${b.port}, port: Eth1/19}`,
        `  - {host: 127.0.0.1, ssh_port: ${dead}}`,
      ].join('\n'),
    )
    const human = await runCli(['switch', 'diagnose', '--inventory', inv], {env})
    assert.equal(human.code, 10, human.stderr)
    assert.match(human.stdout, /2\/3 hosts ok/)
    const r = await runCli(['switch', 'diagnose', '--inventory', inv, '--json'], {env})
    assert.equal(r.code, 10)
    const j = JSON.parse(r.stdout) as {hosts: Array<{ok: boolean; error?: {code: string}}>; failed: number}
    assert.equal(j.hosts.length, 3)
    assert.equal(j.failed, 1)
    assert.equal(j.hosts[2]?.error?.code, 'NETOPS_SSH_UNREACHABLE')
  })

  test('a switch listed twice (--host and the inventory) runs once, with a warning', async () => {
    const lab = labs[0] as LabSwitch
    const inv = join(dir, 'twice.yaml')
    writeFileSync(inv, ['switches:', `  - {host: ${lab.host}, ssh_port: ${lab.port}, port: 19, username: ${lab.username}}`].join('\n'))
    const r = await runCli(['switch', 'diagnose', ...conn(lab), '--port', '19', '--host', lab.host, '--inventory', inv, '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const d = JSON.parse(r.stdout) as Record<string, unknown>
    assert.ok(!('hosts' in d), 'one switch: its own document, not the per-host one')
    assert.equal(d.interface, 'GigabitEthernet1/0/19')
    assert.equal(r.stderr.match(/listed more than once: running it once/g)?.length, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`${lab.host}:${lab.port} port 19 listed more than once`))
  })

  test('distinct exit codes: unreachable 3, auth 7, unknown port 5, usage 2', async () => {
    const lab = labs[1] as LabSwitch
    const dead = await freePort()
    const unreachable = await runCli(['switch', 'diagnose', '--host', '127.0.0.1', '--ssh-port', String(dead), '--port', '19', '--json'], {
      env,
    })
    assert.equal(unreachable.code, 3)
    assert.equal((JSON.parse(unreachable.stdout) as {error: {code: string}}).error.code, 'NETOPS_SSH_UNREACHABLE')
    const auth = await runCli(['switch', 'diagnose', ...conn(lab), '--port', '19'], {env: {...env, NETOPS_PASSWORD: 'wrong-pw-xyz'}})
    assert.equal(auth.code, 7)
    assert.ok(!auth.stderr.includes('wrong-pw-xyz'))
    const port = await runCli(['switch', 'diagnose', ...conn(lab), '--port', 'Eth1/99'], {env})
    assert.equal(port.code, 5)
    assert.match(port.stderr, /nearest/)
    const usage = await runCli(['switch', 'diagnose', '--port', '19'], {env})
    assert.equal(usage.code, 2)
  })

  test('an ~/.ssh/config alias, --platform nxos and --interval reach the NX-OS switch and shape the plan', async () => {
    const lab = labs[1] as LabSwitch
    const cfg = join(dir, 'ssh_config')
    writeFileSync(cfg, `Host tor-b-alias\n  HostName 127.0.0.1\n  Port ${lab.port}\n  User admin\n`)
    const r = await runCli(
      [
        'switch',
        'fix-loop',
        '--host',
        'tor-b-alias',
        '--platform',
        'nxos',
        '--port',
        'Eth1/19',
        '--interval',
        '600',
        '--dry-run',
        '--json',
      ],
      {
        env: {...env, NETOPS_SSH_CONFIG: cfg},
      },
    )
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as {platform: string; plan: string[]}
    assert.equal(j.platform, 'nxos')
    assert.deepEqual(j.plan, ['errdisable recovery cause loopback', 'errdisable recovery interval 600'])
    const tooBig = await runCli(['switch', 'fix-loop', '--host', 'tor-b-alias', '--port', 'Eth1/19', '--interval', '70000', '--dry-run'], {
      env: {...env, NETOPS_SSH_CONFIG: cfg},
    })
    assert.equal(tooBig.code, 2)
    assert.match(tooBig.stderr, /30-65535/)
  })

  test('--host-key-policy strict refuses a host missing from --known-hosts (exit 9)', async () => {
    const lab = labs[0] as LabSwitch
    const r = await runCli(
      ['switch', 'diagnose', ...conn(lab), '--port', '19', '--host-key-policy', 'strict', '--known-hosts', join(dir, 'empty_known_hosts')],
      {env},
    )
    assert.equal(r.code, 9)
    assert.match(r.stderr, /NETOPS_SSH_HOSTKEY_UNKNOWN/)
  })

  test('--host-key-policy off connects to a host whose known key changed, with a warning on stderr', async () => {
    const lab = labs[0] as LabSwitch
    const kh = join(dir, 'changed_known_hosts')
    // the NX-OS lab's key recorded for the IOS lab's address: a changed key
    const other = (labs[1] as LabSwitch).hostPublicKey.split(' ').slice(0, 2).join(' ')
    writeFileSync(kh, `[${lab.host}]:${lab.port} ${other}\n`)
    const r = await runCli(['switch', 'diagnose', ...conn(lab), '--port', '19', '--host-key-policy', 'off', '--known-hosts', kh], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stderr,
      /warning: .*HOST KEY has CHANGED for .*changed_known_hosts:1; connecting anyway because --host-key-policy is off/,
    )
    assert.doesNotMatch(r.stdout, /HOST KEY/)
  })

  test('an encrypted key: NETOPS_IDENTITY_PASSPHRASE (or --identity-passphrase) opens it; the passphrase is never printed', async () => {
    const key = generateKeyPair('ed25519', PASSPHRASE)
    const file = join(dir, 'id_encrypted')
    writeFileSync(file, key.private, {mode: 0o600})
    const lab = await startLabSwitch({timeScale: 0.01, authorizedKeys: [key.public]})
    try {
      const base = ['switch', 'diagnose', ...conn(lab), '--port', '19', '-i', file, '--json']
      const keyEnv = {...env, NETOPS_PASSWORD: undefined}
      const ok = await runCli(base, {env: {...keyEnv, NETOPS_IDENTITY_PASSPHRASE: PASSPHRASE}})
      assert.equal(ok.code, 0, ok.stdout + ok.stderr)
      const flag = await runCli([...base, '--identity-passphrase', PASSPHRASE], {env: keyEnv})
      assert.equal(flag.code, 0, flag.stdout + flag.stderr)
      const wrong = await runCli(base, {env: {...keyEnv, NETOPS_IDENTITY_PASSPHRASE: 'not-the-passphrase'}})
      assert.equal(wrong.code, 7, wrong.stdout + wrong.stderr)
      assert.match(wrong.stdout, /wrong passphrase/)
      for (const r of [ok, flag, wrong])
        assert.ok(!(r.stdout + r.stderr).includes(PASSPHRASE) && !(r.stdout + r.stderr).includes('not-the-passphrase'))
    } finally {
      await lab.close()
    }
  })

  test('--help shows examples with long flags', async () => {
    for (const cmd of ['diagnose', 'fix-loop']) {
      const r = await runCli(['switch', cmd, '--help'])
      assert.equal(r.code, 0)
      assert.match(r.stdout, /EXAMPLES/)
      assert.match(r.stdout, /--host/)
    }
  })
})
