/**
 * Algorithm offers. Default = ssh2's defaults. `legacySsh` APPENDS exactly the old algorithms
 * classic IOS (12.2/15.x) offers, so modern servers still negotiate modern algorithms.
 */
import {createRequire} from 'node:module'
import type {Algorithms} from 'ssh2'

export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc'],
  hmac: ['hmac-sha1'],
} as const

interface Ssh2Constants {
  DEFAULT_SERVER_HOST_KEY: string[]
  SUPPORTED_SERVER_HOST_KEY: string[]
  SUPPORTED_KEX: string[]
  SUPPORTED_CIPHER: string[]
  SUPPORTED_MAC: string[]
}

/** ssh2's own default/supported algorithm lists (ssh2 has no `exports` map, so the deep path is stable in 1.x). */
function loadSsh2Constants(): Ssh2Constants {
  try {
    return createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Ssh2Constants
  } catch {
    const supportedHostKeys = [
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-dss',
    ]
    return {
      DEFAULT_SERVER_HOST_KEY: supportedHostKeys.filter((a) => a !== 'ssh-dss'),
      SUPPORTED_SERVER_HOST_KEY: supportedHostKeys,
      SUPPORTED_KEX: [
        'curve25519-sha256@libssh.org',
        'curve25519-sha256',
        'ecdh-sha2-nistp256',
        'ecdh-sha2-nistp384',
        'ecdh-sha2-nistp521',
        'diffie-hellman-group-exchange-sha256',
        'diffie-hellman-group14-sha256',
        'diffie-hellman-group16-sha512',
        'diffie-hellman-group18-sha512',
        'diffie-hellman-group-exchange-sha1',
        'diffie-hellman-group14-sha1',
        'diffie-hellman-group1-sha1',
      ],
      SUPPORTED_CIPHER: [
        'aes128-gcm@openssh.com',
        'aes256-gcm@openssh.com',
        'aes128-ctr',
        'aes192-ctr',
        'aes256-ctr',
        'chacha20-poly1305@openssh.com',
        'aes256-cbc',
        'aes192-cbc',
        'aes128-cbc',
        '3des-cbc',
      ],
      SUPPORTED_MAC: [
        'hmac-sha2-256-etm@openssh.com',
        'hmac-sha2-512-etm@openssh.com',
        'hmac-sha1-etm@openssh.com',
        'hmac-sha2-256',
        'hmac-sha2-512',
        'hmac-sha1',
        'hmac-md5',
        'hmac-sha1-96',
        'hmac-md5-96',
      ],
    }
  }
}

/** ssh2's algorithm lists, loaded once; also used by config/algorithms.ts. */
export const ssh2Constants = loadSsh2Constants()

/** Host key algorithms that produce/verify a key of the given known_hosts key type. */
function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
  return [keyType]
}

/** Algorithm lists ssh_config gave (HostKeyAlgorithms, KexAlgorithms, Ciphers, MACs), in ssh2's names. */
export interface ConfiguredAlgorithms {
  serverHostKey?: string[]
  kex?: string[]
  cipher?: string[]
  hmac?: string[]
}

/** `list` plus the entries of `extra` it lacks, in order. */
function withExtra(list: readonly string[], extra: readonly string[]): string[] {
  return [...list, ...extra.filter((a) => !list.includes(a))]
}

/**
 * The ssh2 `algorithms` option. When keys of some types are already known for the host, host key
 * algorithms producing those types go first (as OpenSSH does), so a server holding several host
 * keys shows us the one we know instead of tripping a false "host key changed".
 *
 * `configured` (ssh_config) REPLACES ssh2's list for that kind, as OpenSSH does; `legacySsh` is an
 * explicit request on the command line, so it still appends the classic IOS algorithms to it.
 */
export function buildAlgorithms(opts: {
  legacySsh: boolean
  knownKeyTypes?: string[]
  configured?: ConfiguredAlgorithms
}): Algorithms | undefined {
  const algorithms: Algorithms = {}
  const configured = opts.configured ?? {}
  for (const kind of ['kex', 'cipher', 'hmac'] as const) {
    const list = configured[kind]
    const legacy = opts.legacySsh ? LEGACY_ALGORITHMS[kind] : []
    if (list !== undefined && list.length > 0) (algorithms as Record<string, string[]>)[kind] = withExtra(list, legacy)
    else if (legacy.length > 0) (algorithms as Record<string, {append: string[]}>)[kind] = {append: [...legacy]}
  }
  const configuredHostKeys = configured.serverHostKey !== undefined && configured.serverHostKey.length > 0
  let hostKeyList = configuredHostKeys ? [...(configured.serverHostKey ?? [])] : [...ssh2Constants.DEFAULT_SERVER_HOST_KEY]
  if (opts.legacySsh) hostKeyList = withExtra(hostKeyList, LEGACY_ALGORITHMS.serverHostKey)
  const known = (opts.knownKeyTypes ?? []).flatMap(algorithmsForKeyType).filter((a) => ssh2Constants.SUPPORTED_SERVER_HOST_KEY.includes(a))
  // a known ssh-rsa key only gets plain ssh-rsa when the legacy set is on (or it was a default)
  const preferred = known.filter((a) => hostKeyList.includes(a))
  if (preferred.length > 0) hostKeyList = [...preferred, ...hostKeyList.filter((a) => !preferred.includes(a))]
  const changedHostKeys = opts.legacySsh || preferred.length > 0 || configuredHostKeys
  if (changedHostKeys) algorithms.serverHostKey = hostKeyList as NonNullable<Algorithms['serverHostKey']>
  return Object.keys(algorithms).length === 0 ? undefined : algorithms
}
