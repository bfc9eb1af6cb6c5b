import {test} from 'node:test'
import assert from 'node:assert/strict'
import {gzipSync} from 'node:zlib'
import {INVENTORY_LIMITS, parseInventory, rawDoc, type RawDoc} from '../../../src/metadata/inventory.js'
import {InventoryError} from '../../../src/errors.js'

type Issue = {file: string; line: number; column: number; message: string; hint?: string}

function issuesOf(docs: RawDoc[]): Issue[] {
  try {
    parseInventory(docs)
  } catch (err) {
    assert.ok(err instanceof InventoryError, String(err))
    assert.equal(err.exitCode, 2)
    return (err.details?.['issues'] ?? []) as Issue[]
  }
  assert.fail('expected the inventory to be rejected')
}
const doc = (text: string, file = 'inv.yaml'): RawDoc => ({file, text})

test('a YAML alias bomb is an inventory error at its first alias (file:line:column), stating the bound, not an internal error', () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'instances:',
    '  - {id: vm-1, ip: 10.0.0.1, meta_data: {x: *d}}',
    '',
  ].join('\n')
  const [i, ...more] = issuesOf([doc(bomb)])
  assert.deepEqual(more, [])
  assert.deepEqual([i!.file, i!.line, i!.column], ['inv.yaml', 2, 8])
  assert.match(i!.message, new RegExp(`alias bomb.*at most ${INVENTORY_LIMITS.maxAliasCount} alias expansions`))
})

test('a few aliases are fine', () => {
  const text = 'instances:\n  - {id: a, ip: 10.0.0.1, availability_zone: &z rack-b}\n  - {id: b, ip: 10.0.0.2, availability_zone: *z}\n'
  assert.equal(parseInventory([doc(text)]).instances[1]!.availabilityZone, 'rack-b')
})

test('a file over the size bound is an inventory error naming the bound', () => {
  const big = rawDoc('big.yaml', Buffer.alloc(INVENTORY_LIMITS.maxFileBytes + 1, 0x20))
  assert.equal(big.text, '')
  const [i] = issuesOf([big])
  assert.deepEqual([i!.file, i!.line, i!.column], ['big.yaml', 1, 1])
  assert.match(i!.message, /is 67108865 bytes: an inventory file may be at most 64 MiB/)
})

test('non-UTF-8 bytes in user_data are an error at their file:line:column (never silently replaced)', () => {
  const bytes = Buffer.concat([
    Buffer.from('instances:\n  - id: vm-1\n    ip: 10.0.0.1\n    user_data: "ab'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('"\n'),
  ])
  const [i, ...more] = issuesOf([rawDoc('bin.yaml', bytes)])
  assert.deepEqual(more, [])
  assert.deepEqual([i!.file, i!.line, i!.column], ['bin.yaml', 4, 19])
  assert.match(i!.message, /not UTF-8/)
  assert.match(i!.hint ?? '', /user_data_base64/)
  // a U+FFFD written in the file is text, not an error
  assert.equal(rawDoc('ok.yaml', Buffer.from('instances: [] # \uFFFD\n')).notUtf8At, undefined)
})

test('user_data_base64: bytes that are not UTF-8 are kept exactly (binary); UTF-8 bytes are text; the instance beats its profile', () => {
  const gz = gzipSync('#cloud-config\nruncmd: [true]\n')
  const text = [
    'profiles:',
    `  p: {user_data_base64: ${gz.toString('base64')}}`,
    'instances:',
    '  - {id: bin, ip: 10.0.0.1, profile: p}',
    `  - {id: txt, ip: 10.0.0.2, profile: p, user_data_base64: "${Buffer.from('#!/bin/sh\necho é\n').toString('base64')}"}`,
    '  - {id: own, ip: 10.0.0.3, profile: p, user_data: "#!/bin/sh\\n"}',
    '',
  ].join('\n')
  const [bin, txt, own] = parseInventory([doc(text)]).instances
  assert.equal(bin!.userDataBinary, true)
  assert.deepEqual(Buffer.from(bin!.userData!, 'latin1'), gz)
  assert.equal(txt!.userData, '#!/bin/sh\necho é\n')
  assert.equal(txt!.userDataBinary, undefined)
  assert.equal(own!.userData, '#!/bin/sh\n')
})

test('user_data_base64 that is not base64, or beside user_data, is an error at its line', () => {
  const issues = issuesOf([
    doc(
      [
        'instances:',
        '  - {id: a, ip: 10.0.0.1, user_data_base64: "not base64!"}',
        '  - {id: b, ip: 10.0.0.2, user_data: "x", user_data_base64: eA==}',
        '',
      ].join('\n'),
    ),
  ])
  assert.deepEqual(
    issues.map((i) => [i.line, i.message]),
    [
      [2, 'user_data_base64 must be base64 (RFC 4648, whitespace and line breaks allowed)'],
      [3, 'give either user_data or user_data_base64, not both'],
    ],
  )
})

test('user-data over 16 KiB (the EC2 limit) warns once per place with file:line; over 1 MiB is an error', () => {
  const big = 'x'.repeat(INVENTORY_LIMITS.warnUserDataBytes + 1)
  const text = `profiles:\n  p:\n    user_data: "${big}"\ninstances:\n  - {id: a, ip: 10.0.0.1, profile: p}\n  - {id: b, ip: 10.0.0.2, profile: p}\n`
  const {warnings} = parseInventory([doc(text)])
  assert.equal(warnings.length, 1)
  assert.deepEqual([warnings[0]!.file, warnings[0]!.line], ['inv.yaml', 3])
  assert.match(warnings[0]!.message, /user_data of `a` is 16385 bytes: over 16 KiB, the EC2 limit/)
  const huge = Buffer.alloc(INVENTORY_LIMITS.maxUserDataBytes + 1, 0x78).toString('base64')
  const [i] = issuesOf([doc(`instances:\n  - id: a\n    ip: 10.0.0.1\n    user_data_base64: ${huge}\n`)])
  assert.equal(i!.line, 4)
  assert.match(i!.message, /user_data_base64 of `a` is 1048577 bytes: at most 1 MiB is served/)
})
