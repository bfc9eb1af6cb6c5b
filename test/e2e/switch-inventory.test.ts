import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'
import {runCli} from '../helpers/cli.js'

const SECRET = 'S3cret-lab-pw'

describe('netops switch inventory validate (built CLI)', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-inv-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  const file = (name: string, ...lines: string[]) => {
    const f = join(dir, name)
    writeFileSync(f, lines.join('\n') + '\n')
    return f
  }

  test('a valid inventory: exit 0, a summary on stdout (within 80 columns) with each switch resolved and where each value came from', async () => {
    const f = file(
      'ok.yaml',
      'defaults: {username: admin, port: 19}',
      'groups:',
      '  nexus: {platform: NX-OS, port: Eth1/19}',
      'switches:',
      '  - 10.0.0.2',
      '  - {host: tor-7, groups: [nexus], ssh_port: 2222}',
    )
    const r = await runCli(['switch', 'inventory', 'validate', f])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    for (const line of r.stdout.split('\n').slice(1)) assert.ok(line.length <= 80, line)
    assert.equal(
      r.stdout,
      [
        `${f}: valid, 2 switches, groups: nexus`,
        '  10.0.0.2 (line 5): port 19 [defaults], username admin [defaults]',
        '  tor-7 (line 6): port Eth1/19 [group nexus], ssh_port 2222,',
        '    username admin [defaults], platform nxos [group nexus]',
        '',
      ].join('\n'),
    )
    const j = await runCli(['switch', 'inventory', 'validate', f, '--json'])
    assert.equal(j.code, 0, j.stderr)
    const d = JSON.parse(j.stdout) as {file: string; valid: boolean; switches: Array<Record<string, unknown>>; errors: unknown[]}
    assert.equal(d.file, f)
    assert.equal(d.valid, true)
    assert.deepEqual(d.errors, [])
    assert.deepEqual(d.switches[1], {
      host: 'tor-7',
      port: 'Eth1/19',
      sshPort: 2222,
      username: 'admin',
      platform: 'nxos',
      groups: ['nexus'],
      source: `${f}:6:5`,
      line: 6,
      column: 5,
      from: {port: 'group nexus', sshPort: 'host', username: 'defaults', platform: 'group nexus'},
    })
  })

  test('an invalid inventory: exit 2, every error with FILE:LINE:COLUMN and the key on stderr; --json lists them', async () => {
    const f = file(
      'bad.yaml',
      'default: {username: admin}',
      'switches:',
      '  - host: "127.0.0.1 "',
      '    usrname: admin',
      '  - {host: a, ssh_port: twenty-two, port: [19, 20]}',
    )
    const r = await runCli(['switch', 'inventory', 'validate', f])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    for (const line of [
      `${f}:1:1: default: unknown key \`default\` (did you mean \`defaults\`?)`,
      `${f}:3:11: switches[0].host: "127.0.0.1 " has a trailing space (remove the space: host: 127.0.0.1)`,
      `${f}:4:5: switches[0].usrname: unknown key \`usrname\` (did you mean \`username\`?)`,
      `${f}:5:25: switches[1].ssh_port: expected a port number (1-65535), got "twenty-two" (e.g. ssh_port: 22)`,
      `${f}:5:43: switches[1].port: expected one switch port name or number, got a list`,
    ]) {
      assert.ok(r.stderr.includes(line), `stderr has ${line}\n${r.stderr}`)
    }
    assert.match(r.stderr, /invalid switch inventory .* \(5 problems\)/)
    const j = await runCli(['switch', 'inventory', 'validate', f, '--json'])
    assert.equal(j.code, 2)
    const d = JSON.parse(j.stdout) as {valid: boolean; switches: unknown[]; errors: Array<Record<string, unknown>>}
    assert.equal(d.valid, false)
    assert.deepEqual(d.switches, [])
    assert.equal(d.errors.length, 5)
    assert.deepEqual(d.errors[0], {
      file: f,
      line: 1,
      column: 1,
      path: 'default',
      message: 'unknown key `default`',
      suggestion: 'did you mean `defaults`?',
    })
    assert.deepEqual(
      d.errors.map((e) => `${String(e.line)}:${String(e.column)} ${String(e.path)}`),
      ['1:1 default', '3:11 switches[0].host', '4:5 switches[0].usrname', '5:25 switches[1].ssh_port', '5:43 switches[1].port'],
    )
  })

  test('a missing file is exit 2 (JSON error document with --json); --help shows examples', async () => {
    const r = await runCli(['switch', 'inventory', 'validate', join(dir, 'nope.yaml'), '--json'])
    assert.equal(r.code, 2)
    assert.equal((JSON.parse(r.stdout) as {error: {code: string}}).error.code, 'NETOPS_INPUT_INVALID')
    const h = await runCli(['switch', 'inventory', 'validate', '--help'])
    assert.equal(h.code, 0)
    assert.match(h.stdout, /EXAMPLES/)
    assert.match(h.stdout, /switch inventory validate switches\.yaml --json/)
  })

  test('switch diagnose --inventory reports the same errors (exit 2) before connecting anywhere', async () => {
    const f = file('bad2.yaml', 'switches:', '  - {host: 127.0.0.1, ssh_port: twenty-two, port: 19}')
    const r = await runCli(['switch', 'diagnose', '--inventory', f], {env: {NETOPS_SSH_CONFIG: ''}})
    assert.equal(r.code, 2)
    assert.ok(r.stderr.includes(`${f}:2:33: switches[0].ssh_port: expected a port number (1-65535), got "twenty-two"`), r.stderr)
    assert.doesNotMatch(r.stderr, /NaN/)
  })
})

describe('the same switch listed more than once (built CLI against a lab switch)', () => {
  let dir: string
  let lab: LabSwitch
  let env: Record<string, string>
  let inv: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-dup-'))
    lab = await startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-dup'})
    env = {NETOPS_PASSWORD: SECRET, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: ''}
    inv = join(dir, 'three.yaml')
    writeFileSync(
      inv,
      [
        `defaults: {username: ${lab.username}, ssh_port: ${lab.port}, port: 19}`,
        'switches:',
        '  - host: 127.0.0.1',
        '  - host: 127.0.0.1',
        '  - host: localhost',
        '',
      ].join('\n'),
    )
  })
  after(async () => {
    await lab.close()
    rmSync(dir, {recursive: true, force: true})
  })

  test('fix-loop --yes refuses (exit 2) naming each repeat and its line, and sends nothing', async () => {
    const r = await runCli(['switch', 'fix-loop', '--inventory', inv, '--yes'], {env})
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /the same switch is listed more than once; switch fix-loop would configure it from several sessions at once/)
    assert.ok(
      r.stderr.includes(`127.0.0.1:${lab.port} port 19 (${inv}:4:5) is the same switch as 127.0.0.1:${lab.port} port 19 (${inv}:3:5)`),
      r.stderr,
    )
    assert.ok(
      r.stderr.includes(`localhost:${lab.port} port 19 (${inv}:5:5) is the same switch as 127.0.0.1:${lab.port} port 19 (${inv}:3:5)`),
      r.stderr,
    )
    assert.equal(lab.device.lastConfigChange, null)
    const j = await runCli(['switch', 'fix-loop', '--inventory', inv, '--yes', '--json'], {env})
    assert.equal(j.code, 2)
    const e = (JSON.parse(j.stdout) as {error: {code: string; details: {duplicates: Array<Record<string, string>>}}}).error
    assert.equal(e.code, 'NETOPS_INPUT_INVALID')
    assert.deepEqual(
      e.details.duplicates.map((d) => [d.host, d.source, d.sameAsSource]),
      [
        ['127.0.0.1', `${inv}:4:5`, `${inv}:3:5`],
        ['localhost', `${inv}:5:5`, `${inv}:3:5`],
      ],
    )
  })

  test('a --host repeating an inventory entry is refused for fix-loop too', async () => {
    const one = join(dir, 'one.yaml')
    writeFileSync(one, `switches:\n  - {host: 127.0.0.1, ssh_port: ${lab.port}, username: ${lab.username}, port: 19}\n`)
    const r = await runCli(
      ['switch', 'fix-loop', '--host', 'localhost', '--ssh-port', String(lab.port), '--port', '19', '--inventory', one, '--yes'],
      {env},
    )
    assert.equal(r.code, 2, r.stderr)
    assert.ok(
      r.stderr.includes(`127.0.0.1:${lab.port} port 19 (${one}:2:5) is the same switch as localhost:${lab.port} port 19 (--host)`),
      r.stderr,
    )
    assert.equal(lab.device.lastConfigChange, null)
  })

  test('read-only runs (diagnose, fix-loop --dry-run) run the switch once, with a warning per repeat', async () => {
    const d = await runCli(['switch', 'diagnose', '--inventory', inv, '--json'], {env})
    assert.equal(d.code, 0, d.stderr)
    const doc = JSON.parse(d.stdout) as Record<string, unknown>
    assert.ok(!('hosts' in doc), 'one switch: its own document')
    assert.equal(doc.interface, 'GigabitEthernet1/0/19')
    assert.equal(d.stderr.match(/listed more than once: running it once/g)?.length, 2, d.stderr)
    assert.ok(
      d.stderr.includes(`localhost:${lab.port} port 19 listed more than once: running it once (the same switch as 127.0.0.1:${lab.port})`),
      d.stderr,
    )
    const dry = await runCli(['switch', 'fix-loop', '--inventory', inv, '--dry-run', '--json'], {env})
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.stderr.match(/listed more than once: running it once/g)?.length, 2, dry.stderr)
    assert.equal(lab.device.lastConfigChange, null)
  })
})
