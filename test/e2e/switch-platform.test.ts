import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'
import {runCli} from '../helpers/cli.js'

const SECRET = 'S3cret-lab-pw'

describe('a forced --platform that show version contradicts (built CLI against lab switches of both dialects)', () => {
  let dir: string
  let env: Record<string, string>
  let ios: LabSwitch
  let nxos: LabSwitch

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-platform-'))
    ;[ios, nxos] = await Promise.all([
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-x'}),
      startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-n', platform: 'nxos'}),
    ])
    env = {NETOPS_PASSWORD: SECRET, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: ''}
  })
  after(async () => {
    await Promise.all([ios.close(), nxos.close()])
    rmSync(dir, {recursive: true, force: true})
  })

  const conn = (lab: LabSwitch) => ['--host', lab.host, '--ssh-port', String(lab.port), '--username', lab.username]

  for (const [name, forced, detected, port] of [
    ['IOS-XE', 'nxos', 'ios', '19'],
    ['NX-OS', 'ios', 'nxos', 'Eth1/19'],
  ] as const) {
    test(`fix-loop --platform ${forced} on the ${name} lab is refused (exit 2), naming what show version says; nothing is sent`, async () => {
      const lab = detected === 'ios' ? ios : nxos
      const r = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', port, '--platform', forced, '--yes', '--json'], {env})
      assert.equal(r.code, 2, r.stderr)
      const j = JSON.parse(r.stdout) as {error: {code: string; message: string; suggestions: string[]; details: {detected: string}}}
      assert.equal(j.error.code, 'NETOPS_SWITCH_PLATFORM_MISMATCH')
      assert.match(j.error.message, new RegExp(`^--platform ${forced}, but \`show version\` on 127\\.0\\.0\\.1 says `))
      assert.match(j.error.message, detected === 'ios' ? /Cisco IOS XE Software/ : /NXOS: version|Nexus/)
      assert.equal(j.error.details.detected, detected)
      assert.match(j.error.suggestions.join(' '), new RegExp(`--platform ${detected}`))
      assert.equal(lab.device.lastConfigChange, null)
      const human = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', port, '--platform', forced, '--dry-run'], {env})
      assert.equal(human.code, 2)
      assert.match(human.stderr, /NETOPS_SWITCH_PLATFORM_MISMATCH.*sends nothing/)
    })
  }

  test('diagnose --platform nxos on the IOS-XE lab warns on stderr and still diagnoses', async () => {
    const r = await runCli(['switch', 'diagnose', ...conn(ios), '--port', '19', '--platform', 'nxos', '--json'], {env})
    assert.match(
      r.stderr,
      /warning: --platform nxos, but `show version` on 127\.0\.0\.1 says Cisco IOS \/ IOS-XE .*drop --platform, or pass --platform ios/,
    )
    assert.equal(r.code, 0, r.stderr)
    assert.equal((JSON.parse(r.stdout) as {platform: string}).platform, 'nxos')
  })

  test('diagnose --platform ios on the NX-OS lab warns on stderr', async () => {
    const r = await runCli(['switch', 'diagnose', ...conn(nxos), '--port', 'Eth1/19', '--platform', 'ios'], {env})
    assert.match(r.stderr, /warning: --platform ios, but `show version` on 127\.0\.0\.1 says Cisco NX-OS/)
  })

  test('a --platform that agrees with show version gives no warning', async () => {
    const r = await runCli(['switch', 'diagnose', ...conn(nxos), '--port', 'Eth1/19', '--platform', 'nxos'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stderr, /warning/)
  })
})
