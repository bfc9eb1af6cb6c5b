/**
 * A private, real OpenSSH sshd on 127.0.0.1:<free port> for integration tests.
 *
 * Runs `sshd -D -e -f <tmp>/sshd_config` with its own host keys, a generated client key
 * (ed25519, no passphrase) in <tmp>/id_ed25519, and `AuthorizedKeysFile <tmp>/authorized_keys`.
 * Only public-key login is enabled; the login user is the current user (root here,
 * allowed via `PermitRootLogin prohibit-password`).
 *
 *   test('x', {skip: sshdSkip()}, ...)            // a reason off CI; throws under CI=true
 *   const sshd = await startSshd({forceCommand: 'echo hi'})
 *   try { ... SshTransport.connect({host: sshd.host, port: sshd.port, username: sshd.user,
 *         identityFile: sshd.identityFile, hostKeyPolicy: 'off', sshConfigFile: null}) ... }
 *   finally { await sshd.stop() }
 *
 * Options:
 * - forceCommand: `ForceCommand <cmd>` (the client's command is in $SSH_ORIGINAL_COMMAND).
 * - legacyOnly: offer ONLY diffie-hellman-group14-sha1,diffie-hellman-group1-sha1 / ssh-rsa /
 *   aes128-cbc,3des-cbc / hmac-sha1 (what classic IOS offers); the host key is RSA.
 * - extraConfig: more sshd_config lines (e.g. ['PasswordAuthentication yes']). sshd takes the FIRST
 *   value of a keyword, so these go BEFORE the defaults and win over them. (No `Match` blocks.)
 * - env: variables set in every session started by this sshd (`SetEnv K=V`), e.g.
 *   {OVS_RUNDIR: '/tmp/x'} so a remote `ovs-vsctl` finds a private ovsdb-server.
 * - netns: run sshd inside this (existing) network namespace: it listens on THAT namespace's
 *   127.0.0.1, unreachable from the host's (test/helpers/jump-lab.ts).
 * - cleanHome (with netns): the login user's home directory is an empty directory in sshd's own
 *   mount namespace (`ip netns exec` gives it a private one), so the shell sshd starts for each
 *   command sources none of this machine's rc files (a root ~/.bashrc running `pyenv init` costs
 *   seconds per command). The host's mounts are untouched.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

export interface SshdHandle {
  host: '127.0.0.1'
  port: number
  /** Login name (the current user). */
  user: string
  /** Private key (OpenSSH format, no passphrase) authorised for `user`. */
  identityFile: string
  /** The sshd's private host key file. */
  hostKeyFile: string
  /** The host public key line, `<type> <base64>` (what goes after the host in known_hosts). */
  hostPublicKey: string
  /** The temp dir holding config, keys, pid file and log; removed by stop(). */
  dir: string
  /** sshd's stderr so far (-e logs there); handy in assertion messages. */
  log(): string
  stop(): Promise<void>
}

export interface StartSshdOptions {
  forceCommand?: string
  legacyOnly?: boolean
  extraConfig?: string[]
  env?: Record<string, string>
  netns?: string
  cleanHome?: boolean
}

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd']

function findSshd(): string | undefined {
  return SSHD_CANDIDATES.find((p) => existsSync(p))
}

function findOnPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
  const out = r.stdout.trim()
  return r.status === 0 && out !== '' ? out : undefined
}

/** Why sshd-based tests cannot run here, or undefined when they can. */
export function sshdMissingReason(): string | undefined {
  if (findSshd() === undefined)
    return `OpenSSH sshd not found (looked in ${SSHD_CANDIDATES.join(', ')}); install openssh-server (scripts/install-test-deps.sh)`
  if (findOnPath('ssh-keygen') === undefined) return 'ssh-keygen not found on PATH; install openssh-client (scripts/install-test-deps.sh)'
  if (process.getuid?.() !== 0) return 'sshd tests need root (sshd privilege separation and /run/sshd)'
  return undefined
}

/**
 * true when a real sshd can be started. When it cannot: returns false (and the caller skips with
 * sshdSkip()'s reason), except under CI=true, where it throws so the run fails instead of skipping.
 */
export function requireSshd(): boolean {
  const reason = sshdMissingReason()
  if (reason === undefined) return true
  if (process.env['CI'] === 'true') throw new Error(`CI=true and sshd tests cannot run: ${reason}`)
  return false
}

/** For `test(name, {skip: sshdSkip()}, fn)`: false when sshd is usable, else the reason (throws under CI=true). */
export function sshdSkip(): string | false {
  return requireSshd() ? false : `skipped: ${sshdMissingReason() ?? 'sshd unavailable'}`
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function keygen(type: 'ed25519' | 'rsa', file: string): void {
  const args = ['-q', '-t', type, '-N', '', '-C', 'netops-test', '-f', file]
  if (type === 'rsa') args.push('-b', '2048')
  const r = spawnSync('ssh-keygen', args, {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${r.stderr}`)
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL')
      } catch {
        /* already gone */
      }
    }
  })
}

async function startOnce(
  opts: StartSshdOptions,
  port: number,
  dir: string,
): Promise<{child: ChildProcess; log: () => string} | 'port-in-use'> {
  const sshd = findSshd()
  if (sshd === undefined) throw new Error(sshdMissingReason())
  const hostKeyFile = join(dir, opts.legacyOnly === true ? 'ssh_host_rsa_key' : 'ssh_host_ed25519_key')
  const lines = [
    ...(opts.extraConfig ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKeyFile}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'UsePAM no',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'LogLevel VERBOSE',
    'MaxStartups 100',
    'MaxSessions 50',
    ...Object.entries(opts.env ?? {}).map(([k, v]) => {
      if (/["\n\r]/.test(k + v)) throw new Error(`startSshd env ${k}: double quotes and newlines are not supported`)
      return `SetEnv "${k}=${v}"`
    }),
    ...(opts.forceCommand === undefined ? [] : [`ForceCommand ${opts.forceCommand}`]),
  ]
  if (opts.legacyOnly === true) {
    lines.unshift(
      'KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1',
      'HostKeyAlgorithms ssh-rsa',
      'Ciphers aes128-cbc,3des-cbc',
      'MACs hmac-sha1',
    )
  }
  const configFile = join(dir, 'sshd_config')
  writeFileSync(configFile, lines.join('\n') + '\n')

  const argv = [sshd, '-D', '-e', '-f', configFile]
  if (opts.cleanHome === true) {
    if (opts.netns === undefined) throw new Error('startSshd: cleanHome needs netns (a private mount namespace)')
    const home = join(dir, 'home')
    mkdirSync(home, {recursive: true})
    // sh execs sshd after the bind mount: the child's pid stays sshd's
    argv.unshift('sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', home, userInfo().homedir)
  }
  // `ip netns exec` execs sshd in place: the child's pid is sshd's
  const [file, ...args] = opts.netns === undefined ? argv : ['ip', 'netns', 'exec', opts.netns, ...argv]
  const child = spawn(file as string, args, {stdio: ['ignore', 'ignore', 'pipe']})
  live.add(child)
  installExitHook()
  let log = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    log += d
  })
  const result = await new Promise<'ok' | 'port-in-use' | Error>((resolve) => {
    const timer = setTimeout(() => resolve(new Error(`sshd did not start listening within 10s; log:\n${log}`)), 10_000)
    const check = (): void => {
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer)
        resolve('ok')
      }
    }
    child.stderr?.on('data', check)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      live.delete(child)
      if (/Address already in use/i.test(log)) resolve('port-in-use')
      else resolve(new Error(`sshd exited (code ${String(code)}, signal ${String(signal)}) before listening; log:\n${log}`))
    })
  })
  if (result === 'ok') return {child, log: () => log}
  if (child.exitCode === null) child.kill('SIGKILL')
  if (result === 'port-in-use') return 'port-in-use'
  throw result
}

/** Start a private sshd. Always `await handle.stop()` (in a finally or an `after` hook). */
export async function startSshd(opts: StartSshdOptions = {}): Promise<SshdHandle> {
  const reason = sshdMissingReason()
  if (reason !== undefined) throw new Error(`cannot start sshd: ${reason}`)
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755}) // privilege separation dir
  const dir = mkdtempSync(join(tmpdir(), 'netops-sshd-'))
  try {
    const hostKeyFile = join(dir, opts.legacyOnly === true ? 'ssh_host_rsa_key' : 'ssh_host_ed25519_key')
    keygen(opts.legacyOnly === true ? 'rsa' : 'ed25519', hostKeyFile)
    const identityFile = join(dir, 'id_ed25519')
    keygen('ed25519', identityFile)
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`, 'utf8'), {mode: 0o600})
    const pub = readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/)
    const hostPublicKey = `${pub[0] ?? ''} ${pub[1] ?? ''}`

    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort()
      const started = await startOnce(opts, port, dir)
      if (started === 'port-in-use') continue
      const {child, log} = started
      let stopped: Promise<void> | undefined
      return {
        host: '127.0.0.1',
        port,
        user: userInfo().username,
        identityFile,
        hostKeyFile,
        hostPublicKey,
        dir,
        log,
        stop: () => {
          stopped ??= new Promise<void>((resolve) => {
            const done = (): void => {
              live.delete(child)
              rmSync(dir, {recursive: true, force: true})
              resolve()
            }
            if (child.exitCode !== null || child.signalCode !== null) return done()
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
            child.once('exit', () => {
              clearTimeout(kill)
              done()
            })
            child.kill('SIGTERM')
          })
          return stopped
        },
      }
    }
    throw new Error('could not find a free port for sshd after 5 attempts')
  } catch (err) {
    rmSync(dir, {recursive: true, force: true})
    throw err
  }
}
