/**
 * `netops switch diagnose --jump` (built CLI) against the lab switch "tor-7" that only a real
 * OpenSSH bastion can reach (network namespace; test/helpers/jump-lab.ts). The decoy listening on
 * the switch's address:port on this host must never be contacted. `--jump bastion` becomes
 * ResolvedTarget.jumps in src/ssh/target.ts (the ssh_config work), the hop resolved through ssh_config.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, describe, test} from 'node:test'
import {runCli} from '../helpers/cli.js'
import {createJumpLab, jumpLabSkip, type JumpLab} from '../helpers/jump-lab.js'

const skip = jumpLabSkip()
const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'

describe('netops switch --jump (built CLI, real OpenSSH bastion)', {skip}, () => {
  let lab: JumpLab
  let dir: string
  let env: Record<string, string>

  before(async () => {
    lab = await createJumpLab()
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-jump-'))
    const sshConfig = join(dir, 'ssh_config')
    writeFileSync(
      sshConfig,
      [
        'Host bastion',
        '  HostName 127.0.0.1',
        `  Port ${lab.bastion.port}`,
        `  User ${lab.bastion.user}`,
        `  IdentityFile ${lab.bastion.identityFile}`,
        '',
      ].join('\n'),
    )
    env = {NETOPS_PASSWORD: lab.sw.password, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: sshConfig}
  })
  after(async () => {
    await lab?.destroy()
    rmSync(dir, {recursive: true, force: true})
  })
  afterEach(() => assert.equal(lab.decoys.sw.connections, 0, 'the decoy on the switch address:port was contacted'))

  const conn = (): string[] => ['--host', lab.sw.host, '--ssh-port', String(lab.sw.port), '--username', lab.sw.username]

  test('diagnose --jump bastion --json diagnoses the switch behind the bastion', async () => {
    const kh = join(dir, 'known_hosts-ok')
    const r = await runCli(['switch', 'diagnose', ...conn(), '--jump', 'bastion', '--port', '19', '--known-hosts', kh, '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const d = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(d.interface, 'GigabitEthernet1/0/19')
    assert.equal(d.verdict, 'keepalive-loopback')
    assert.ok(lab.bastionConnections > 0)
  })

  test('a changed bastion key: exit 9, the --json error names the jump host', async () => {
    const kh = join(dir, 'known_hosts-changed')
    writeFileSync(kh, `[127.0.0.1]:${lab.bastion.port} ${OTHER_KEY}\n`)
    const r = await runCli(['switch', 'diagnose', ...conn(), '--jump', 'bastion', '--port', '19', '--known-hosts', kh, '--json'], {env})
    assert.equal(r.code, 9, r.stderr)
    const e = (JSON.parse(r.stdout) as {error: {code: string; message: string}}).error
    assert.equal(e.code, 'NETOPS_SSH_HOSTKEY_CHANGED')
    assert.match(
      e.message,
      new RegExp(`^jump host 1 of 1 \\(${lab.bastion.user}@127\\.0\\.0\\.1:${lab.bastion.port} \\(bastion\\)\\): HOST KEY has CHANGED`),
    )
  })

  test('--host-key-policy off through a bastion whose key changed: connects, warns on stderr naming the hop', async () => {
    const kh = join(dir, 'known_hosts-off')
    writeFileSync(kh, `[127.0.0.1]:${lab.bastion.port} ${OTHER_KEY}\n`)
    const r = await runCli(
      ['switch', 'diagnose', ...conn(), '--jump', 'bastion', '--port', '19', '--known-hosts', kh, '--host-key-policy', 'off'],
      {
        env,
      },
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: .*jump host 1 of 1 \(.*\(bastion\)\): HOST KEY has CHANGED .*--host-key-policy is off/)
    assert.match(r.stdout, /keepalive-loopback|keepalive/)
  })
})
