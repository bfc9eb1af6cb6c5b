import type {AskSecret, HostKeyPolicy, SecretRequest, SshTargetOptions} from '../ssh/types.js'
import {ux} from '@oclif/core'
import {ask} from './prompt.js'

/** The parsed values of `sshFlags` (src/cli/flags.ts). */
export interface SshFlagValues {
  host?: string[] | undefined
  'ssh-port'?: number | undefined
  username?: string | undefined
  password?: string | undefined
  'identity-file'?: string | undefined
  'identity-passphrase'?: string | undefined
  'host-key-policy'?: HostKeyPolicy | undefined
  jump?: string | undefined
  'known-hosts'?: string | undefined
  'legacy-ssh': boolean
  timeout: number
}

/**
 * Turn parsed flags into transport options for one host. This is the one place the
 * environment is read for SSH (agent socket, config dir, local user).
 */
export function sshTargetFromFlags(
  host: string,
  flags: SshFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  askSecret?: AskSecret,
): SshTargetOptions {
  const o: SshTargetOptions = {
    host,
    legacySsh: flags['legacy-ssh'],
    timeoutMs: flags.timeout * 1000,
  }
  if (flags['host-key-policy'] !== undefined) o.hostKeyPolicy = flags['host-key-policy']
  if (flags.jump !== undefined && flags.jump.trim() !== '') o.jump = flags.jump.trim()
  if (flags['ssh-port'] !== undefined) o.port = flags['ssh-port']
  if (flags.username !== undefined) o.username = flags.username
  if (flags.password !== undefined && flags.password !== '') o.password = flags.password
  if (flags['identity-file'] !== undefined) o.identityFile = flags['identity-file']
  if (flags['identity-passphrase'] !== undefined && flags['identity-passphrase'] !== '') o.passphrase = flags['identity-passphrase']
  if (askSecret !== undefined) o.askSecret = askSecret
  if (flags['known-hosts'] !== undefined) o.knownHostsFile = flags['known-hosts']
  if (env.SSH_AUTH_SOCK) o.agentSocket = env.SSH_AUTH_SOCK
  if (env.XDG_CONFIG_HOME) o.configDir = env.XDG_CONFIG_HOME
  if (env.NETOPS_SSH_CONFIG !== undefined) o.sshConfigFile = env.NETOPS_SSH_CONFIG
  if (env.USER) o.localUser = env.USER
  o.env = env // ssh_config: ${VAR}, IdentityAgent $VAR, Match exec
  return o
}

/** The question for a missing secret; never contains the secret. */
export function secretQuestion(r: SecretRequest): string {
  return r.kind === 'password' ? `SSH password for ${r.target}: ` : `Passphrase for ${r.file}: `
}

/**
 * Asks on the terminal (hidden input), one question at a time, and each question once: several
 * hosts connecting in parallel share the password typed for the first, and each key's passphrase;
 * each jump host's password is asked once and shared by the connections passing through it.
 */
export function terminalSecretAsker(
  // a running spinner (BaseCommand.step) pauses while the question is on screen
  read: (question: string) => Promise<string> = (q) => ux.action.pauseAsync(() => ask(q, true)),
): AskSecret {
  const answers = new Map<string, Promise<string>>()
  let queue: Promise<unknown> = Promise.resolve()
  return (r) => {
    // a jump host's password is its own (asked once per hop); the targets' one is shared
    const key = r.kind === 'passphrase' ? `passphrase:${r.file}` : r.jumpHost === true ? `password:${r.target}` : 'password'
    let answer = answers.get(key)
    if (answer === undefined) {
      answer = queue.then(() => read(secretQuestion(r)))
      queue = answer.catch(() => undefined)
      answers.set(key, answer)
    }
    return answer
  }
}
