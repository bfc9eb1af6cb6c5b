import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {quoteArg, shellQuote, singleQuote} from '../../../src/ssh/quote.js'
import {renderTemplate} from '../../../src/metadata/template.js'

const NASTY = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  "'",
  '"double"',
  '$HOME',
  '${IFS}',
  '`id`',
  '$(touch /tmp/netops-pwned)',
  'a;b',
  'a && b || c',
  'a|b',
  '> /etc/passwd',
  'back\\slash',
  'new\nline',
  'tab\there',
  '*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '!',
  '!!',
  '#comment',
  '-n',
  '--',
  'br0',
  'other_config:stp-priority=0x8000',
  'ünïcødé ✓',
  'mixed \'single\' and "double" and $var and `cmd`',
]

test('shellQuote leaves plain words alone and single-quotes everything else', () => {
  assert.equal(
    shellQuote(['ovs-vsctl', '--timeout=5', 'set', 'Bridge', 'br0', 'stp_enable=true']),
    'ovs-vsctl --timeout=5 set Bridge br0 stp_enable=true',
  )
  assert.equal(quoteArg(''), "''")
  assert.equal(quoteArg('a b'), "'a b'")
  assert.equal(quoteArg("it's"), "'it'\\''s'")
  assert.equal(quoteArg('$HOME'), "'$HOME'")
})

test('shellQuote refuses NUL bytes, which no shell argument can carry', () => {
  assert.throws(() => shellQuote(['a\0b']), TypeError)
})

test('a POSIX sh parses shellQuote output back into exactly the original argv', () => {
  // printf '%s\0' prints each argument NUL-terminated, so we can compare argv byte for byte.
  const script = `printf '%s\\0' ${shellQuote(NASTY)}`
  const r = spawnSync('/bin/sh', ['-c', script], {encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  const got = r.stdout.split('\0').slice(0, -1)
  assert.deepEqual(got, NASTY)
})

test('each nasty argument survives alone, with no command substitution side effects', () => {
  for (const arg of NASTY) {
    const r = spawnSync('/bin/sh', ['-c', `printf '%s' ${quoteArg(arg)}`], {encoding: 'utf8'})
    assert.equal(r.stdout, arg, `argument ${JSON.stringify(arg)}`)
  }
})

test('singleQuote always quotes, even plain words, and a POSIX sh reads each back unchanged', () => {
  assert.equal(singleQuote('abc'), "'abc'")
  assert.equal(singleQuote(''), "''")
  assert.equal(singleQuote("it's"), "'it'\\''s'")
  for (const arg of NASTY) {
    const r = spawnSync('/bin/sh', ['-c', `printf '%s' ${singleQuote(arg)}`], {encoding: 'utf8'})
    assert.equal(r.stdout, arg, `argument ${JSON.stringify(arg)}`)
  }
})

test("the template's | shell filter is singleQuote: always quoted, NUL bytes passed through as before", () => {
  for (const value of [...NASTY, 'a\0b']) {
    const before = `'${value.replace(/'/g, `'\\''`)}'` // the filter's own rule before it used singleQuote
    assert.equal(renderTemplate('{{ v | shell }}', {v: value}), before, JSON.stringify(value))
    assert.equal(singleQuote(value), before)
  }
})
