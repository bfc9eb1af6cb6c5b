/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): read plain names,
 * `[host]:port`, comma lists with wildcards/negation, and hashed `|1|salt|hash` entries;
 * `@cert-authority` lines are ignored (we do not do certificates) and `@revoked` keys are refused.
 * We write plain (unhashed) entries, one per line.
 */
import {createHash, createHmac} from 'node:crypto'
import {appendFileSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {matchPatternList} from './ssh-config.js'

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number
  marker?: 'cert-authority' | 'revoked'
  /** The host field as written. */
  hosts: string
  keyType: string
  /** base64 of the SSH wire-format public key. */
  key: string
}

export type HostKeyCheck =
  | {status: 'known'; entry: KnownHostEntry}
  | {status: 'unknown'}
  /** Keys are recorded for this host, none matches (`entry` is the first one, same key type preferred). */
  | {status: 'changed'; entry: KnownHostEntry}
  | {status: 'revoked'; entry: KnownHostEntry}

/** Parse a known_hosts file; malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, idx) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fields = line.split(/\s+/)
    let marker: KnownHostEntry['marker']
    if (fields[0]?.startsWith('@') === true) {
      const m = fields.shift()
      if (m === '@cert-authority') marker = 'cert-authority'
      else if (m === '@revoked') marker = 'revoked'
      else return // unknown marker: skip the line safely
    }
    const [hosts, keyType, key] = fields
    if (hosts === undefined || keyType === undefined || key === undefined) return
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return
    out.push({line: idx + 1, ...(marker === undefined ? {} : {marker}), hosts, keyType, key})
  })
  return out
}

/** The name known_hosts uses for a host: `host` on port 22, else `[host]:port`. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/** Does an entry's host field name this host:port? Handles hashed entries and pattern lists. */
export function entryMatchesHost(hosts: string, host: string, port: number): boolean {
  const token = hostToken(host.toLowerCase(), port)
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|')
    if (salt === undefined || hash === undefined) return false
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64')
    return mac === hash
  }
  return matchPatternList(hosts.split(','), token)
}

/** The key type named inside an SSH wire-format public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const len = blob.readUInt32BE(0)
  if (len > blob.length - 4 || len > 64) return 'unknown'
  return blob.subarray(4, 4 + len).toString('latin1')
}

/** OpenSSH's fingerprint: `SHA256:<unpadded base64 of sha256(blob)>`. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** Compare a presented key with the entries for host:port. */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, blob: Buffer): HostKeyCheck {
  const b64 = blob.toString('base64')
  const type = keyTypeOf(blob)
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e.hosts, host, port))
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === b64)
  if (revoked !== undefined) return {status: 'revoked', entry: revoked}
  const plain = forHost.filter((e) => e.marker === undefined)
  const hit = plain.find((e) => e.key === b64)
  if (hit !== undefined) return {status: 'known', entry: hit}
  if (plain.length === 0) return {status: 'unknown'}
  const sameType = plain.find((e) => e.keyType === type)
  return {status: 'changed', entry: sameType ?? (plain[0] as KnownHostEntry)}
}

/** Key types already recorded for host:port (so the client can prefer them in negotiation). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e.hosts, host, port)).map((e) => e.keyType)
  return [...new Set(types)]
}

/** Read a known_hosts file; a missing file is empty. */
export function readKnownHostsFile(file: string): KnownHostEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return parseKnownHosts(text)
}

/** The line we append for a newly accepted key. */
function formatKnownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${hostToken(host.toLowerCase(), port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`
}

/** Append an entry, creating the file (0600) and its directory (0700) when needed. */
export function appendKnownHost(file: string, host: string, port: number, blob: Buffer): void {
  mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  let prefix = ''
  try {
    const existing = readFileSync(file, 'utf8')
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n'
  } catch {
    /* new file */
  }
  appendFileSync(file, `${prefix}${formatKnownHostsLine(host, port, blob)}\n`, {mode: 0o600})
}

/** `$XDG_CONFIG_HOME/netops/known_hosts`, else `~/.config/netops/known_hosts`. */
export function defaultKnownHostsFile(opts: {configDir?: string | undefined; homeDir: string}): string {
  const base = opts.configDir !== undefined && opts.configDir !== '' ? opts.configDir : join(opts.homeDir, '.config')
  return join(base, 'netops', 'known_hosts')
}
