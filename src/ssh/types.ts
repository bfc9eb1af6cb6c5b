/** Public types of the SSH transport layer. */

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off'

/** A secret the transport is missing: the login password, or the passphrase of one key file. */
export type SecretRequest =
  /** `jumpHost`: the password of a jump host on the way (its own, not the target's); `target` then names the hop. */
  {kind: 'password'; target: string; jumpHost?: boolean} | {kind: 'passphrase'; file: string}

/** Asks the user for a missing secret (the CLI passes one only on a terminal). */
export type AskSecret = (request: SecretRequest) => Promise<string>

/** What a command collects from flags. Explicit options beat ~/.ssh/config, which beats defaults. */
export interface SshTargetOptions {
  /** Name, IP address or ~/.ssh/config Host alias. */
  host: string
  port?: number
  username?: string
  password?: string
  /** Passphrase for an encrypted private key. */
  passphrase?: string
  /** Private key file (`--identity-file`); tried before any ssh_config IdentityFile. */
  identityFile?: string
  /** ssh-agent socket path: the caller passes process.env.SSH_AUTH_SOCK. */
  agentSocket?: string
  /** Default 'accept-new'. */
  hostKeyPolicy?: HostKeyPolicy
  /** Default: `<configDir>/netops/known_hosts` (see defaultKnownHostsFile). */
  knownHostsFile?: string
  /** Append the old algorithms classic IOS offers (SHA-1 DH kex, ssh-rsa, CBC ciphers, hmac-sha1). */
  legacySsh?: boolean
  /** Per step (connect+handshake+auth, exec, shell open). Default 30000. */
  timeoutMs?: number
  /** Default `<homeDir>/.ssh/config`; pass null or '' to skip ssh_config entirely. */
  sshConfigFile?: string | null
  /** Home directory used for `~` expansion and the default ssh_config; default os.homedir(). */
  homeDir?: string
  /** Base config dir (XDG_CONFIG_HOME); default `<homeDir>/.config`. The caller passes process.env.XDG_CONFIG_HOME. */
  configDir?: string
  /** Local user name for the default username; default os.userInfo().username. The caller may pass process.env.USER. */
  localUser?: string
  /**
   * Ask for what is missing: the passphrase of an encrypted identity file given none, and the
   * password when every key (agent included) was refused and no password was given.
   */
  askSecret?: AskSecret
  /** `--jump [user@]host[:port][,...]` as `ssh -J` takes it; beats ssh_config ProxyJump/ProxyCommand. `none` = direct. */
  jump?: string
  /**
   * Environment for ssh_config: `${VAR}` in IdentityFile/UserKnownHostsFile/IdentityAgent, `IdentityAgent $VAR`,
   * and `Match exec` commands. The caller passes process.env; without it `${VAR}` is an error and exec inherits.
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** A target after merging explicit options, ssh_config and defaults. */
export interface ResolvedTarget {
  /** What the user typed (an alias or the host itself). */
  alias: string
  /** The address actually dialled (ssh_config HostName, %h expanded). */
  host: string
  port: number
  username: string
  /** Key files to try, in order: --identity-file first, then ssh_config IdentityFile (existing ones only). */
  identityFiles: string[]
  password?: string
  passphrase?: string
  agentSocket?: string
  hostKeyPolicy: HostKeyPolicy
  knownHostsFile: string
  legacySsh: boolean
  timeoutMs: number
  /** The ssh_config file that was read, if any. */
  sshConfigFile?: string
  askSecret?: AskSecret
  /**
   * Hosts to pass through, first hop first (`--jump`, else ssh_config ProxyJump). Each hop is resolved
   * through ssh_config on its own (its User, Port, IdentityFile, HostName), shares the target's host-key
   * policy and known_hosts file, and has no jumps of its own (the chain is flattened).
   */
  jumps?: ResolvedTarget[]
  /** ssh_config ProxyCommand, tokens expanded: run with `/bin/sh -c`, its stdin/stdout are the connection. Never with jumps. */
  proxyCommand?: string
  /** ssh_config IdentitiesOnly: only the identity files are tried (not the agent's other keys). */
  identitiesOnly?: boolean
  /** Algorithm preferences from ssh_config (HostKeyAlgorithms, KexAlgorithms, Ciphers, MACs), in ssh2's names. */
  algorithms?: {serverHostKey?: string[]; kex?: string[]; cipher?: string[]; hmac?: string[]}
  /** Where each value ssh_config gave came from, `file:line`, keyed by lowercase keyword: for messages. */
  origins?: Record<string, string>
  /**
   * ssh_config ConnectTimeout in ms. OpenSSH bounds only the TCP connect and banner exchange with it, so it
   * never becomes `timeoutMs` (which also bounds exec and shell steps): the transport bounds its connect step by
   * min(connectTimeoutMs, timeoutMs).
   */
  connectTimeoutMs?: number
}

export interface NegotiatedAlgorithms {
  kex: string
  serverHostKey: string
  cipher: string
  mac: string
}

export interface ExecOptions {
  timeoutMs?: number
  stdin?: string | Buffer
}

/**
 * What one finished command left behind: the one definition of an exec result. SSH exec reports
 * it as is (`ExecResult`); the ovs executors narrow the exit status to a number (shell
 * convention) and add the argv (`ExecResult<number>` + `command`, in ovs/executor.ts).
 */
export interface ExecResult<Status extends number | null = number | null> {
  /** The exit status; over SSH null when the command died of a signal or none was sent. */
  exitCode: Status
  /** The signal that ended the command, as 'SIGTERM' etc.; null otherwise. */
  signal: string | null
  stdout: string
  stderr: string
}

export interface ShellOptions {
  pty?: {term?: string; cols?: number; rows?: number}
  timeoutMs?: number
}
