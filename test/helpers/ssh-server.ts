/**
 * In-process ssh2 Server on 127.0.0.1:<free port> for auth, host-key and error-path tests.
 *
 *   const srv = await startSshServer({users: [{username: 'admin', password: 's3cret'}]})
 *   try { await SshTransport.connect({host: srv.host, port: srv.port, username: 'admin', password: 's3cret',
 *         hostKeyPolicy: 'off', sshConfigFile: null}) } finally { await srv.stop() }
 *
 * - users: who may log in and how (password, keyboard-interactive answer, authorised public keys).
 * - hostKeyType / hostKey: the server's identity (default: a fresh ed25519 key per server).
 * - algorithms: ssh2 server algorithm lists, e.g. LEGACY_SERVER_ALGORITHMS (only what classic IOS offers).
 * - onExec: answers `exec` requests; default echoes `ran: <command>` and any stdin.
 * - shell: a tiny line shell (`test> ` prompt, echoes `you said: <line>`, `exit` closes).
 * - neverAnswerAuth: accept the handshake but never answer auth requests (like a Cisco box that
 *   stalls on a wrong password), so the client can only time out.
 *
 * startSilentTcpServer(): a plain TCP server that accepts connections and never says anything.
 */
import {createServer, type Server as NetServer, type Socket} from 'node:net'
import {timingSafeEqual} from 'node:crypto'
import ssh2 from 'ssh2'
import type {AuthenticationType, Connection, ParsedKey, ServerChannel} from 'ssh2'
import {generateSshKeyPair} from '../../src/ssh/keys.js'

const {Server, utils} = ssh2

export type HostKeyType = 'ed25519' | 'rsa' | 'ecdsa'

export interface TestUser {
  username: string
  /** Accept this password (method `password`). */
  password?: string
  /** Accept this answer to a `Password: ` keyboard-interactive prompt. */
  keyboardInteractive?: string
  /** Authorised public keys, OpenSSH one-line format (`ssh-ed25519 AAAA... comment`). */
  publicKeys?: string[]
}

export interface ExecReply {
  stdout?: string
  stderr?: string
  /** Default 0. */
  exitCode?: number
  /** Send exit-signal instead of exit-status. */
  signal?: string
  /** Wait before answering. */
  delayMs?: number
  /** Never answer nor close the channel. */
  hang?: boolean
}

export interface StartSshServerOptions {
  users?: TestUser[]
  hostKeyType?: HostKeyType
  /** Private host key (OpenSSH or PEM); overrides hostKeyType. */
  hostKey?: string | Buffer
  algorithms?: ssh2.ServerConfig['algorithms']
  onExec?: (command: string, stdin: Buffer) => ExecReply | Promise<ExecReply>
  neverAnswerAuth?: boolean
  /** Also allow sessions to open `shell` (default true). */
  shell?: boolean
}

export interface AuthAttempt {
  username: string
  method: string
}

export interface TestSshServerHandle {
  host: '127.0.0.1'
  port: number
  /** `<type> <base64>` as it appears after the host in known_hosts. */
  hostPublicKey: string
  /** The private host key, so a second server can reuse the same identity. */
  hostKey: string | Buffer
  authAttempts: AuthAttempt[]
  /** Commands received by exec, in order. */
  execs: string[]
  /** pty requests received (term, cols, rows). */
  ptys: Array<{term: string; cols: number; rows: number}>
  /** Abruptly destroy every client TCP connection (simulates a dropped link). */
  dropAll(): void
  stop(): Promise<void>
}

/** Server algorithm lists with ONLY what classic IOS 12.2/15.0 offers. */
export const LEGACY_SERVER_ALGORITHMS: NonNullable<ssh2.ServerConfig['algorithms']> = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', 'aes256-cbc', '3des-cbc'],
  hmac: ['hmac-sha1'],
}

/** A fresh key pair in OpenSSH format. */
export function generateKeyPair(type: HostKeyType = 'ed25519', passphrase?: string): {private: string; public: string} {
  const opts: {bits?: number; passphrase?: string; cipher?: string; comment?: string} = {comment: 'netops-test'}
  if (type === 'rsa') opts.bits = 2048
  if (type === 'ecdsa') opts.bits = 256
  if (passphrase !== undefined) {
    opts.passphrase = passphrase
    opts.cipher = 'aes256-ctr'
  }
  return generateSshKeyPair(type, opts)
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

function parsePublic(line: string): ParsedKey {
  const k = utils.parseKey(line)
  if (k instanceof Error) throw k
  return Array.isArray(k) ? (k[0] as ParsedKey) : k
}

export async function startSshServer(opts: StartSshServerOptions = {}): Promise<TestSshServerHandle> {
  const hostKey = opts.hostKey ?? generateKeyPair(opts.hostKeyType ?? 'ed25519').private
  const parsedHost = utils.parseKey(hostKey)
  if (parsedHost instanceof Error) throw parsedHost
  const hostParsed = Array.isArray(parsedHost) ? (parsedHost[0] as ParsedKey) : parsedHost
  const hostPublicKey = `${hostParsed.type} ${hostParsed.getPublicSSH().toString('base64')}`

  const users = opts.users ?? []
  const authAttempts: AuthAttempt[] = []
  const execs: string[] = []
  const ptys: Array<{term: string; cols: number; rows: number}> = []
  const sockets = new Set<Socket>()
  const conns = new Set<Connection>()

  const serverConfig: ssh2.ServerConfig = {hostKeys: [hostKey]}
  if (opts.algorithms !== undefined) serverConfig.algorithms = opts.algorithms
  const server = new Server(serverConfig, (client: Connection) => {
    conns.add(client)
    client.on('error', () => {
      /* client went away; tests look at the client side */
    })
    client.on('close', () => conns.delete(client))
    client.on('authentication', (ctx) => {
      authAttempts.push({username: ctx.username, method: ctx.method})
      if (opts.neverAnswerAuth === true) return // stall forever
      const user = users.find((u) => u.username === ctx.username)
      const allowed: AuthenticationType[] = []
      if (user?.password !== undefined) allowed.push('password')
      if (user?.publicKeys !== undefined) allowed.push('publickey')
      if (user?.keyboardInteractive !== undefined) allowed.push('keyboard-interactive')
      if (allowed.length === 0) allowed.push('password', 'publickey', 'keyboard-interactive')
      switch (ctx.method) {
        case 'password':
          if (user?.password !== undefined && safeEqual(ctx.password, user.password)) return ctx.accept()
          return ctx.reject(allowed)
        case 'keyboard-interactive':
          if (user?.keyboardInteractive === undefined) return ctx.reject(allowed)
          return ctx.prompt([{prompt: 'Password: ', echo: false}], 'netops test', (answers) => {
            const expected = user.keyboardInteractive ?? ''
            if (answers[0] !== undefined && safeEqual(answers[0], expected)) ctx.accept()
            else ctx.reject(allowed)
          })
        case 'publickey': {
          const match = (user?.publicKeys ?? [])
            .map(parsePublic)
            .find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data))
          if (match === undefined) return ctx.reject(allowed)
          if (ctx.signature === undefined) return ctx.accept() // "would this key be accepted?" probe
          if (ctx.blob !== undefined && match.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept()
          return ctx.reject(allowed)
        }
        case 'hostbased':
        case 'none':
          return ctx.reject(allowed)
      }
    })
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession()
        session.on('pty', (accept, _reject, info) => {
          ptys.push({term: info.term, cols: info.cols, rows: info.rows})
          accept?.()
        })
        session.on('env', (accept) => accept?.())
        session.on('exec', (accept, _reject, info) => {
          const channel = accept()
          execs.push(info.command)
          const chunks: Buffer[] = []
          channel.on('data', (d: Buffer) => chunks.push(d))
          channel.on('end', () => {
            void answerExec(channel, info.command, Buffer.concat(chunks))
          })
        })
        if (opts.shell !== false) {
          session.on('shell', (accept) => {
            const channel = accept()
            runLineShell(channel)
          })
        }
      })
    })
  })

  async function answerExec(channel: ServerChannel, command: string, stdin: Buffer): Promise<void> {
    const reply = opts.onExec === undefined ? {stdout: `ran: ${command}\n${stdin.toString()}`} : await opts.onExec(command, stdin)
    if (reply.hang === true) return
    if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs))
    try {
      if (reply.stdout !== undefined) channel.write(reply.stdout)
      if (reply.stderr !== undefined) channel.stderr.write(reply.stderr)
      if (reply.signal !== undefined) channel.exit(reply.signal, false, '')
      else channel.exit(reply.exitCode ?? 0)
      channel.end()
    } catch {
      /* client gone */
    }
  }

  function runLineShell(channel: ServerChannel): void {
    channel.write('welcome to the netops test shell\r\ntest> ')
    let buf = ''
    channel.on('data', (d: Buffer) => {
      buf += d.toString()
      let idx: number
      while ((idx = buf.search(/\r|\n/)) !== -1) {
        const line = buf.slice(0, idx)
        buf = buf.slice(idx + 1).replace(/^\n/, '')
        if (line.trim() === 'exit') {
          channel.exit(0)
          channel.end()
          return
        }
        channel.write(`you said: ${line}\r\ntest> `)
      }
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // ssh2's Server wraps a net.Server; track raw sockets so dropAll()/stop() can be abrupt.
  const netServer = (server as unknown as {_srv: NetServer})._srv
  netServer.on('connection', (sock: Socket) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0

  let stopped: Promise<void> | undefined
  return {
    host: '127.0.0.1',
    port,
    hostPublicKey,
    hostKey,
    authAttempts,
    execs,
    ptys,
    dropAll: () => {
      for (const s of sockets) s.destroy()
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
      return stopped
    },
  }
}

export interface SilentTcpServerHandle {
  host: '127.0.0.1'
  port: number
  /** How many connections were accepted. */
  accepted(): number
  stop(): Promise<void>
}

/** A TCP server that accepts and never sends a byte: an SSH client can only time out. */
export async function startSilentTcpServer(): Promise<SilentTcpServerHandle> {
  const sockets = new Set<Socket>()
  let count = 0
  const srv = createServer((sock) => {
    count++
    sockets.add(sock)
    sock.on('error', () => {})
    sock.on('close', () => sockets.delete(sock))
  })
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => resolve())
  })
  const addr = srv.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  let stopped: Promise<void> | undefined
  return {
    host: '127.0.0.1',
    port,
    accepted: () => count,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        srv.close(() => resolve())
      })
      return stopped
    },
  }
}
