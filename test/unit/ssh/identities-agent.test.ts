import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'
import type {ParsedKey} from 'ssh2'
import {identityPublicBlobs, onlyAllowed} from '../../../src/ssh/identities-agent.js'
import {generateSshKeyPair} from '../../../src/ssh/keys.js'

function parsed(text: string): ParsedKey {
  const k = ssh2.utils.parseKey(text)
  if (k instanceof Error || Array.isArray(k)) throw new Error('bad key')
  return k
}

test('IdentitiesOnly: only agent keys matching an identity file (its private key or <file>.pub) are listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-idonly-'))
  try {
    const a = generateSshKeyPair('ed25519')
    const b = generateSshKeyPair('ed25519')
    const c = generateSshKeyPair('ed25519')
    // b: an encrypted file we could not open, but its .pub is there (the agent holds the private half)
    writeFileSync(join(dir, 'id_b'), 'encrypted')
    writeFileSync(join(dir, 'id_b.pub'), b.public)
    const blobs = identityPublicBlobs([join(dir, 'id_a'), join(dir, 'id_b'), join(dir, 'missing')], [{key: parsed(a.private)}])
    assert.equal(blobs.length, 2)
    const agentKeys = [parsed(a.public), parsed(b.public), parsed(c.public)]
    const kept = onlyAllowed(agentKeys, blobs)
    assert.deepEqual(
      kept.map((k) => k.getPublicSSH().toString('base64')),
      [a, b].map((p) => parsed(p.public).getPublicSSH().toString('base64')),
    )
    assert.deepEqual(onlyAllowed(agentKeys, []), [])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
