import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'
import {withoutFlagParseFrame} from '../../../src/cli/base-command.js'
import {authorizedKeyLines, parseTimeScale, readInputFile} from '../../../src/cli/lab-flags.js'
import {InputError} from '../../../src/errors.js'

test('parseTimeScale takes a positive number and refuses anything else as an input error (exit 2)', () => {
  assert.equal(parseTimeScale('0.01'), 0.01)
  assert.equal(parseTimeScale('2'), 2)
  for (const bad of ['fast', '0', '-1', 'Infinity', '']) {
    assert.throws(
      () => parseTimeScale(bad),
      (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message === `--time-scale must be a number > 0, got ${bad}`,
    )
  }
})

test('authorizedKeyLines keeps one key per line and skips blanks and comments', () => {
  assert.deepEqual(authorizedKeyLines('# mine\nssh-ed25519 AAAA a@b\n\n  ssh-rsa BBBB c@d  \r\n'), [
    'ssh-ed25519 AAAA a@b',
    'ssh-rsa BBBB c@d',
  ])
})

test('readInputFile returns the text, and names what the file was for when it cannot be read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-lab-flags-'))
  try {
    writeFileSync(join(dir, 'k'), 'key')
    assert.equal(readInputFile(join(dir, 'k'), 'host key'), 'key')
    assert.throws(
      () => readInputFile(join(dir, 'missing'), 'host key'),
      (e: unknown) => e instanceof InputError && /^cannot read host key file .*missing: ENOENT$/.test(e.message),
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('withoutFlagParseFrame undoes the frame oclif puts around a custom flag parse error, and leaves other text alone', () => {
  assert.equal(
    withoutFlagParseFrame('Parsing --time-scale \n\t--time-scale must be a number > 0, got x\nSee more help with --help'),
    '--time-scale must be a number > 0, got x',
  )
  assert.equal(withoutFlagParseFrame('no switch given'), 'no switch given')
})
