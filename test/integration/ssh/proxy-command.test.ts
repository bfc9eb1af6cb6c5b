/**
 * ProxyCommand against the lab switch (no root needed): a command whose stdio reaches the switch,
 * one that fails at once, one that stalls. The real `ssh -W` case is in jump.test.ts.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {SshTimeoutError, SshUnreachableError} from '../../../src/errors.js'
import {startLabSwitch, type LabSwitch} from '../../../src/lab/switch/index.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {ResolvedTarget} from '../../../src/ssh/types.js'

describe('ProxyCommand (lab switch)', () => {
  let lab: LabSwitch
  let dir: string
  before(async () => {
    lab = await startLabSwitch({timeScale: 0.01, hostname: 'tor-p'})
    dir = mkdtempSync(join(tmpdir(), 'netops-proxy-'))
  })
  after(async () => {
    await lab?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  function target(proxyCommand: string, timeoutMs = 10_000): ResolvedTarget {
    return {
      alias: 'tor-p',
      // a name that does not resolve: only the ProxyCommand knows the way
      host: 'tor-p.invalid',
      port: 22,
      username: lab.username,
      password: 'admin',
      identityFiles: [],
      hostKeyPolicy: 'accept-new',
      knownHostsFile: join(dir, 'known_hosts'),
      legacySsh: false,
      timeoutMs,
      proxyCommand,
    }
  }

  const pipeTo = (port: number): string =>
    `${process.execPath} -e "const s = require('net').connect(${port}, '127.0.0.1'); process.stdin.pipe(s).pipe(process.stdout)"`

  test("the command's stdin/stdout are the connection; the key is recorded under the target's name", async () => {
    const t = await SshTransport.connect(target(pipeTo(lab.port)))
    try {
      assert.match((await t.exec('show version')).stdout, /tor-p uptime is/)
      assert.equal(t.hostKey?.status, 'added')
    } finally {
      await t.close()
    }
  })

  test('a command that exits at once: unreachable (exit 3) with its status and stderr', async () => {
    const err = await SshTransport.connect(target(`sh -c 'echo "bastion.invalid: Name or service not known" >&2; exit 255'`)).then(
      () => assert.fail('connected'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshUnreachableError, String(err))
    assert.equal(
      err.message,
      'ProxyCommand for admin@tor-p.invalid:22 (tor-p) exited with status 255 before the SSH connection was up: bastion.invalid: Name or service not known',
    )
  })

  test('a command that stalls: the login timeout names the ProxyCommand, which is killed', async () => {
    const running = (): boolean => spawnSync('pgrep', ['-f', 'sleep 30.25']).status === 0
    const err = await SshTransport.connect(target('sleep 30.25', 1000)).then(
      () => assert.fail('connected'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshTimeoutError, String(err))
    assert.match(err.suggestions[0] ?? '', /ProxyCommand was still running when the time ran out.*run it by hand: sleep 30\.25/)
    for (let i = 0; i < 60 && running(); i++) await new Promise((r) => setTimeout(r, 50))
    assert.equal(running(), false, 'the stalled ProxyCommand was killed')
  })
})
