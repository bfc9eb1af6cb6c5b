import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {lookupSshConfig, lookupSshConfigFile, matchPatternList, tokenizeLine, wildcardMatch} from '../../../src/ssh/ssh-config.js'

const ctx = {homeDir: '/home/op', localUser: 'op'}

const CONFIG = `
# top-of-rack switches
Host tor-*.lab !tor-99.lab
    HostName %h.example.net
    User netadmin
    Port 2222
    IdentityFile ~/.ssh/id_tor

Host tor-1?.lab
    User someone-else
    IdentityFile %d/.ssh/id_%u_%r

Host tor-99.lab
    HostName 192.0.2.99

Host spine1 spine2
    HostName=10.1.1.1
    Port = 22022

Host "quoted alias"
    HostName "10.9.9.9"

Host *
    User fallback
    Port 2200
    IdentityFile none
`

test('Host wildcard gives HostName with %h, User, Port and IdentityFile with ~', () => {
  const v = lookupSshConfig(CONFIG, 'tor-3.lab', ctx)
  assert.equal(v.hostName, 'tor-3.lab.example.net')
  assert.equal(v.user, 'netadmin')
  assert.equal(v.port, 2222)
  assert.deepEqual(v.identityFiles, ['/home/op/.ssh/id_tor'])
})

test('first value wins across matching blocks, IdentityFile accumulates', () => {
  const v = lookupSshConfig(CONFIG, 'tor-12.lab', ctx)
  assert.equal(v.user, 'netadmin') // the tor-*.lab block came first
  assert.deepEqual(v.identityFiles, ['/home/op/.ssh/id_tor', '/home/op/.ssh/id_op_netadmin'])
})

test('a negated pattern excludes a host that a wildcard on the same line matches', () => {
  const v = lookupSshConfig(CONFIG, 'tor-99.lab', ctx)
  assert.equal(v.hostName, '192.0.2.99')
  assert.equal(v.user, 'fallback')
  assert.equal(v.port, 2200)
})

test('several patterns per Host line and `=` separators are understood', () => {
  const v = lookupSshConfig(CONFIG, 'spine2', ctx)
  assert.equal(v.hostName, '10.1.1.1')
  assert.equal(v.port, 22022)
})

test('quoted arguments are unquoted', () => {
  assert.deepEqual(tokenizeLine('Host "quoted alias" other'), ['Host', 'quoted alias', 'other'])
  assert.equal(lookupSshConfig(CONFIG, 'quoted alias', ctx).hostName, '10.9.9.9')
})

test('an alias matching only Host * gets the catch-all values and IdentityFile none adds nothing', () => {
  const v = lookupSshConfig(CONFIG, 'unrelated', ctx)
  assert.equal(v.hostName, undefined)
  assert.equal(v.user, 'fallback')
  assert.deepEqual(v.identityFiles, [])
})

test('keywords are case-insensitive and an invalid Port is ignored', () => {
  const v = lookupSshConfig('HOST x\n  hostname 1.2.3.4\n  PORT 99999\n', 'x', ctx)
  assert.equal(v.hostName, '1.2.3.4')
  assert.equal(v.port, undefined)
})

test('Match all applies, other Match criteria are treated as not matching', () => {
  const v = lookupSshConfig('Match exec "true"\n  User nope\nMatch all\n  User yes\n', 'h', ctx)
  assert.equal(v.user, 'yes')
})

test('wildcards: * and ? and case-insensitivity', () => {
  assert.ok(wildcardMatch('sw?.LAB', 'sw1.lab'))
  assert.ok(!wildcardMatch('sw?.lab', 'sw10.lab'))
  assert.ok(wildcardMatch('*', 'anything'))
  assert.ok(wildcardMatch('10.0.*', '10.0.3.4'))
  assert.ok(!wildcardMatch('10.0.*', '110.0.3.4'))
  assert.ok(!matchPatternList(['!a', '*'], 'a'))
  assert.ok(!matchPatternList(['!x'], 'y')) // a negation alone never matches
})

test('Include pulls in files relative to ~/.ssh, with globs, only inside a matching block', () => {
  const home = mkdtempSync(join(tmpdir(), 'netops-sshcfg-'))
  try {
    mkdirSync(join(home, '.ssh', 'conf.d'), {recursive: true})
    writeFileSync(join(home, '.ssh', 'conf.d', '10-lab.conf'), 'Host lab-*\n  User labuser\n  Port 2022\n')
    writeFileSync(join(home, '.ssh', 'conf.d', '20-other.conf'), 'Host lab-1\n  HostName 10.0.0.1\n')
    writeFileSync(join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host *\n  User wrong\n')
    writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nInclude missing-file\nHost *\n  User default\n')
    const c = {homeDir: home, localUser: 'op'}
    const v = lookupSshConfigFile(join(home, '.ssh', 'config'), 'lab-1', c)
    assert.equal(v.user, 'labuser')
    assert.equal(v.port, 2022)
    assert.equal(v.hostName, '10.0.0.1')
    assert.equal(lookupSshConfigFile(join(home, '.ssh', 'config'), 'core', c).user, 'default')
    // Include inside a non-matching Host block is not read
    writeFileSync(join(home, '.ssh', 'config2'), 'Host nomatch\n  Include conf.d/10-lab.conf\n')
    assert.equal(lookupSshConfigFile(join(home, '.ssh', 'config2'), 'lab-1', c).user, undefined)
  } finally {
    rmSync(home, {recursive: true, force: true})
  }
})

test('a missing config file gives no values', () => {
  assert.deepEqual(lookupSshConfigFile('/nonexistent/netops/ssh_config', 'x', ctx), {identityFiles: []})
})
