import {test} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseHop, parseJumpList, resolveSshConfig, SshConfigError, type ResolveInput} from '../../../../src/ssh/config/resolver.js'

const ctx = {homeDir: '/home/op', localUser: 'op', localHostName: 'ws1.example', uid: 1000}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'netops-resolver-'))
  try {
    return fn(dir)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

function lookup(text: string, input: string | ResolveInput, extra: Partial<typeof ctx> & {env?: Record<string, string>} = {}) {
  return withDir((dir) => {
    writeFileSync(join(dir, 'config'), text)
    return resolveSshConfig(join(dir, 'config'), typeof input === 'string' ? {host: input} : input, {...ctx, ...extra})
  })
}

function refused(text: string, host: string, re: RegExp): void {
  assert.throws(
    () => lookup(text, host),
    (e: unknown) => e instanceof SshConfigError && re.test(e.message) && /config:\d+/.test(e.message) && e.suggestion !== '',
  )
}

test('refused directives name the keyword and file:line and say what to do', () => {
  refused('Host sw1\n  BindAddress 10.0.0.5\n', 'sw1', /config:2: bindaddress 10\.0\.0\.5: netops cannot choose/)
  refused('Host sw1\n  BindInterface eth1\n', 'sw1', /bindinterface/)
  refused('Host sw1\n  AddressFamily inet6\n', 'sw1', /addressfamily inet6/)
  refused('Host sw1\n  ProxyCommand nc %h %p\n  ProxyUseFdpass yes\n', 'sw1', /proxyusefdpass yes/)
  refused('Host sw1\n  CertificateFile ~/.ssh/id-cert.pub\n', 'sw1', /CertificateFile .*certificates/)
  refused('Host sw1\n  PKCS11Provider /usr/lib/opensc-pkcs11.so\n', 'sw1', /pkcs11provider/)
  refused('Host sw1\n  HostKeyAlias core\n', 'sw1', /hostkeyalias core/)
  refused('Host sw1\n  KnownHostsCommand /bin/keys %H\n', 'sw1', /knownhostscommand/)
  refused('Host sw1\n  RevokedHostKeys ~/.ssh/revoked\n', 'sw1', /revokedhostkeys/)
  refused('Host sw1\n  ProxyCommand -\n', 'sw1', /ProxyCommand -: netops cannot use its own stdin/)
  refused('CanonicalizeHostname yes\nCanonicalDomains lab.example\n', 'sw1', /config:1: CanonicalizeHostname yes: .*needs DNS/)
})

test('refusal follows first-value-wins and only the block that applies', () => {
  assert.equal(lookup('Host sw1\n  AddressFamily any\nHost *\n  AddressFamily inet6\n', 'sw1').hostName, 'sw1')
  assert.equal(lookup('Host other\n  BindAddress 10.0.0.5\n', 'sw1').hostName, 'sw1')
  assert.equal(lookup('Host sw1\n  ProxyUseFdpass no\n  PKCS11Provider none\n', 'sw1').hostName, 'sw1')
  // no DNS needed: a name with more dots than CanonicalizeMaxDots, or no domains at all
  assert.equal(lookup('CanonicalizeHostname yes\nCanonicalDomains lab.example\n', 'sw1.lab.example').hostName, 'sw1.lab.example')
  assert.equal(lookup('CanonicalizeHostname yes\n', 'sw1').hostName, 'sw1')
  // through a jump host ssh does not canonicalise (unless `always`)
  assert.equal(lookup('CanonicalizeHostname yes\nCanonicalDomains lab.example\nProxyJump b\n', 'sw1').proxyJump, 'b')
})

test('ignored directives pass; unknown ones are errors unless IgnoreUnknown lists them', () => {
  assert.equal(lookup('Host *\n  ForwardAgent yes\n  ControlMaster auto\n  LocalCommand x\n  SendEnv LANG\n  User u\n', 'a').user, 'u')
  assert.throws(
    () => lookup('Host *\n  UseKeychain yes\n', 'a'),
    (e: unknown) => e instanceof SshConfigError && /config:2: Bad configuration option: usekeychain/.test(e.message),
  )
  assert.equal(lookup('IgnoreUnknown UseKeychain\nHost *\n  UseKeychain yes\n  User u\n', 'a').user, 'u')
  // IgnoreUnknown must come first, as in ssh
  assert.throws(() => lookup('Host *\n  UseKeychain yes\nIgnoreUnknown UseKeychain\n', 'a'), SshConfigError)
})

test('ProxyJump and ProxyCommand: whichever comes first wins; ProxyJump none only blocks ProxyJump', () => {
  assert.equal(lookup('Host a\n  ProxyJump j1\n  ProxyCommand nc %h %p\n', 'a').proxyCommand, undefined)
  assert.equal(lookup('Host a\n  ProxyCommand nc %h %p\n  ProxyJump j1\n', 'a').proxyJump, undefined)
  const pc = lookup(
    'Host a\n  HostName 10.0.0.1\n  User u\n  ProxyJump none\n  ProxyJump j1\n  ProxyCommand ssh -W %h:%p -l %r gw %n\n',
    'a',
  )
  assert.equal(pc.proxyJump, undefined)
  assert.deepEqual(pc.proxyCommand, {raw: 'ssh -W %h:%p -l %r gw %n', expanded: 'ssh -W 10.0.0.1:22 -l u gw a'})
  assert.equal(lookup('Host a\n  ProxyCommand none\n  ProxyJump j1\n', 'a').proxyJump, undefined)
})

test('a command-line jump beats ProxyJump and ProxyCommand; none connects directly', () => {
  const cfg = 'Host a\n  ProxyJump j1\nHost b\n  ProxyCommand nc %h %p\n'
  assert.equal(lookup(cfg, {host: 'a', jump: 'x@j2:2200'}).proxyJump, 'x@j2:2200')
  const b = lookup(cfg, {host: 'b', jump: 'none'})
  assert.equal(b.proxyJump, undefined)
  assert.equal(b.proxyCommand, undefined)
})

test('parseHop and parseJumpList read [user@]host[:port], [v6]:port and ssh:// URIs', () => {
  assert.deepEqual(parseHop('ops@b1:2201'), {user: 'ops', host: 'b1', port: 2201})
  assert.deepEqual(parseHop('[2001:db8::1]:22'), {host: '2001:db8::1', port: 22})
  assert.deepEqual(parseHop('ssh://ops@[::1]:2222'), {user: 'ops', host: '::1', port: 2222})
  assert.deepEqual(parseHop('a@b@c'), {user: 'a@b', host: 'c'})
  assert.equal(parseHop('b1:notaport'), undefined)
  assert.equal(parseHop('@b1'), undefined)
  assert.deepEqual(parseJumpList('j1, u@j2:2'), [{host: 'j1'}, {user: 'u', host: 'j2', port: 2}])
  assert.equal(parseJumpList('j1,,j2'), undefined)
})

test('Match final re-parses with the resolved name; Match canonical only in that pass', () => {
  const text =
    'Host a\n  HostName B.example\nHost b.example\n  Port 2001\nMatch canonical\n  User canon\nMatch final\n  IdentityFile ~/.ssh/final\n'
  const v = lookup(text, 'a')
  assert.equal(v.hostName, 'b.example')
  assert.equal(v.port, 2001)
  assert.equal(v.user, 'canon')
  assert.deepEqual(
    v.identityFiles.map((f) => f.raw),
    ['~/.ssh/final'],
  )
  // without a Match final (or CanonicalizeHostname) there is no second pass
  assert.equal(lookup('Host a\n  HostName b.example\nHost b.example\n  Port 2001\n', 'a').port, 22)
})

test('Match exec: tokens, skipped after a failed criterion, a signal death is an error', () => {
  withDir((dir) => {
    const marker = join(dir, 'ran')
    const v = lookup(
      `Match host nomatch exec "touch ${marker}"\n  User x\nMatch exec "test %u = op -a %h = sw1 -a %i = 1000"\n  User tokens\n`,
      'sw1',
    )
    assert.equal(v.user, 'tokens')
    assert.throws(() => lookup('Match exec "kill -9 $$"\n  User x\n', 'sw1'), /did not exit normally/)
  })
})

test('Include: depth over 16 is an error; a group/world-writable include is refused', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'loop.conf'), `Include ${join(dir, 'loop.conf')}\n`)
    writeFileSync(join(dir, 'config'), `Include ${join(dir, 'loop.conf')}\n`)
    assert.throws(() => resolveSshConfig(join(dir, 'config'), {host: 'a'}, ctx), /too many recursive configuration includes/)
    writeFileSync(join(dir, 'open.conf'), 'User u\n')
    chmodSync(join(dir, 'open.conf'), 0o666)
    writeFileSync(join(dir, 'config'), `Include ${join(dir, 'open.conf')}\n`)
    assert.throws(
      () => resolveSshConfig(join(dir, 'config'), {host: 'a'}, {...ctx, uid: process.getuid?.() ?? 0}),
      (e: unknown) => e instanceof SshConfigError && /bad owner or permissions/.test(e.message) && /chmod go-w/.test(e.suggestion),
    )
  })
})

test('values are checked even in blocks that do not apply, as ssh does', () => {
  assert.throws(() => lookup('Host other\n  StrictHostKeyChecking maybe\n', 'a'), /StrictHostKeyChecking: unsupported option "maybe"/)
  assert.throws(() => lookup('Host other\n  ConnectTimeout soon\n', 'a'), /invalid time value/)
  assert.throws(() => lookup('Host other\n  Ciphers aes128-ctr,rot13\n', 'a'), /bad algorithm name 'rot13'/)
  assert.throws(() => lookup('Host other\n  ProxyJump a:b:c\n', 'a'), /Invalid ProxyJump/)
  assert.throws(() => lookup('Match bogus x\n', 'a'), /Unsupported Match attribute bogus/)
  assert.throws(() => lookup('Match all host x\n', 'a'), /cannot be combined/)
  assert.throws(() => lookup('Host a\n  HostName %z\n', 'a'), /HostName: unknown token %z/)
})

test('IdentityFile, UserKnownHostsFile and IdentityAgent expand ~, tokens and ${VAR}', () => {
  const v = lookup(
    'Host sw1\n  User net\n  IdentityFile ~/.ssh/id_%r@%h\n  UserKnownHostsFile ${KH}/kh_%n %d/kh2\n  IdentityAgent $AGENT\n',
    'sw1',
    {env: {KH: '/srv/kh', AGENT: '/run/agent.sock'}},
  )
  assert.deepEqual(
    v.identityFiles.map((f) => f.path),
    ['/home/op/.ssh/id_net@sw1'],
  )
  assert.deepEqual(v.userKnownHostsFiles, ['/srv/kh/kh_sw1', '/home/op/kh2'])
  assert.equal(v.identityAgent, '/run/agent.sock')
  assert.throws(() => lookup('Host *\n  UserKnownHostsFile ${NOPE}/kh\n', 'a', {env: {}}), /\$\{NOPE\} has no value/)
})

test('a destination ssh would refuse is refused', () => {
  assert.throws(() => lookup('', 'a;b'), /characters ssh refuses/)
  assert.throws(() => lookup('', '-oProxyCommand=x'), /characters ssh refuses/)
  assert.throws(() => lookup('', {host: 'a', user: 'x`y`'}), /user name/)
})
