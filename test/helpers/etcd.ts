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
 * Members are children of the test process (not detached) and are also SIGKILLed from a process
 * 'exit' hook, so a test run that dies does not leave etcd behind.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {randomBytes} from 'node:crypto'

export const ETCD_BINARY = '/usr/bin/etcd'

/** Why a private etcd cannot run here, or undefined. */
export function etcdMissingReason(): string | undefined {
  if (!existsSync(ETCD_BINARY))
    return `etcd is not installed (missing ${ETCD_BINARY}); run scripts/install-test-deps.sh (apt package etcd-server)`
  return undefined
}

/** For `test(name, {skip: etcdSkip()}, fn)`: false when usable, else the reason. Throws under CI=true. */
export function etcdSkip(): string | false {
  const reason = etcdMissingReason()
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the etcd tests cannot run: ${reason}`)
  return `skipped: ${reason}`
}

export interface EtcdMember {
  name: string
  clientPort: number
  peerPort: number
  /** host:port of the client listener */
  endpoint: string
  process: ChildProcess | undefined
}

export interface EtcdCluster {
  dir: string
  members: EtcdMember[]
  /** `etcd://h:p,h:p,h:p`, what --store takes. */
  url: string
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

export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const reason = etcdMissingReason()
  if (reason !== undefined) throw new Error(reason)
  installExitHook()
  const dir = mkdtempSync(join(tmpdir(), 'netops-etcd-'))
  const members: EtcdMember[] = []
  for (let i = 0; i < size; i++) {
    const clientPort = await freePort()
    const peerPort = await freePort()
    members.push({name: `m${i}`, clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, process: undefined})
  }
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
        `--listen-client-urls=http://127.0.0.1:${m.clientPort}`,
        `--advertise-client-urls=http://127.0.0.1:${m.clientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-state=new`,
        `--initial-cluster-token=${token}`,
        // fast elections: a killed leader is replaced within about a second
        '--heartbeat-interval=50',
        '--election-timeout=500',
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
      while (!(await healthy(m.endpoint))) {
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
    await Promise.race([exited, sleep(10_000).then(() => p.kill('SIGKILL'))])
    await exited
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
