/**
 * A private, real 3-member etcd cluster (Debian's etcd-server 3.4, /usr/bin/etcd) on free 127.0.0.1
 * ports, its data in a temp dir. Nothing touches a system-wide etcd.
 *
 *   describe('x', {skip: etcdSkip()}, () => { ... })   // a reason off CI; throws under CI=true
 *   const etcd = await startEtcdCluster()              // resolves when every member reports healthy
 *   after(() => etcd.stop())                           // kills every member, removes the dir
 *   etcd.url                                           // etcd://127.0.0.1:A,127.0.0.1:B,127.0.0.1:C
 *   await etcd.kill(1)                                 // SIGKILL member 1; etcd.restart(1) brings it back
 *
 *   const etcd = await startEtcdCluster({members: 1, tls: true})   // TLS on the client port, client certificates required
 *   etcd.tls                                          // the throwaway CA, server and client files (openssl, in etcd.dir)
 *   await etcd.enableAuth({rootPassword, users: [{name, password, readwrite: ['/p/']}]})
 *
 * Members are children of the test process (not detached) and are also SIGKILLed from a process
 * 'exit' hook, so a test run that dies does not leave etcd behind.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {randomBytes} from 'node:crypto'

export const ETCD_BINARY = '/usr/bin/etcd'
export const OPENSSL_BINARY = '/usr/bin/openssl'

/** Why a private etcd cannot run here, or undefined. */
export function etcdMissingReason(o: {tls?: boolean} = {}): string | undefined {
  if (!existsSync(ETCD_BINARY))
    return `etcd is not installed (missing ${ETCD_BINARY}); run scripts/install-test-deps.sh (apt package etcd-server)`
  if (o.tls && !existsSync(OPENSSL_BINARY)) return `openssl is not installed (missing ${OPENSSL_BINARY}; apt package openssl)`
  return undefined
}

/**
 * For `test(name, {skip: etcdSkip()}, fn)`: false when usable, else the reason. Throws under CI=true.
 * `tls`: the cluster will be started with `tls: true` (openssl makes its certificates).
 */
export function etcdSkip(o: {tls?: boolean} = {}): string | false {
  const reason = etcdMissingReason(o)
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the etcd tests cannot run: ${reason}`)
  return `skipped: ${reason}`
}

export interface EtcdClusterOptions {
  /** How many members (default 3). */
  members?: number
  /**
   * TLS on the client port with client certificates required (--client-cert-auth), from a throwaway CA made with
   * openssl in the cluster's dir. Peer traffic stays plain (loopback).
   */
  tls?: boolean
  /** etcd --auth-token-ttl: seconds an idle simple token lives once authentication is on (etcd's default 300). */
  authTokenTtl?: number
}

/** PEM files (paths) of a TLS cluster. */
export interface EtcdTlsFiles {
  /** The CA that signed the server and client certificates (what --store-ca takes). */
  ca: string
  serverCert: string
  serverKey: string
  /** A client certificate (CN netops-test-client, not an etcd user name) and its key. */
  clientCert: string
  clientKey: string
  /** Another CA, which signed nothing the cluster presents or trusts (a wrong --store-ca). */
  otherCa: string
  /** A client certificate signed by otherCa (one the cluster refuses) and its key. */
  otherClientCert: string
  otherClientKey: string
}

export interface EtcdAuthUser {
  name: string
  password: string
  /** Key prefixes the user may read and write (a role `<name>-rw` holds them); none: no permission at all. */
  readwrite?: string[]
}

export interface EtcdMember {
  name: string
  clientPort: number
  peerPort: number
  /** host:port of the client listener */
  endpoint: string
  process: ChildProcess | undefined
  /** Plain-http listener of /health and /metrics, when the client port speaks TLS. */
  metricsPort?: number
}

export interface EtcdCluster {
  dir: string
  members: EtcdMember[]
  /** `etcd://h:p,h:p,h:p`, what --store takes. */
  url: string
  /** The certificate files, when started with `tls: true`. */
  tls?: EtcdTlsFiles
  /**
   * Turn authentication on through the etcd3 client: user root (role root) with `rootPassword`, then `users`.
   * There is no turning it off: use a cluster of its own, or do it after the tests that run without.
   */
  enableAuth(o: {rootPassword: string; users?: EtcdAuthUser[]}): Promise<void>
  /** The last lines a member wrote (for assertion messages). */
  log(index: number): string
  /** SIGKILL one member (no clean shutdown). */
  kill(index: number): Promise<void>
  /** SIGTERM one member and wait for it to exit. */
  stopMember(index: number): Promise<void>
  /** Start a stopped member again on the same ports and data; resolves when it is healthy. */
  restart(index: number): Promise<void>
  /** Start every stopped member again (a cluster without quorum needs them together); resolves when all are healthy. */
  restartAll(): Promise<void>
  /** Wait until `index` (default: every running member) answers /health with true. */
  waitHealthy(index?: number, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
let hooked = false
function installExitHook(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL')
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as {port: number}).port
      s.close(() => resolve(port))
    })
  })
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${endpoint}/health`, {signal: AbortSignal.timeout(1000)})
    const body = (await res.json()) as {health?: string}
    return body.health === 'true'
  } catch {
    return false
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL_BINARY, args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
}

/** A self-signed CA `<name>.crt` / `<name>.key` in `dir` (P-256, valid 2 days). */
function makeCa(dir: string, name: string): void {
  openssl(dir, [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`],
  ])
}

/** `<name>.crt` / `<name>.key` signed by `ca`, with these X.509v3 extension lines. */
function makeCert(dir: string, ca: string, name: string, cn: string, extensions: string[]): void {
  writeFileSync(join(dir, `${name}.ext`), extensions.join('\n') + '\n')
  openssl(dir, [
    ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`],
  ])
  openssl(dir, [
    ...[
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
    ],
    ...['-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`],
  ])
}

/** A throwaway PKI in `dir`: a CA, a server certificate for 127.0.0.1, a client certificate, and an unrelated CA. */
function makeTestPki(dir: string): EtcdTlsFiles {
  makeCa(dir, 'ca')
  makeCa(dir, 'other-ca')
  // etcd's gRPC gateway dials its own client port with the server certificate: clientAuth too
  makeCert(dir, 'ca', 'server', '127.0.0.1', ['subjectAltName=IP:127.0.0.1', 'extendedKeyUsage=serverAuth,clientAuth'])
  makeCert(dir, 'ca', 'client', 'netops-test-client', ['extendedKeyUsage=clientAuth'])
  makeCert(dir, 'other-ca', 'other-client', 'netops-test-client', ['extendedKeyUsage=clientAuth'])
  const p = (f: string) => join(dir, f)
  return {
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCa: p('other-ca.crt'),
    otherClientCert: p('other-client.crt'),
    otherClientKey: p('other-client.key'),
  }
}

export async function startEtcdCluster(options: number | EtcdClusterOptions = 3): Promise<EtcdCluster> {
  const o = typeof options === 'number' ? {members: options} : options
  const size = o.members ?? 3
  const reason = etcdMissingReason(o)
  if (reason !== undefined) throw new Error(reason)
  installExitHook()
  const dir = mkdtempSync(join(tmpdir(), 'netops-etcd-'))
  const tls = o.tls ? makeTestPki(dir) : undefined
  const scheme = tls ? 'https' : 'http'
  const members: EtcdMember[] = []
  for (let i = 0; i < size; i++) {
    const clientPort = await freePort()
    const peerPort = await freePort()
    const metricsPort = tls ? await freePort() : undefined
    members.push({
      name: `m${i}`,
      clientPort,
      peerPort,
      endpoint: `127.0.0.1:${clientPort}`,
      process: undefined,
      ...(metricsPort === undefined ? {} : {metricsPort}),
    })
  }
  /** Where /health answers in plain http. */
  const healthEndpoint = (m: EtcdMember) => (m.metricsPort === undefined ? m.endpoint : `127.0.0.1:${m.metricsPort}`)
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',')
  const token = `netops-test-${randomBytes(4).toString('hex')}`
  const logs = members.map(() => [] as string[])

  const launch = (i: number): void => {
    const m = members[i]!
    const child = spawn(
      ETCD_BINARY,
      [
        `--name=${m.name}`,
        `--data-dir=${join(dir, m.name)}`,
        `--listen-client-urls=${scheme}://127.0.0.1:${m.clientPort}`,
        `--advertise-client-urls=${scheme}://127.0.0.1:${m.clientPort}`,
        ...(tls
          ? [
              `--cert-file=${tls.serverCert}`,
              `--key-file=${tls.serverKey}`,
              `--trusted-ca-file=${tls.ca}`,
              '--client-cert-auth',
              `--listen-metrics-urls=http://127.0.0.1:${m.metricsPort!}`,
            ]
          : []),
        `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-state=new`,
        `--initial-cluster-token=${token}`,
        // fast elections: a killed leader is replaced within about a second
        '--heartbeat-interval=50',
        '--election-timeout=500',
        ...(o.authTokenTtl === undefined ? [] : [`--auth-token-ttl=${o.authTokenTtl}`]),
        '--logger=zap',
        '--log-level=warn',
      ],
      {stdio: ['ignore', 'ignore', 'pipe'], detached: false},
    )
    m.process = child
    live.add(child)
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = logs[i]!
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      if (lines.length > 50) lines.splice(0, lines.length - 50)
    })
    child.once('exit', () => {
      live.delete(child)
      if (m.process === child) m.process = undefined
    })
  }

  const waitHealthy = async (index?: number, timeoutMs = 30_000): Promise<void> => {
    const which = index === undefined ? members.filter((m) => m.process) : [members[index]!]
    const deadline = Date.now() + timeoutMs
    for (const m of which) {
      while (!(await healthy(healthEndpoint(m)))) {
        if (!m.process) throw new Error(`etcd member ${m.name} exited:\n${logs[members.indexOf(m)]!.join('\n')}`)
        if (Date.now() > deadline)
          throw new Error(`etcd member ${m.name} not healthy after ${timeoutMs} ms:\n${logs[members.indexOf(m)]!.join('\n')}`)
        await sleep(100)
      }
    }
  }

  const stopProcess = async (i: number, signal: NodeJS.Signals): Promise<void> => {
    const p = members[i]!.process
    if (!p || p.exitCode !== null) return
    const exited = new Promise<void>((r) => p.once('exit', () => r()))
    p.kill(signal)
    // SIGKILL after 10 s; the timer is cleared once it exited, else it would keep the test process alive 10 s longer
    const killer = setTimeout(() => p.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }

  for (let i = 0; i < size; i++) launch(i)
  try {
    await waitHealthy()
  } catch (err) {
    for (let i = 0; i < size; i++) await stopProcess(i, 'SIGKILL')
    rmSync(dir, {recursive: true, force: true})
    throw err
  }

  return {
    dir,
    members,
    url: `etcd://${members.map((m) => m.endpoint).join(',')}`,
    ...(tls ? {tls} : {}),
    enableAuth: (a) => enableAuth(members, tls, a),
    log: (i) => logs[i]!.join('\n'),
    kill: (i) => stopProcess(i, 'SIGKILL'),
    stopMember: (i) => stopProcess(i, 'SIGTERM'),
    restart: async (i) => {
      if (!members[i]!.process) launch(i)
      await waitHealthy(i)
    },
    restartAll: async () => {
      for (let i = 0; i < size; i++) if (!members[i]!.process) launch(i)
      await waitHealthy()
    },
    waitHealthy,
    stop: async () => {
      for (let i = 0; i < size; i++) await stopProcess(i, 'SIGKILL')
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Users, roles and `authEnable` through the etcd3 client (no etcdctl). */
async function enableAuth(
  members: EtcdMember[],
  tls: EtcdTlsFiles | undefined,
  o: {rootPassword: string; users?: EtcdAuthUser[]},
): Promise<void> {
  const {Etcd3} = await import('etcd3')
  const client = new Etcd3({
    hosts: members.map((m) => `${tls ? 'https' : 'http'}://${m.endpoint}`),
    ...(tls
      ? {
          credentials: {
            rootCertificate: readFileSync(tls.ca),
            certChain: readFileSync(tls.clientCert),
            privateKey: readFileSync(tls.clientKey),
          },
        }
      : {}),
  })
  try {
    const root = await client.user('root').create(o.rootPassword)
    await client.role('root').create()
    await root.addRole('root')
    for (const u of o.users ?? []) {
      const user = await client.user(u.name).create(u.password)
      if (!u.readwrite?.length) continue
      const role = await client.role(`${u.name}-rw`).create()
      for (const prefix of u.readwrite) await role.grant({permission: 'Readwrite', range: client.range({prefix})})
      await user.addRole(role)
    }
    await client.auth.authEnable()
  } finally {
    client.close()
  }
}
