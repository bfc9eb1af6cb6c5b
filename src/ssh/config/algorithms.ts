/**
 * HostKeyAlgorithms / KexAlgorithms / Ciphers / MACs as OpenSSH 9.2 (Debian 12) assembles them
 * (kex.c `kex_assemble_names`): an explicit list, `+list` appended to the default, `-list`
 * (patterns) removed from it, `^list` placed at its head. Then mapped to what ssh2 implements.
 */
import {ssh2Constants} from '../algorithms.js'
import {matchPatternList} from './patterns.js'

export type AlgorithmKind = 'hostkeyalgorithms' | 'kexalgorithms' | 'ciphers' | 'macs'

/** The client defaults (`ssh -G` with nothing set) and everything the build knows (`ssh -Q`), OpenSSH_9.2p1 Debian-2+deb12u10. */
const OPENSSH: Record<AlgorithmKind, {defaults: string[]; all: string[]; wildcards: boolean}> = {
  ciphers: {
    defaults: [
      'chacha20-poly1305@openssh.com',
      'aes128-ctr',
      'aes192-ctr',
      'aes256-ctr',
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
    ],
    all: [
      '3des-cbc',
      'aes128-cbc',
      'aes192-cbc',
      'aes256-cbc',
      'aes128-ctr',
      'aes192-ctr',
      'aes256-ctr',
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
      'chacha20-poly1305@openssh.com',
    ],
    wildcards: false,
  },
  macs: {
    defaults: [
      'umac-64-etm@openssh.com',
      'umac-128-etm@openssh.com',
      'hmac-sha2-256-etm@openssh.com',
      'hmac-sha2-512-etm@openssh.com',
      'hmac-sha1-etm@openssh.com',
      'umac-64@openssh.com',
      'umac-128@openssh.com',
      'hmac-sha2-256',
      'hmac-sha2-512',
      'hmac-sha1',
    ],
    all: [
      'hmac-sha1',
      'hmac-sha1-96',
      'hmac-sha2-256',
      'hmac-sha2-512',
      'hmac-md5',
      'hmac-md5-96',
      'umac-64@openssh.com',
      'umac-128@openssh.com',
      'hmac-sha1-etm@openssh.com',
      'hmac-sha1-96-etm@openssh.com',
      'hmac-sha2-256-etm@openssh.com',
      'hmac-sha2-512-etm@openssh.com',
      'hmac-md5-etm@openssh.com',
      'hmac-md5-96-etm@openssh.com',
      'umac-64-etm@openssh.com',
      'umac-128-etm@openssh.com',
    ],
    wildcards: false,
  },
  kexalgorithms: {
    defaults: [
      'sntrup761x25519-sha512',
      'sntrup761x25519-sha512@openssh.com',
      'curve25519-sha256',
      'curve25519-sha256@libssh.org',
      'ecdh-sha2-nistp256',
      'ecdh-sha2-nistp384',
      'ecdh-sha2-nistp521',
      'diffie-hellman-group-exchange-sha256',
      'diffie-hellman-group16-sha512',
      'diffie-hellman-group18-sha512',
      'diffie-hellman-group14-sha256',
    ],
    all: [
      'diffie-hellman-group1-sha1',
      'diffie-hellman-group14-sha1',
      'diffie-hellman-group14-sha256',
      'diffie-hellman-group16-sha512',
      'diffie-hellman-group18-sha512',
      'diffie-hellman-group-exchange-sha1',
      'diffie-hellman-group-exchange-sha256',
      'ecdh-sha2-nistp256',
      'ecdh-sha2-nistp384',
      'ecdh-sha2-nistp521',
      'curve25519-sha256',
      'curve25519-sha256@libssh.org',
      'sntrup761x25519-sha512',
      'sntrup761x25519-sha512@openssh.com',
    ],
    wildcards: false,
  },
  hostkeyalgorithms: {
    defaults: [
      'ssh-ed25519-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ecdsa-sha2-nistp384-cert-v01@openssh.com',
      'ecdsa-sha2-nistp521-cert-v01@openssh.com',
      'sk-ssh-ed25519-cert-v01@openssh.com',
      'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'sk-ssh-ed25519@openssh.com',
      'sk-ecdsa-sha2-nistp256@openssh.com',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ],
    all: [
      'ssh-ed25519',
      'ssh-ed25519-cert-v01@openssh.com',
      'sk-ssh-ed25519@openssh.com',
      'sk-ssh-ed25519-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp384-cert-v01@openssh.com',
      'ecdsa-sha2-nistp521',
      'ecdsa-sha2-nistp521-cert-v01@openssh.com',
      'sk-ecdsa-sha2-nistp256@openssh.com',
      'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
      'ssh-dss',
      'ssh-dss-cert-v01@openssh.com',
      'ssh-rsa',
      'ssh-rsa-cert-v01@openssh.com',
      'rsa-sha2-256',
      'rsa-sha2-256-cert-v01@openssh.com',
      'rsa-sha2-512',
      'rsa-sha2-512-cert-v01@openssh.com',
    ],
    wildcards: true,
  },
}

/** Is a value (`+`, `-`, `^` or plain list) one OpenSSH accepts? Returns the bad name, or undefined. */
export function invalidAlgorithmName(kind: AlgorithmKind, value: string): string | undefined {
  if (value.startsWith('-')) return undefined
  const list = value.startsWith('+') || value.startsWith('^') ? value.slice(1) : value
  const {all, wildcards} = OPENSSH[kind]
  for (const name of list.split(',')) {
    if (name === '') return name
    if (all.includes(name)) continue
    if (wildcards && !name.startsWith('!') && /[*?]/.test(name) && all.some((a) => matchPatternList(a, name, false) === 1)) continue
    return name
  }
  return undefined
}

/** kex.c `kex_names_cat`: a then the names of b not already in a. */
function namesCat(a: string[], b: string[]): string[] {
  return [...a, ...b.filter((n) => !a.includes(n))]
}

/**
 * kex.c `kex_assemble_names` against OpenSSH's defaults. Returns OpenSSH names; an empty list means
 * nothing is left (OpenSSH refuses an empty explicit list; a `-` list may empty it too).
 */
export function assembleAlgorithms(kind: AlgorithmKind, value: string): string[] {
  const {defaults, all} = OPENSSH[kind]
  if (value === '') return [...defaults]
  let list: string[]
  if (value.startsWith('-')) {
    const filter = value.slice(1)
    return defaults.filter((n) => matchPatternList(n, filter, false) !== 1)
  }
  if (value.startsWith('+')) list = namesCat(defaults, value.slice(1).split(','))
  else if (value.startsWith('^')) list = namesCat(value.slice(1).split(','), defaults)
  else list = value.split(',')
  let out: string[] = []
  for (const pattern of list) {
    out = namesCat(
      out,
      all.filter((a) => matchPatternList(a, pattern, false) === 1),
    )
  }
  return out
}

const SSH2_LIST: Record<AlgorithmKind, string[]> = {
  hostkeyalgorithms: ssh2Constants.SUPPORTED_SERVER_HOST_KEY,
  kexalgorithms: ssh2Constants.SUPPORTED_KEX,
  ciphers: ssh2Constants.SUPPORTED_CIPHER,
  macs: ssh2Constants.SUPPORTED_MAC,
}

/**
 * OpenSSH names → ssh2 names, in order, dropping what ssh2 cannot do (certificates, security keys,
 * sntrup761, umac). The names are the same in both where ssh2 implements the algorithm.
 */
export function toSsh2(kind: AlgorithmKind, names: string[]): {usable: string[]; dropped: string[]} {
  const supported = SSH2_LIST[kind]
  return {usable: names.filter((n) => supported.includes(n)), dropped: names.filter((n) => !supported.includes(n))}
}
