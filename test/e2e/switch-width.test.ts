import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'
import {runCli} from '../helpers/cli.js'

const SECRET = 'S3cret-lab-pw'

/** Lines wider than 80 columns (counted in characters, as a terminal shows them). */
const overlong = (text: string): string[] => text.split('\n').filter((l) => Array.from(l).length > 80)

describe('80 columns (built CLI; COLUMNS unset, stdout not a TTY)', () => {
  let dir: string
  let env: Record<string, string | undefined>
  let labs: LabSwitch[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-width-'))
    labs = await Promise.all([
      // flapping: a long event list with long log messages
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-w1', scenario: 'flapping'}),
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-w2', platform: 'nxos', scenario: 'bpduguard'}),
    ])
    env = {NETOPS_PASSWORD: SECRET, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: '', COLUMNS: undefined}
    // let the flapping port cycle a few times (3 s recovery timer at this time scale)
    await new Promise((r) => setTimeout(r, 4000))
  })
  after(async () => {
    await Promise.all(labs.map((l) => l.close()))
    rmSync(dir, {recursive: true, force: true})
  })

  const conn = (lab: LabSwitch) => ['--host', lab.host, '--ssh-port', String(lab.port), '--username', lab.username]

  test('switch diagnose human output has no line over 80 columns, on both dialects', async () => {
    for (const [lab, port] of [
      [labs[0], '19'],
      [labs[1], 'Eth1/19'],
    ] as const) {
      const r = await runCli(['switch', 'diagnose', ...conn(lab as LabSwitch), '--port', port], {env})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /events \(/)
      assert.deepEqual(overlong(r.stdout), [], r.stdout)
    }
  })

  test('the per-host table of several switches fits 80 columns', async () => {
    const inv = join(dir, 'switches.yaml')
    writeFileSync(
      inv,
      [
        'defaults: {username: admin}',
        'switches:',
        `  - {host: 127.0.0.1, ssh_port: ${labs[0]?.port}, port: 19}`,
        `  - {host: 127.0.0.1, ssh_port: ${labs[1]?.port}, port: Eth1/19}`,
        '  - {host: 127.0.0.1, ssh_port: 1, port: 19}',
      ].join('\n'),
    )
    const r = await runCli(['switch', 'diagnose', '--inventory', inv], {env})
    assert.equal(r.code, 10, r.stderr)
    assert.match(r.stdout, /2\/3 hosts ok/)
    assert.deepEqual(overlong(r.stdout), [], r.stdout)
  })

  test('fix-loop --help: the description is written without hard line breaks, so oclif wraps it within 80 columns', async () => {
    for (const cmd of ['diagnose', 'fix-loop']) {
      const r = await runCli(['switch', cmd, '--help'], {env})
      assert.equal(r.code, 0)
      const description = r.stdout.split('DESCRIPTION\n')[1]?.split('\nEXAMPLES')[0] ?? ''
      assert.ok(description.length > 0, r.stdout)
      assert.deepEqual(overlong(description), [])
      assert.deepEqual(overlong(r.stdout.split('\n')[0] ?? ''), [], 'the summary fits too')
    }
  })

  test('an unknown command with --json prints the JSON error document (exit 2); without --json, oclif text', async () => {
    const r = await runCli(['switch', 'diagnos', '--port', '19', '--json'], {env})
    assert.equal(r.code, 2)
    const j = JSON.parse(r.stdout) as {error: {code: string; message: string; exitCode: number; suggestions: string[]}}
    assert.equal(j.error.code, 'NETOPS_USAGE')
    assert.equal(j.error.exitCode, 2)
    assert.equal(j.error.message, 'command switch diagnos not found')
    assert.ok(j.error.suggestions.includes('did you mean: netops switch diagnose'))
    const viaEnv = await runCli(['swtich'], {env: {...env, NETOPS_CONTENT_TYPE: 'json'}})
    assert.equal(viaEnv.code, 2)
    assert.equal((JSON.parse(viaEnv.stdout) as {error: {message: string}}).error.message, 'command swtich not found')
    const human = await runCli(['switch', 'diagnos'], {env})
    assert.equal(human.code, 2)
    assert.equal(human.stdout, '')
    assert.match(human.stderr, /command switch:diagnos not found/)
  })
})
