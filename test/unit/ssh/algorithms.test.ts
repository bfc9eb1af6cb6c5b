import {test} from 'node:test'
import assert from 'node:assert/strict'
import {buildAlgorithms, LEGACY_ALGORITHMS} from '../../../src/ssh/algorithms.js'

test('by default no algorithm override is passed (ssh2 defaults)', () => {
  assert.equal(buildAlgorithms({legacySsh: false}), undefined)
  assert.equal(buildAlgorithms({legacySsh: false, knownKeyTypes: []}), undefined)
})

test('legacySsh appends exactly the classic IOS algorithms', () => {
  const a = buildAlgorithms({legacySsh: true})
  assert.deepEqual(a?.kex, {append: ['diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1']})
  assert.deepEqual(a?.cipher, {append: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc']})
  assert.deepEqual(a?.hmac, {append: ['hmac-sha1']})
  const hk = a?.serverHostKey as string[]
  assert.equal(hk.at(-1), 'ssh-rsa')
  assert.ok(hk.includes('ssh-ed25519') && hk.indexOf('ssh-ed25519') < hk.indexOf('ssh-rsa'), 'modern host keys still first')
  assert.deepEqual(LEGACY_ALGORITHMS.serverHostKey, ['ssh-rsa'])
})

test('a known key type moves its host key algorithms to the front', () => {
  const a = buildAlgorithms({legacySsh: false, knownKeyTypes: ['ecdsa-sha2-nistp256']})
  const hk = a?.serverHostKey as string[]
  assert.equal(hk[0], 'ecdsa-sha2-nistp256')
  assert.equal(a?.kex, undefined)
  const rsa = buildAlgorithms({legacySsh: true, knownKeyTypes: ['ssh-rsa']})?.serverHostKey as string[]
  assert.deepEqual(rsa.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
})

test('ssh_config algorithm lists replace the defaults for their kind, in the order given', () => {
  const a = buildAlgorithms({legacySsh: false, configured: {kex: ['curve25519-sha256'], cipher: ['aes256-gcm@openssh.com', 'aes128-ctr']}})
  assert.deepEqual(a?.kex, ['curve25519-sha256'])
  assert.deepEqual(a?.cipher, ['aes256-gcm@openssh.com', 'aes128-ctr'])
  assert.equal(a?.hmac, undefined)
  assert.equal(a?.serverHostKey, undefined)
  assert.equal(buildAlgorithms({legacySsh: false, configured: {kex: []}}), undefined, 'an empty list is no override')
})

test('--legacy-ssh still adds the classic IOS algorithms to an ssh_config list (the flag is an explicit request)', () => {
  const a = buildAlgorithms({
    legacySsh: true,
    configured: {kex: ['curve25519-sha256', 'diffie-hellman-group14-sha1'], hmac: ['hmac-sha2-256']},
  })
  assert.deepEqual(a?.kex, [
    'curve25519-sha256',
    'diffie-hellman-group14-sha1',
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group1-sha1',
  ])
  assert.deepEqual(a?.hmac, ['hmac-sha2-256', 'hmac-sha1'])
  assert.deepEqual(a?.cipher, {append: [...LEGACY_ALGORITHMS.cipher]})
})

test('ssh_config HostKeyAlgorithms is the host key list; a known key type goes first only if the list has it', () => {
  assert.deepEqual(buildAlgorithms({legacySsh: false, configured: {serverHostKey: ['rsa-sha2-256', 'ssh-ed25519']}})?.serverHostKey, [
    'rsa-sha2-256',
    'ssh-ed25519',
  ])
  assert.deepEqual(
    buildAlgorithms({legacySsh: false, knownKeyTypes: ['ssh-ed25519'], configured: {serverHostKey: ['rsa-sha2-256', 'ssh-ed25519']}})
      ?.serverHostKey,
    ['ssh-ed25519', 'rsa-sha2-256'],
  )
  assert.deepEqual(
    buildAlgorithms({legacySsh: false, knownKeyTypes: ['ecdsa-sha2-nistp256'], configured: {serverHostKey: ['ssh-ed25519']}})
      ?.serverHostKey,
    ['ssh-ed25519'],
  )
})
