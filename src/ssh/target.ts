/**
 * Merge what the user asked for with ~/.ssh/config and defaults into a ResolvedTarget.
 * Precedence: explicit option > ssh_config (first value wins) > default.
 */
import {existsSync} from 'node:fs'
import {homedir, userInfo} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'
import {InputError} from '../errors.js'
import {defaultKnownHostsFile} from './known-hosts.js'
import {lookupSshConfigFile, type SshConfigValues} from './ssh-config.js'
import type {ResolvedTarget, SshTargetOptions} from './types.js'

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_PORT = 22

function localUserName(opts: SshTargetOptions): string {
  if (opts.localUser !== undefined && opts.localUser !== '') return opts.localUser
  try {
    return userInfo().username
  } catch {
    return 'root'
  }
}

/** True when `x` already went through resolveTarget. */
export function isResolvedTarget(x: SshTargetOptions | ResolvedTarget): x is ResolvedTarget {
  return 'alias' in x && Array.isArray(x.identityFiles)
}

function resolveTargetSync(opts: SshTargetOptions): ResolvedTarget {
  const alias = opts.host.trim()
  if (alias === '') throw new InputError('no host given', {suggestions: ['pass --host <address or ~/.ssh/config alias>']})
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 1 && opts.port <= 65535)) {
    throw new InputError(`invalid SSH port ${String(opts.port)} for ${alias}`, {suggestions: ['use a port between 1 and 65535']})
  }
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) {
    throw new InputError(`invalid timeout ${String(opts.timeoutMs)} ms`, {suggestions: ['use a positive --timeout']})
  }
  const homeDir = opts.homeDir ?? homedir()
  const localUser = localUserName(opts)

  let cfg: SshConfigValues = {identityFiles: []}
  let sshConfigFile: string | undefined
  if (opts.sshConfigFile !== null && opts.sshConfigFile !== '') {
    sshConfigFile = opts.sshConfigFile ?? join(homeDir, '.ssh', 'config')
    cfg = lookupSshConfigFile(sshConfigFile, alias, {homeDir, localUser})
  }

  const identityFiles: string[] = []
  if (opts.identityFile !== undefined && opts.identityFile !== '') {
    const explicit = isAbsolute(opts.identityFile) ? opts.identityFile : resolve(opts.identityFile)
    if (!existsSync(explicit)) {
      throw new InputError(`identity file ${explicit} does not exist`, {suggestions: ['check the --identity-file path']})
    }
    identityFiles.push(explicit)
  }
  for (const f of cfg.identityFiles) {
    // like OpenSSH: ssh_config IdentityFile entries that do not exist are skipped quietly
    if (!identityFiles.includes(f) && existsSync(f)) identityFiles.push(f)
  }

  const target: ResolvedTarget = {
    alias,
    host: cfg.hostName ?? alias,
    port: opts.port ?? cfg.port ?? DEFAULT_PORT,
    username: opts.username ?? cfg.user ?? localUser,
    identityFiles,
    hostKeyPolicy: opts.hostKeyPolicy ?? 'accept-new',
    knownHostsFile: opts.knownHostsFile ?? defaultKnownHostsFile({configDir: opts.configDir, homeDir}),
    legacySsh: opts.legacySsh ?? false,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  }
  if (opts.password !== undefined) target.password = opts.password
  if (opts.passphrase !== undefined) target.passphrase = opts.passphrase
  if (opts.agentSocket !== undefined && opts.agentSocket !== '') target.agentSocket = opts.agentSocket
  if (sshConfigFile !== undefined) target.sshConfigFile = sshConfigFile
  if (opts.askSecret !== undefined) target.askSecret = opts.askSecret
  return target
}

/** Resolve flags + ~/.ssh/config into the target to dial. Rejects with InputError on bad input. */
export function resolveTarget(opts: SshTargetOptions): Promise<ResolvedTarget> {
  // (an executor's throw becomes the rejection)
  return new Promise((resolve) => resolve(resolveTargetSync(opts)))
}

/** `user@host:port` — how messages name a target (never includes secrets). */
export function targetLabel(t: Pick<ResolvedTarget, 'username' | 'host' | 'port'> & {alias?: string}): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  const via = t.alias !== undefined && t.alias !== t.host ? ` (${t.alias})` : ''
  return `${t.username}@${host}:${t.port}${via}`
}
