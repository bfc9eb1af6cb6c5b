import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {isResolvedTarget, parseDestination, resolveTarget, targetLabel} from '../../../src/ssh/target.js'

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

function withConfig(config: string, fn: (home: string) => Promise<void>, files: Record<string, string> = {}): () => Promise<void> {
  return async () => {
    const home = mkdtempSync(join(tmpdir(), 'netops-target-'))
    try {
      mkdirSync(join(home, '.ssh'), {mode: 0o700})
      writeFileSync(join(home, '.ssh', 'config'), config, {mode: 0o600})
      for (const [rel, text] of Object.entries(files)) writeFileSync(join(home, rel), text)
      await fn(home)
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  }
}

test('parseDestination reads the forms ssh users type', () => {
  assert.deepEqual(parseDestination('sw1'), {host: 'sw1'})
  assert.deepEqual(parseDestination('admin@sw1'), {host: 'sw1', user: 'admin'})
  assert.deepEqual(parseDestination('sw1:2222'), {host: 'sw1', port: 2222})
  assert.deepEqual(parseDestination('[2001:db8::7]:2222'), {host: '2001:db8::7', port: 2222})
  assert.deepEqual(parseDestination('admin@[2001:db8::7]:2222'), {host: '2001:db8::7', user: 'admin', port: 2222})
  assert.deepEqual(parseDestination('2001:db8::7'), {host: '2001:db8::7'})
  assert.deepEqual(parseDestination('ssh://admin@sw1:2200'), {host: 'sw1', user: 'admin', port: 2200})
  assert.equal(parseDestination('sw1:port'), undefined)
  assert.equal(parseDestination('@sw1'), undefined)
})

test(
  '--host user@host:port feeds ssh_config as -l/-p do; a contradicting --username/--ssh-port is refused',
  withConfig('Host sw1\n  User cfg\n  Port 2222\n  HostName 10.0.0.1\n', async (home) => {
    const t = await resolveTarget({host: 'admin@sw1:2200', homeDir: home})
    assert.equal(t.alias, 'sw1')
    assert.equal(t.host, '10.0.0.1')
    assert.equal(t.username, 'admin')
    assert.equal(t.port, 2200)
    const same = await resolveTarget({host: 'admin@sw1', username: 'admin', homeDir: home})
    assert.equal(same.username, 'admin')
    await assert.rejects(
      resolveTarget({host: 'admin@sw1', username: 'other', homeDir: home}),
      (e: unknown) => e instanceof InputError && /two users/.test(e.message),
    )
    await assert.rejects(
      resolveTarget({host: 'sw1:2200', port: 22, homeDir: home}),
      (e: unknown) => e instanceof InputError && /two ports/.test(e.message),
    )
    const v6 = await resolveTarget({host: '[2001:DB8::7]:2222', homeDir: home})
    assert.equal(v6.host, '2001:DB8::7') // ssh keeps an address whose canonical form differs only in case
    assert.equal(v6.port, 2222)
  }),
)

test(
  'Match blocks give User and IdentityFile (the issue #10 case)',
  withConfig(
    'Host tor-m1\n  HostName 127.0.0.1\nMatch host 127.0.0.*\n  User netadmin\n  IdentityFile ~/id_tor\n  IdentitiesOnly yes\n',
    async (home) => {
      const t = await resolveTarget({host: 'tor-m1', homeDir: home})
      assert.equal(t.username, 'netadmin')
      assert.deepEqual(t.identityFiles, [join(home, 'id_tor')])
      assert.equal(t.identitiesOnly, true)
      assert.equal(t.origins?.['user'], `${join(home, '.ssh', 'config')}:4`)
    },
    {id_tor: 'key'},
  ),
)

test(
  "ProxyJump: each hop resolved through ssh_config on its own, the first hop's own chain prepended",
  withConfig(
    [
      'Host tor-7\n  HostName 127.0.0.1\n  Port 22001\n  ProxyJump bastion,ops@inner:2200\n',
      'Host bastion\n  HostName 192.0.2.1\n  User jump\n  IdentityFile ~/id_bastion\n  ProxyJump edge\n',
      'Host inner\n  HostName 10.0.0.2\n  User ignored\n  ProxyJump never-used\n',
      'Host edge\n  HostName 198.51.100.1\n  Port 2022\n',
    ].join(''),
    async (home) => {
      const t = await resolveTarget({
        host: 'tor-7',
        homeDir: home,
        localUser: 'me',
        hostKeyPolicy: 'strict',
        password: 'secret',
        username: 'admin',
      })
      assert.equal(t.host, '127.0.0.1')
      assert.equal(t.port, 22001)
      assert.equal(t.proxyCommand, undefined)
      assert.deepEqual(
        t.jumps?.map((h) => `${h.username}@${h.host}:${h.port}`),
        ['me@198.51.100.1:2022', 'jump@192.0.2.1:22', 'ops@10.0.0.2:2200'],
      )
      const [edge, bastion, inner] = t.jumps ?? []
      assert.equal(edge?.jumps, undefined)
      assert.equal(bastion?.jumps, undefined)
      assert.deepEqual(bastion?.identityFiles, [join(home, 'id_bastion')])
      assert.equal(inner?.alias, 'inner')
      for (const hop of t.jumps ?? []) {
        assert.equal(hop.hostKeyPolicy, 'strict') // an explicit flag applies to every hop
        assert.equal(hop.password, undefined) // the target's secrets are not the hops'
      }
      assert.equal(t.origins?.['proxyjump'], `${join(home, '.ssh', 'config')}:4`)
    },
    {id_bastion: 'key'},
  ),
)

test(
  '--jump beats ProxyJump and ProxyCommand; --jump none connects directly',
  withConfig('Host sw1\n  ProxyJump bastion\nHost sw2\n  ProxyCommand ssh -W %h:%p gw\n', async (home) => {
    const t = await resolveTarget({host: 'sw1', homeDir: home, jump: 'other@j1:2201'})
    assert.deepEqual(
      t.jumps?.map((h) => `${h.username}@${h.host}:${h.port}`),
      ['other@j1:2201'],
    )
    const direct = await resolveTarget({host: 'sw1', homeDir: home, jump: 'none'})
    assert.equal(direct.jumps, undefined)
    const pc = await resolveTarget({host: 'sw2', homeDir: home, localUser: 'me'})
    assert.equal(pc.proxyCommand, 'ssh -W sw2:22 gw')
    assert.equal((await resolveTarget({host: 'sw2', homeDir: home, jump: 'none'})).proxyCommand, undefined)
    await assert.rejects(resolveTarget({host: 'sw1', homeDir: home, jump: 'j1:x'}), InputError)
  }),
)

test(
  'a ProxyJump loop is an InputError',
  withConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', async (home) => {
    await assert.rejects(resolveTarget({host: 'a', homeDir: home}), (e: unknown) => e instanceof InputError && /loop/.test(e.message))
  }),
)

test(
  'StrictHostKeyChecking maps onto the policy; the flag beats it; unset means accept-new',
  withConfig(
    'Host y\n  StrictHostKeyChecking yes\nHost n\n  StrictHostKeyChecking no\nHost an\n  StrictHostKeyChecking accept-new\nHost ask\n  StrictHostKeyChecking ask\n',
    async (home) => {
      const policy = async (host: string, flag?: 'strict' | 'accept-new' | 'off') =>
        (await resolveTarget({host, homeDir: home, ...(flag === undefined ? {} : {hostKeyPolicy: flag})})).hostKeyPolicy
      assert.equal(await policy('y'), 'strict')
      assert.equal(await policy('n'), 'off')
      assert.equal(await policy('an'), 'accept-new')
      assert.equal(await policy('ask'), 'strict')
      assert.equal(await policy('unset'), 'accept-new')
      assert.equal(await policy('y', 'off'), 'off')
    },
  ),
)

test(
  'UserKnownHostsFile: first file (none → /dev/null); --known-hosts beats it; several existing files are refused',
  withConfig(
    'Host a\n  UserKnownHostsFile ~/kh1 ~/kh-missing\nHost b\n  UserKnownHostsFile none\nHost c\n  UserKnownHostsFile ~/kh1 ~/kh2\n',
    async (home) => {
      const kh = (host: string, knownHostsFile?: string) =>
        resolveTarget({host, homeDir: home, ...(knownHostsFile === undefined ? {} : {knownHostsFile})}).then((t) => t.knownHostsFile)
      assert.equal(await kh('a'), join(home, 'kh1'))
      assert.equal(await kh('a', '/flag/kh'), '/flag/kh')
      assert.equal(await kh('b'), '/dev/null')
      await assert.rejects(kh('c'), (e: unknown) => e instanceof InputError && /several existing files/.test(e.message))
      assert.equal(await kh('c', '/flag/kh'), '/flag/kh')
    },
    {kh1: '', kh2: ''},
  ),
)

test(
  "IdentityAgent: none drops the agent, SSH_AUTH_SOCK keeps the environment's, a path replaces it",
  withConfig(
    'Host a\n  IdentityAgent none\nHost b\n  IdentityAgent SSH_AUTH_SOCK\nHost c\n  IdentityAgent ~/agent.sock\n',
    async (home) => {
      const agent = async (host: string) => (await resolveTarget({host, homeDir: home, agentSocket: '/env/agent'})).agentSocket
      assert.equal(await agent('a'), undefined)
      assert.equal(await agent('b'), '/env/agent')
      assert.equal(await agent('c'), join(home, 'agent.sock'))
      assert.equal(await agent('d'), '/env/agent')
    },
  ),
)

test(
  'algorithms are mapped to ssh2 names; a list with nothing ssh2 can do is refused',
  withConfig(
    'Host a\n  KexAlgorithms sntrup761x25519-sha512,curve25519-sha256\n  HostKeyAlgorithms +ssh-rsa\n  Ciphers -chacha20*\nHost b\n  MACs umac-64@openssh.com\n',
    async (home) => {
      const t = await resolveTarget({host: 'a', homeDir: home})
      assert.deepEqual(t.algorithms?.kex, ['curve25519-sha256'])
      assert.deepEqual(t.algorithms?.serverHostKey, [
        'ssh-ed25519',
        'ecdsa-sha2-nistp256',
        'ecdsa-sha2-nistp384',
        'ecdsa-sha2-nistp521',
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
      ])
      assert.deepEqual(t.algorithms?.cipher, ['aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'])
      assert.equal(t.algorithms?.hmac, undefined)
      assert.equal((await resolveTarget({host: 'z', homeDir: home})).algorithms, undefined)
      await assert.rejects(
        resolveTarget({host: 'b', homeDir: home}),
        (e: unknown) => e instanceof InputError && /MACs leaves nothing/.test(e.message),
      )
    },
  ),
)

test(
  'ConnectTimeout becomes connectTimeoutMs and never the per-step timeout',
  withConfig('Host a\n  ConnectTimeout 7\n', async (home) => {
    const t = await resolveTarget({host: 'a', homeDir: home, timeoutMs: 60_000})
    assert.equal(t.connectTimeoutMs, 7000)
    assert.equal(t.timeoutMs, 60_000)
  }),
)

test(
  'a refused directive is an InputError naming file:line',
  withConfig('Host a\n  BindAddress 10.0.0.9\n', async (home) => {
    const file = join(home, '.ssh', 'config')
    await assert.rejects(
      resolveTarget({host: 'a', homeDir: home}),
      (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message.includes(`${file}:2: bindaddress`),
    )
    assert.equal((await resolveTarget({host: 'b', homeDir: home})).host, 'b')
  }),
)

test(
  'an unknown directive anywhere in the file is an InputError naming file:line, as ssh refuses the whole file',
  withConfig('Host a\n  User x\nHost b\n  Usre x\n', async (home) => {
    const file = join(home, '.ssh', 'config')
    await assert.rejects(
      resolveTarget({host: 'a', homeDir: home}),
      (e: unknown) => e instanceof InputError && e.message.includes(`${file}:4: Bad configuration option: usre`),
    )
  }),
)

test(
  'without an IdentityFile, the existing OpenSSH default keys are used',
  withConfig('Host a\n  User u\n', async (home) => {
    writeFileSync(join(home, '.ssh', 'id_ed25519'), 'key')
    assert.deepEqual((await resolveTarget({host: 'a', homeDir: home})).identityFiles, [join(home, '.ssh', 'id_ed25519')])
    // ...but not when --identity-file names one (ssh -i likewise replaces the defaults)
    writeFileSync(join(home, 'explicit'), 'key')
    assert.deepEqual((await resolveTarget({host: 'a', homeDir: home, identityFile: join(home, 'explicit')})).identityFiles, [
      join(home, 'explicit'),
    ])
  }),
)
