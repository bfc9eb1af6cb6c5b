import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assembleAlgorithms, invalidAlgorithmName, toSsh2} from '../../../../src/ssh/config/algorithms.js'

test('an explicit list replaces the default, in the given order', () => {
  assert.deepEqual(assembleAlgorithms('ciphers', 'aes256-ctr,aes128-ctr'), ['aes256-ctr', 'aes128-ctr'])
})

test('+ appends to the default, ^ prepends, - removes by pattern', () => {
  const plus = assembleAlgorithms('kexalgorithms', '+diffie-hellman-group14-sha1')
  assert.equal(plus.at(-1), 'diffie-hellman-group14-sha1')
  assert.equal(plus[0], 'sntrup761x25519-sha512')
  assert.deepEqual(assembleAlgorithms('macs', '^hmac-sha1').slice(0, 2), ['hmac-sha1', 'umac-64-etm@openssh.com'])
  assert.ok(!assembleAlgorithms('macs', '^hmac-sha1').slice(1).includes('hmac-sha1'))
  assert.deepEqual(assembleAlgorithms('ciphers', '-chacha20*,aes1*'), ['aes256-ctr', 'aes256-gcm@openssh.com'])
  assert.deepEqual(assembleAlgorithms('ciphers', '-*'), [])
})

test('HostKeyAlgorithms accepts wildcards; other kinds only exact names', () => {
  assert.deepEqual(assembleAlgorithms('hostkeyalgorithms', 'ecdsa-sha2-nistp256*'), [
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  ])
  assert.equal(invalidAlgorithmName('hostkeyalgorithms', 'ecdsa-*'), undefined)
  assert.equal(invalidAlgorithmName('ciphers', '+aes*-cbc'), 'aes*-cbc')
  assert.equal(invalidAlgorithmName('ciphers', '-aes*-cbc'), undefined)
  assert.equal(invalidAlgorithmName('macs', 'hmac-sha2-256,hmac-nope'), 'hmac-nope')
})

test('toSsh2 keeps the order and drops what ssh2 cannot do', () => {
  const r = toSsh2('hostkeyalgorithms', ['ssh-ed25519-cert-v01@openssh.com', 'rsa-sha2-512', 'sk-ssh-ed25519@openssh.com', 'ssh-ed25519'])
  assert.deepEqual(r.usable, ['rsa-sha2-512', 'ssh-ed25519'])
  assert.deepEqual(r.dropped, ['ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com'])
  assert.deepEqual(toSsh2('kexalgorithms', ['sntrup761x25519-sha512', 'curve25519-sha256']).usable, ['curve25519-sha256'])
  assert.deepEqual(toSsh2('macs', ['umac-64@openssh.com']).usable, [])
})
