import assert from 'node:assert/strict'
import {test} from 'node:test'
import ssh2 from 'ssh2'
import {generateSshKeyPair} from '../../../src/ssh/keys.js'

test('generated ed25519 keys always parse (ssh2 alone writes about 1 in 400 malformed)', () => {
  for (let i = 0; i < 2000; i++) {
    const pair = generateSshKeyPair('ed25519')
    assert.ok(!(ssh2.utils.parseKey(pair.private) instanceof Error), `key ${i} parses`)
  }
})

test('an encrypted key parses with its passphrase', () => {
  const pair = generateSshKeyPair('ed25519', {passphrase: 'pw', cipher: 'aes256-ctr'})
  assert.ok(!(ssh2.utils.parseKey(pair.private, 'pw') instanceof Error))
})
