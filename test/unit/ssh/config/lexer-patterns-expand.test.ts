import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LexError, splitLine, strdelim} from '../../../../src/ssh/config/lexer.js'
import {globPaths, matchHostname, matchPattern, matchPatternList} from '../../../../src/ssh/config/patterns.js'
import {convtime, ExpandError, expandTilde, expandTokens} from '../../../../src/ssh/config/expand.js'

test('splitLine: keyword lowercased, `=` or whitespace separates, blank and comment lines are nothing', () => {
  assert.deepEqual(splitLine('  HostName=10.0.0.1  '), {keyword: 'hostname', rest: '10.0.0.1', args: ['10.0.0.1']})
  assert.deepEqual(splitLine('Port = 2222'), {keyword: 'port', rest: '2222', args: ['2222']})
  assert.deepEqual(splitLine('ProxyCommand ssh -W %h:%p gw # kept for ProxyCommand'), {
    keyword: 'proxycommand',
    rest: 'ssh -W %h:%p gw # kept for ProxyCommand',
    args: ['ssh', '-W', '%h:%p', 'gw'],
  })
  assert.equal(splitLine('   # comment'), undefined)
  assert.equal(splitLine(''), undefined)
  assert.throws(() => splitLine('User'), LexError)
  assert.throws(() => splitLine('User "unclosed'), LexError)
})

test('strdelim: double quotes make one word, one = is skipped', () => {
  assert.deepEqual(strdelim('exec "test -f x" host y', 5), {word: 'test -f x', next: 17})
  assert.deepEqual(strdelim('a = b', 0), {word: 'a', next: 4})
  assert.equal(strdelim('', 0), undefined)
  assert.throws(() => strdelim('"x', 0), LexError)
})

test('match_pattern is case-sensitive; match_hostname lowercases; lists honour negation', () => {
  assert.ok(matchPattern('SW1', 'SW*'))
  assert.ok(!matchPattern('sw1', 'SW*'))
  assert.ok(matchPattern('abc', 'a*c'))
  assert.ok(matchPattern('', '*'))
  assert.ok(!matchPattern('ab', 'a?c'))
  assert.ok(matchHostname('SW1.Lab', 'sw*.LAB'))
  assert.equal(matchPatternList('sw2', 'sw*,!sw2', false), -1)
  assert.equal(matchPatternList('sw3', 'sw*,!sw2', false), 1)
  assert.equal(matchPatternList('x', '!y', false), 0)
})

test('globPaths: sorted, no hidden files for *, directory components, literal paths unchanged', () => {
  const d = mkdtempSync(join(tmpdir(), 'netops-glob-'))
  try {
    mkdirSync(join(d, 'a', 'x'), {recursive: true})
    mkdirSync(join(d, 'b', 'x'), {recursive: true})
    for (const f of ['a/x/c.conf', 'b/x/c.conf', 'z.conf', 'b.conf', '.hidden.conf', 'n.txt']) writeFileSync(join(d, f), '')
    assert.deepEqual(globPaths(join(d, '*.conf')), [join(d, 'b.conf'), join(d, 'z.conf')])
    assert.deepEqual(globPaths(join(d, '*', 'x', 'c.conf')), [join(d, 'a/x/c.conf'), join(d, 'b/x/c.conf')])
    assert.deepEqual(globPaths(join(d, '[bz].conf')), [join(d, 'b.conf'), join(d, 'z.conf')])
    assert.deepEqual(globPaths(join(d, 'missing')), [join(d, 'missing')])
    assert.deepEqual(globPaths(join(d, 'nomatch*')), [])
  } finally {
    rmSync(d, {recursive: true, force: true})
  }
})

test('expandTokens: known tokens, %%, ${VAR}; an unknown token or unset variable is an error', () => {
  assert.equal(expandTokens('%h:%p %% %r', {h: 'sw1', p: '22', r: 'op'}), 'sw1:22 % op')
  assert.equal(expandTokens('${HOME}/kh_%h', {h: 'x'}, {HOME: '/home/op'}), '/home/op/kh_x')
  assert.equal(expandTokens('${HOME}', {}), '${HOME}') // no env: no dollar expansion
  assert.throws(() => expandTokens('%z', {h: 'x'}), ExpandError)
  assert.throws(() => expandTokens('abc%', {}), ExpandError)
  assert.throws(() => expandTokens('${NOPE}', {}, {}), ExpandError)
})

test('expandTilde: ~ and ~/ and ~user (local user only)', () => {
  assert.equal(expandTilde('~/.ssh/id', '/home/op', 'op'), '/home/op/.ssh/id')
  assert.equal(expandTilde('~', '/home/op', 'op'), '/home/op/')
  assert.equal(expandTilde('~op/x', '/home/op', 'op'), '/home/op/x')
  assert.equal(expandTilde('/abs', '/home/op', 'op'), '/abs')
  assert.throws(() => expandTilde('~other/x', '/home/op', 'op'), ExpandError)
})

test('convtime: seconds, units, sums; invalid is undefined', () => {
  assert.equal(convtime('30'), 30)
  assert.equal(convtime('1m30s'), 90)
  assert.equal(convtime('2H'), 7200)
  assert.equal(convtime('1w'), 604800)
  assert.equal(convtime('x'), undefined)
  assert.equal(convtime('10q'), undefined)
  assert.equal(convtime(''), undefined)
})
