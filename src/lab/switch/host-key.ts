/**
 * Host keys for the lab switch: generated at start (ed25519; RSA for `--legacy-ssh`, since
 * classic IOS only offers ssh-rsa) or loaded, plus the OpenSSH-style SHA256 fingerprint.
 */
import {createHash} from 'node:crypto'
import ssh2, {type ParsedKey} from 'ssh2'
import {generateSshKeyPair} from '../../ssh/keys.js'

export interface HostKey {
  /** Private key in OpenSSH (or PEM) format, as ssh2's Server takes it. */
  privateKey: string
  /** `ssh-ed25519`, `ssh-rsa`, ... */
  type: string
  /** `ssh-ed25519 AAAA...` (a known_hosts / authorized_keys style line without host). */
  publicKey: string
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: string
}

export function generateHostKey(kind: 'ed25519' | 'rsa'): HostKey {
  const pair = kind === 'rsa' ? generateSshKeyPair('rsa', {bits: 2048}) : generateSshKeyPair('ed25519')
  return loadHostKey(pair.private)
}

export function loadHostKey(privateKey: string | Buffer): HostKey {
  const key = firstParsedKey(privateKey)
  if (!key || key instanceof Error) throw new Error(`cannot parse host key: ${key instanceof Error ? key.message : 'empty'}`)
  if (!key.isPrivateKey()) throw new Error('host key must be a private key')
  const blob = key.getPublicSSH()
  return {
    privateKey: typeof privateKey === 'string' ? privateKey : privateKey.toString('utf8'),
    type: key.type,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: fingerprintOf(blob),
  }
}

/** ssh2's parseKey, which some versions answer with an array of keys: the first key, or the parse error. */
export function firstParsedKey(data: string | Buffer): ParsedKey | Error | undefined {
  const parsed: ParsedKey | Error | Array<ParsedKey | Error> = ssh2.utils.parseKey(data)
  return isKeyList(parsed) ? parsed[0] : parsed
}

function isKeyList(parsed: ParsedKey | Error | Array<ParsedKey | Error>): parsed is Array<ParsedKey | Error> {
  return Array.isArray(parsed)
}

function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}
