import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {resolveSshConfig, SshConfigError, type ResolveInput} from '../../../src/ssh/config/resolver.js'
import {argvSplit} from '../../../src/ssh/config/lexer.js'
import {matchPatternList, wildcardMatch} from '../../../src/ssh/ssh-config.js'

const ctx = {homeDir: '/home/op', localUser: 'op', localHostName: 'ws1.example', uid: 1000}

/** Resolve `alias` through a config given as text (written to a temporary file). */
function lookup(text: string, alias: string | ResolveInput, c: typeof ctx = ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'netops-sshcfg-'))
  try {
    writeFileSync(join(dir, 'config'), text)
    return resolveSshConfig(join(dir, 'config'), typeof alias === 'string' ? {host: alias} : alias, c)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
const paths = (r: ReturnType<typeof lookup>): (string | undefined)[] => r.identityFiles.map((f) => f.path)

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
  const v = lookup(CONFIG, 'tor-3.lab')
  assert.equal(v.hostName, 'tor-3.lab.example.net')
  assert.equal(v.user, 'netadmin')
  assert.equal(v.port, 2222)
  assert.deepEqual(paths(v), ['/home/op/.ssh/id_tor', undefined]) // IdentityFile none: no path
  assert.equal(v.origins['user']?.endsWith('config:5'), true)
})

test('first value wins across matching blocks, IdentityFile accumulates (tokens use the final user)', () => {
  const v = lookup(CONFIG, 'tor-12.lab')
  assert.equal(v.user, 'netadmin') // the tor-*.lab block came first
  assert.deepEqual(paths(v), ['/home/op/.ssh/id_tor', '/home/op/.ssh/id_op_netadmin', undefined])
})

test('a negated pattern excludes a host that a wildcard on the same line matches', () => {
  const v = lookup(CONFIG, 'tor-99.lab')
  assert.equal(v.hostName, '192.0.2.99')
  assert.equal(v.user, 'fallback')
  assert.equal(v.port, 2200)
})

test('several patterns per Host line and `=` separators are understood', () => {
  const v = lookup(CONFIG, 'spine2')
  assert.equal(v.hostName, '10.1.1.1')
  assert.equal(v.port, 22022)
})

test('quoted arguments are unquoted (argv_split: both quotes, backslash escapes, # ends the line)', () => {
  assert.deepEqual(argvSplit('"quoted alias" other'), ['quoted alias', 'other'])
  assert.deepEqual(argvSplit(`'a b' c\\ d "e\\"f" # comment`), ['a b', 'c d', 'e"f'])
  assert.throws(() => argvSplit('"open'))
})

test('an alias matching only Host * gets the catch-all values and IdentityFile none adds no path', () => {
  const v = lookup(CONFIG, 'unrelated')
  assert.equal(v.hostName, 'unrelated')
  assert.equal(v.user, 'fallback')
  assert.deepEqual(paths(v), [undefined])
  assert.equal(v.identityFilesDefaulted, false)
})

test('keywords are case-insensitive; an invalid Port is an error with file:line, as in ssh', () => {
  assert.throws(
    () => lookup('HOST x\n  hostname 1.2.3.4\n  PORT 99999\n', 'x'),
    (e: unknown) => e instanceof SshConfigError && /config:3: Bad port '99999'/.test(e.message),
  )
  assert.equal(lookup('HOST x\n  hostname 1.2.3.4\n', 'x').hostName, '1.2.3.4')
})

test('Match exec runs the command: exit 0 matches (before Match all)', () => {
  assert.equal(lookup('Match exec "true"\n  User yes-exec\nMatch all\n  User all\n', 'h').user, 'yes-exec')
  assert.equal(lookup('Match exec "false"\n  User no-exec\nMatch all\n  User all\n', 'h').user, 'all')
})

test('wildcards: * and ? and case-insensitivity (known_hosts patterns)', () => {
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
    const v = resolveSshConfig(join(home, '.ssh', 'config'), {host: 'lab-1'}, c)
    assert.equal(v.user, 'labuser')
    assert.equal(v.port, 2022)
    assert.equal(v.hostName, '10.0.0.1')
    assert.equal(resolveSshConfig(join(home, '.ssh', 'config'), {host: 'core'}, c).user, 'default')
    // Include inside a non-matching Host block is not applied
    writeFileSync(join(home, '.ssh', 'config2'), 'Host nomatch\n  Include conf.d/10-lab.conf\n')
    assert.equal(resolveSshConfig(join(home, '.ssh', 'config2'), {host: 'lab-1'}, c).user, 'op')
  } finally {
    rmSync(home, {recursive: true, force: true})
  }
})

test('a missing config file gives the defaults', () => {
  const v = resolveSshConfig('/nonexistent/netops/ssh_config', {host: 'x'}, ctx)
  assert.equal(v.hostName, 'x')
  assert.equal(v.user, 'op')
  assert.equal(v.port, 22)
  assert.equal(v.identityFilesDefaulted, true)
  assert.equal(v.proxyJump, undefined)
  assert.deepEqual(v.algorithmsSet, {})
})
