import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {isResolvedTarget, resolveTarget, targetLabel} from '../../../src/ssh/target.js'

function withHome(fn: (home: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const home = mkdtempSync(join(tmpdir(), 'netops-target-'))
    try {
      mkdirSync(join(home, '.ssh'))
      writeFileSync(join(home, '.ssh', 'id_lab'), 'not really a key')
      writeFileSync(
        join(home, '.ssh', 'config'),
        'Host sw1\n  HostName 10.0.0.1\n  User cfguser\n  Port 2222\n  IdentityFile ~/.ssh/id_lab\n  IdentityFile ~/.ssh/id_missing\n',
      )
      await fn(home)
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  }
}

test(
  'ssh_config beats defaults: HostName, User, Port, existing IdentityFiles',
  withHome(async (home) => {
    const t = await resolveTarget({host: 'sw1', homeDir: home, localUser: 'me'})
    assert.equal(t.alias, 'sw1')
    assert.equal(t.host, '10.0.0.1')
    assert.equal(t.username, 'cfguser')
    assert.equal(t.port, 2222)
    assert.deepEqual(t.identityFiles, [join(home, '.ssh', 'id_lab')]) // id_missing skipped quietly
    assert.equal(t.hostKeyPolicy, 'accept-new')
    assert.equal(t.timeoutMs, 30_000)
    assert.equal(t.legacySsh, false)
    assert.equal(t.knownHostsFile, join(home, '.config', 'netops', 'known_hosts'))
    assert.equal(t.sshConfigFile, join(home, '.ssh', 'config'))
  }),
)

test(
  'explicit options beat ssh_config; --identity-file goes first',
  withHome(async (home) => {
    const key = join(home, 'explicit_key')
    writeFileSync(key, 'x')
    const t = await resolveTarget({
      host: 'sw1',
      homeDir: home,
      port: 22,
      username: 'flaguser',
      identityFile: key,
      configDir: '/xdg',
      timeoutMs: 5000,
      legacySsh: true,
      hostKeyPolicy: 'strict',
    })
    assert.equal(t.port, 22)
    assert.equal(t.username, 'flaguser')
    assert.deepEqual(t.identityFiles, [key, join(home, '.ssh', 'id_lab')])
    assert.equal(t.knownHostsFile, '/xdg/netops/known_hosts')
    assert.equal(t.timeoutMs, 5000)
    assert.equal(t.legacySsh, true)
    assert.equal(t.hostKeyPolicy, 'strict')
  }),
)

test(
  'sshConfigFile null skips ssh_config entirely; defaults are port 22 and the local user',
  withHome(async (home) => {
    const t = await resolveTarget({host: 'sw1', homeDir: home, localUser: 'me', sshConfigFile: null})
    assert.equal(t.host, 'sw1')
    assert.equal(t.port, 22)
    assert.equal(t.username, 'me')
    assert.deepEqual(t.identityFiles, [])
    assert.equal(t.sshConfigFile, undefined)
  }),
)

test(
  'secrets are carried but an empty agent socket is dropped',
  withHome(async (home) => {
    const t = await resolveTarget({host: 'x', homeDir: home, password: 'pw', passphrase: 'pp', agentSocket: ''})
    assert.equal(t.password, 'pw')
    assert.equal(t.passphrase, 'pp')
    assert.equal('agentSocket' in t, false)
  }),
)

test('bad input is an InputError (exit 2): missing identity file, empty host, bad port', async () => {
  await assert.rejects(
    resolveTarget({host: 'x', identityFile: '/nonexistent/key', sshConfigFile: null}),
    (e: unknown) => e instanceof InputError && e.exitCode === 2 && /\/nonexistent\/key/.test(e.message),
  )
  await assert.rejects(resolveTarget({host: '  '}), InputError)
  await assert.rejects(resolveTarget({host: 'x', port: 70000, sshConfigFile: null}), InputError)
  await assert.rejects(resolveTarget({host: 'x', timeoutMs: 0, sshConfigFile: null}), InputError)
})

test('targetLabel names user@host:port, brackets IPv6 and mentions the alias', () => {
  assert.equal(targetLabel({username: 'u', host: '10.0.0.1', port: 22}), 'u@10.0.0.1:22')
  assert.equal(targetLabel({username: 'u', host: '::1', port: 2222}), 'u@[::1]:2222')
  assert.equal(targetLabel({username: 'u', host: '10.0.0.1', port: 22, alias: 'sw1'}), 'u@10.0.0.1:22 (sw1)')
})

test(
  'isResolvedTarget tells options and resolved targets apart',
  withHome(async (home) => {
    assert.equal(isResolvedTarget({host: 'x'}), false)
    assert.equal(isResolvedTarget(await resolveTarget({host: 'x', homeDir: home})), true)
  }),
)
