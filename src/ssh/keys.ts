/**
 * Key generation that works around an ssh2 bug: about 1 in 400 ed25519 key pairs from
 * `ssh2.utils.generateKeyPairSync` are written with a 31-byte key (a leading zero byte dropped) and
 * ssh2's own parser then rejects them as "Malformed OpenSSH private key". Generate until it parses.
 */
import ssh2 from 'ssh2'

export type KeyPairType = 'ed25519' | 'rsa' | 'ecdsa'

export interface KeyPairOptions {
  bits?: number
  passphrase?: string
  cipher?: string
  comment?: string
}

export function generateSshKeyPair(type: KeyPairType, options: KeyPairOptions = {}): {private: string; public: string} {
  for (let attempt = 1; ; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync(type, options as never)
    if (!(ssh2.utils.parseKey(pair.private, options.passphrase) instanceof Error)) return pair
    if (attempt >= 20) throw new Error(`ssh2 produced ${attempt} unreadable ${type} keys in a row`)
  }
}
