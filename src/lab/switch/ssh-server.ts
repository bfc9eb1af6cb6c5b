/**
 * The SSH front-end of the lab switch: an ssh2 Server that authenticates with the configured
 * credentials (password, keyboard-interactive, optionally public keys) and runs one SimulatedCli
 * per interactive shell. An `exec` request runs a single command and closes, as Cisco IOS does.
 */
import {createHash, getCiphers, timingSafeEqual} from 'node:crypto'
import type {AddressInfo} from 'node:net'
import ssh2 from 'ssh2'
import type {AuthContext, Connection, ParsedKey, ServerChannel, ServerConfig, Session} from 'ssh2'
import {SimulatedCli, type LabFaults} from './cli.js'
import type {Device} from './device.js'
import {firstParsedKey, type HostKey} from './host-key.js'

/**
 * What the lab offers in legacy mode: what Cisco IOS `SSH-2.0-Cisco-1.25` offers (the list the
 * client adds with --legacy-ssh, src/ssh/algorithms.ts) minus diffie-hellman-group-exchange-sha1.
 * ssh2's Server does not implement group exchange (lib/protocol/kex.js: "Group exchange not
 * implemented for server"), so offering it would make every client that prefers it (OpenSSH with
 * +diffie-hellman-group-exchange-sha1, Paramiko) fail a handshake that a real switch completes.
 */
const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', '3des-cbc', 'aes192-cbc', 'aes256-cbc'],
  hmac: ['hmac-sha1'],
  compress: ['none'],
} as const

const OPENSSL_NAME: Record<string, string> = {
  'aes128-cbc': 'aes-128-cbc',
  '3des-cbc': 'des-ede3-cbc',
  'aes192-cbc': 'aes-192-cbc',
  'aes256-cbc': 'aes-256-cbc',
}

const CISCO_IDENT = 'Cisco-1.25'

export interface SshFrontOptions {
  device: Device
  hostKey: HostKey
  host: string
  port: number
  username: string
  password: string
  enablePassword: string
  legacySsh: boolean
  faults: LabFaults
  authorizedKeys: string[]
  saveDelayMs?: number
  banner?: boolean
}

export interface SshFront {
  host: string
  port: number
  close(): Promise<void>
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

export async function startSshFront(o: SshFrontOptions): Promise<SshFront> {
  const authorized = parseAuthorizedKeys(o.authorizedKeys)
  const clients = new Set<Connection>()
  const server = new ssh2.Server(serverConfig(o), (client, info) => {
    clients.add(client)
    // A CLI answers in many small writes; without TCP_NODELAY each waits on the client's delayed ACK.
    ;(client as unknown as {setNoDelay(on: boolean): void}).setNoDelay(true)
    client.on('error', () => {
      // a client that goes away mid-handshake is not our problem
    })
    client.on('close', () => clients.delete(client))
    client.on('authentication', (ctx) => authenticate(ctx, o, authorized))
    client.on('ready', () => client.on('session', (acceptSession) => serveSession(acceptSession(), client, o, info.ip)))
  })
  return listen(server, o, clients)
}

/** The keys of `--authorized-keys`; a line that is not a public key fails the start. */
function parseAuthorizedKeys(lines: string[]): ParsedKey[] {
  return lines.map((line) => {
    const key = firstParsedKey(line)
    if (!key || key instanceof Error)
      throw new Error(`cannot parse authorized key: ${key instanceof Error ? key.message : line.slice(0, 20)}`)
    return key
  })
}

/** Host key and identification string (Cisco's unless an NX-OS switch), and classic IOS's algorithms with --legacy-ssh. */
function serverConfig(o: SshFrontOptions): ServerConfig {
  const config: ServerConfig = {
    hostKeys: [o.hostKey.privateKey],
    ident: o.device.platform === 'ios' || o.legacySsh ? CISCO_IDENT : 'OpenSSH_8.3 PKIX[12.5.1]',
  }
  if (o.legacySsh) {
    config.algorithms = {
      kex: [...LEGACY_ALGORITHMS.kex],
      serverHostKey: [...LEGACY_ALGORITHMS.serverHostKey],
      cipher: LEGACY_ALGORITHMS.cipher.filter((c) => getCiphers().includes(OPENSSL_NAME[c] ?? c)),
      hmac: [...LEGACY_ALGORITHMS.hmac],
      compress: [...LEGACY_ALGORITHMS.compress],
    }
  }
  return config
}

/** One authentication attempt: the configured user with its password (plain or keyboard-interactive) or an authorized key. */
function authenticate(ctx: AuthContext, o: SshFrontOptions, authorized: ParsedKey[]): void {
  const methods: Array<AuthContext['method']> = authorized.length
    ? ['publickey', 'password', 'keyboard-interactive']
    : ['password', 'keyboard-interactive']
  if (ctx.username !== o.username) {
    ctx.reject(methods)
    return
  }
  switch (ctx.method) {
    case 'password':
      if (sameSecret(ctx.password, o.password)) ctx.accept()
      else ctx.reject(methods)
      return
    case 'keyboard-interactive':
      ctx.prompt([{prompt: 'Password: ', echo: false}], (answers) => {
        if (answers.length === 1 && sameSecret(answers[0] ?? '', o.password)) ctx.accept()
        else ctx.reject(methods)
      })
      return
    case 'publickey': {
      const key = authorized.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data))
      if (!key) {
        ctx.reject(methods)
        return
      }
      if (!ctx.signature || !ctx.blob) {
        ctx.accept() // the key is acceptable; the client will now sign
        return
      }
      if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept()
      else ctx.reject(methods)
      return
    }
    case 'hostbased':
    case 'none':
      ctx.reject(methods)
  }
}

/** An SSH session channel: pty / window-change / env accepted, then a shell or one exec'd command. */
function serveSession(session: Session, client: Connection, o: SshFrontOptions, remoteAddress: string): void {
  session.on('pty', (accept) => accept?.())
  session.on('window-change', (accept) => accept?.())
  session.on('env', (accept) => accept?.())
  session.on('shell', (accept) => runShell(accept(), client, o, remoteAddress))
  session.on('exec', (accept, _reject, req) => runExec(accept(), req.command, o, remoteAddress))
}

/** An interactive CLI on the channel; leaving it (exit, or the dropAfter fault) ends the whole connection, as on IOS. */
function runShell(stream: ServerChannel, client: Connection, o: SshFrontOptions, remoteAddress: string): void {
  const cli = new SimulatedCli({
    device: o.device,
    username: o.username,
    enablePassword: o.enablePassword,
    remoteAddress,
    faults: o.faults,
    ...(o.saveDelayMs === undefined ? {} : {saveDelayMs: o.saveDelayMs}),
    ...(o.banner === undefined ? {} : {banner: o.banner}),
    write: (d) => {
      if (stream.writable) stream.write(d)
    },
    close: () => {
      try {
        stream.exit(0)
        stream.end()
      } catch {
        // already gone
      }
      client.end()
    },
  })
  stream.on('data', (d: Buffer) => cli.feed(d))
  stream.on('close', () => cli.end())
  stream.on('error', () => cli.end())
  cli.start()
}

/** `ssh switch 'show version'`: one command in privileged mode, its output only (no echo, no prompt), then close. */
function runExec(stream: ServerChannel, command: string, o: SshFrontOptions, remoteAddress: string): void {
  let out = ''
  const cli = new SimulatedCli({
    device: o.device,
    username: o.username,
    enablePassword: o.enablePassword,
    remoteAddress,
    faults: {},
    banner: false,
    write: (d) => {
      out += d
    },
    close: () => {},
  })
  cli.termLength = 0
  cli.mode = 'exec'
  cli.start()
  const promptText = cli.prompt()
  out = ''
  cli.feed(command.replace(/[\r\n]+$/, '') + '\r')
  void cli.whenIdle().then(() => {
    const text = execOutput(out, [cli.prompt(), promptText])
    try {
      stream.write(text)
      stream.exit(0)
      stream.end()
    } catch {
      // gone
    }
  })
}

/** What the CLI wrote for one command, without the echoed command line and the final prompt. */
export function execOutput(written: string, prompts: string[]): string {
  let text = written
  const firstBreak = text.indexOf('\r\n')
  if (firstBreak >= 0) text = text.slice(firstBreak + 2)
  const prompt = prompts.find((p) => text.endsWith(p))
  return prompt === undefined ? text : text.slice(0, -prompt.length)
}

/** Listen on host:port; close() ends every client connection, then the server. */
function listen(server: ssh2.Server, o: SshFrontOptions, clients: Set<Connection>): Promise<SshFront> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => {
      server.off('error', reject)
      const addr = server.address() as AddressInfo
      resolve({
        host: o.host,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const c of clients) {
              try {
                c.end()
              } catch {
                // ignore
              }
            }
            server.close(() => done())
          }),
      })
    })
  })
}
