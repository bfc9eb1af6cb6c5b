/**
 * A fleet of metadata replicas for the e2e test and the bench: N `node bin/run.js metadata serve`
 * processes, a "virtual IP" in front of them, and a boot storm of VMs crawling through it.
 *
 *   const fleet = await startFleet(2, (i) => ['--store', etcd.url, '--replica-name', `r${i}`])
 *   const vip = await startVirtualIp(fleet, (source) => vmIndexOf(source) % 2)
 *   const results = await storm(vms, (vm) => crawl({flavor, server: vip.address, source: vm.ip, phoneHome: true}), {
 *     concurrency: 12, atHalf: () => fleet.kill(0),
 *   })
 *   await vip.close(); await fleet.stop()
 *
 * The virtual IP is a TCP front on 127.0.0.1 that sends each connection to the replica the VM is
 * homed on (VM i → replica i % N) from the VM's own address (the replica identifies VMs by source
 * address, as behind the host's DNAT), and, as a VRRP address moving to a live node would, to the
 * next replica when the home one refuses the connection or resets it before answering (the bytes
 * the VM sent are replayed there). A VM's crawl and its phone-home go through it alike.
 * `routedRequest` is the same routing for a node client (the bench's 1,000-VM storm).
 */
import {request} from 'node:http'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {userDataText, type CrawlResult} from './cloud-init.js'
import {runCli, startServe, type ServeProcess} from './metadata-serve.js'

/** Every replica: loopback listeners, no password server, phone_home in the vendor-data, JSON startup document. */
export const REPLICA_BASE_ARGS = [
  '--listen',
  '127.0.0.1:0',
  '--admin-listen',
  '127.0.0.1:0',
  '--cloudstack-password-port',
  'off',
  '--phone-home',
]

export interface Replica {
  index: number
  serve: ServeProcess
  /** Metadata port on 127.0.0.1. */
  port: number
  /** Admin API base URL. */
  admin: string
  /** False once it was killed or stopped. */
  alive: boolean
}

export interface Fleet {
  replicas: Replica[]
  /** SIGKILL replica i (no clean shutdown) and wait until it is gone. */
  kill(i: number): Promise<void>
  /** SIGTERM every live replica; resolves with their exit codes. One still running 15 s later is SIGKILLed and reported (rejects). */
  stop(): Promise<Array<number | null>>
}

/** Start n replicas (`REPLICA_BASE_ARGS` + `args(i)`), all at once; every one is stopped again if one fails. */
export async function startFleet(n: number, args: (i: number) => string[], env: Record<string, string> = {}): Promise<Fleet> {
  const replicas: Replica[] = []
  const stop = async () => {
    const hung: string[] = []
    const codes = await Promise.all(
      replicas.map(async (r) => {
        if (!r.alive) return null
        r.alive = false
        const timer = setTimeout(() => {
          hung.push(
            `replica ${r.index} (pid ${r.serve.child.pid}) did not exit within 15 s of SIGTERM; stderr:\n${r.serve.stderr().slice(-2000)}`,
          )
          r.serve.child.kill('SIGKILL')
        }, 15_000)
        try {
          return await r.serve.stop()
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    if (hung.length) throw new Error(hung.join('\n'))
    return codes
  }
  const started = await Promise.allSettled(Array.from({length: n}, (_, i) => startServe([...REPLICA_BASE_ARGS, ...args(i)], env)))
  let failure: Error | undefined
  started.forEach((s, i) => {
    if (s.status === 'rejected') {
      failure ??= s.reason as Error // startServe rejects with an Error
      return
    }
    if (!s.value.admin) failure ??= new Error(`replica ${i} has no admin listener`)
    replicas.push({index: i, serve: s.value, port: s.value.port, admin: s.value.admin ?? '', alive: true})
  })
  if (failure !== undefined) {
    await stop().catch(() => undefined)
    throw failure
  }
  return {
    replicas,
    stop,
    kill: async (i) => {
      const r = replicas[i]!
      if (!r.alive) return
      r.alive = false
      const gone = new Promise<void>((resolve) =>
        r.serve.child.exitCode !== null ? resolve() : r.serve.child.once('exit', () => resolve()),
      )
      r.serve.child.kill('SIGKILL')
      await gone
    },
  }
}

/** The order in which a VM homed on `home` tries the replicas: home first, then the next ones round the ring. */
export function routeOrder(home: number, replicas: number): number[] {
  return Array.from({length: replicas}, (_, k) => (home + k) % replicas)
}

/** What the virtual IP saw for one VM address. */
export interface RouteStats {
  /** Connections answered by each replica (index → count). */
  servedBy: Map<number, number>
  /** Connections that went to another replica than the home one (refused or reset there). */
  rerouted: number
  /** When its first and its latest connection came (Date.now()). */
  firstAt: number
  lastAt: number
}

export interface VirtualIp {
  /** host:port to give the VMs (what 169.254.169.254:80 is DNAT'ed to). */
  address: string
  /** Per VM address. */
  stats: Map<string, RouteStats>
  /** Connections no replica took (every one refused or reset). */
  failed: number
  close(): Promise<void>
}

/** Errors that mean "this replica is not there": try the next one. */
const GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/**
 * The TCP front. `home(source)` is the replica index a VM's address is homed on. A connection that
 * every replica refuses (or resets before answering) is retried for up to `failoverMs` (a VIP moving
 * takes a moment too), then reset.
 */
export async function startVirtualIp(fleet: Fleet, home: (source: string) => number, failoverMs = 5000): Promise<VirtualIp> {
  const stats = new Map<string, RouteStats>()
  const sockets = new Set<Socket>()
  const vip = {address: '', stats, failed: 0, close: async () => {}}
  const statsOf = (source: string): RouteStats => {
    let s = stats.get(source)
    if (!s) stats.set(source, (s = {servedBy: new Map(), rerouted: 0, firstAt: Date.now(), lastAt: 0}))
    return s
  }

  const onConnection = (client: Socket): void => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    const source = client.remoteAddress ?? '127.0.0.1'
    statsOf(source).lastAt = Date.now()
    const sent: Buffer[] = []
    let clientEnded = false
    let upstream: Socket | undefined
    let connected = false
    const started = Date.now()
    const order = routeOrder(home(source), fleet.replicas.length)
    let attempt = 0

    client.on('data', (d: Buffer) => {
      sent.push(d)
      if (connected) upstream?.write(d)
    })
    client.on('end', () => {
      clientEnded = true
      if (connected) upstream?.end()
    })
    client.on('error', () => upstream?.destroy())
    client.on('close', () => upstream?.destroy())

    const next = (): void => {
      if (client.destroyed) return
      if (attempt > 0 && attempt % order.length === 0 && Date.now() - started > failoverMs) {
        vip.failed++
        client.resetAndDestroy()
        return
      }
      const index = order[attempt % order.length]!
      const pause = attempt > 0 && attempt % order.length === 0 ? 100 : 0
      attempt++
      setTimeout(() => tryReplica(index), pause)
    }

    const tryReplica = (index: number): void => {
      if (client.destroyed) return
      const up = connect({host: '127.0.0.1', port: fleet.replicas[index]!.port, localAddress: source})
      upstream = up
      connected = false
      let answered = false
      up.setNoDelay(true)
      up.on('connect', () => {
        connected = true
        for (const b of sent) up.write(b)
        if (clientEnded) up.end()
      })
      up.on('data', (d: Buffer) => {
        if (!answered) {
          answered = true
          const s = statsOf(source)
          s.servedBy.set(index, (s.servedBy.get(index) ?? 0) + 1)
          if (index !== order[0]) s.rerouted++
        }
        client.write(d)
      })
      up.on('end', () => {
        if (answered) client.end()
      })
      up.on('error', (err: NodeJS.ErrnoException) => {
        if (answered || !GONE.has(err.code ?? '')) client.destroy()
      })
      up.on('close', () => {
        if (upstream !== up) return
        connected = false
        // closed before a byte of an answer to bytes the VM sent: this replica is gone, try the next one
        if (!answered && (sent.length > 0 || !clientEnded)) next()
        else if (!answered) client.end()
      })
    }
    next()
  }

  const server: Server = createServer({allowHalfOpen: true, noDelay: true}, onConnection)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', 1024, () => resolve())
  })
  vip.address = `127.0.0.1:${(server.address() as {port: number}).port}`
  vip.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return vip
}

/**
 * Run `crawlOne` for every VM, at most `concurrency` at a time; `atHalf` runs once half of the VMs
 * have finished, while the crawls in flight go on (with `pauseAtHalf`, no new crawl starts until it
 * resolved). Resolves with the results in VM order.
 */
export async function storm<V, R>(
  vms: readonly V[],
  crawlOne: (vm: V, index: number) => Promise<R>,
  opts: {concurrency?: number; atHalf?: () => Promise<unknown>; pauseAtHalf?: boolean} = {},
): Promise<R[]> {
  const results = new Array<R>(vms.length)
  let nextIndex = 0
  let finished = 0
  let half: Promise<unknown> | undefined
  const worker = async (): Promise<void> => {
    while (nextIndex < vms.length) {
      if (opts.pauseAtHalf && half) await half
      if (nextIndex >= vms.length) break
      const i = nextIndex++
      results[i] = await crawlOne(vms[i]!, i)
      finished++
      if (opts.atHalf && !half && finished >= vms.length / 2) half = opts.atHalf()
    }
  }
  await Promise.all(Array.from({length: Math.min(opts.concurrency ?? vms.length, vms.length)}, worker))
  await half
  return results
}

// ---------------------------------------------------------------------------------------------
// The VMs.

export interface FleetVm {
  index: number
  id: string
  ip: string
  mac: string
}

/** n VMs `<prefix>-000`…, each with its own address 127.<net>.x.y and MAC. */
export function fleetVms(n: number, prefix: string, net: number): FleetVm[] {
  return Array.from({length: n}, (_, i) => ({
    index: i,
    id: `${prefix}-${String(i).padStart(3, '0')}`,
    ip: `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    mac: `52:54:00:${net.toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
  }))
}

/** The VM's hostname in a generation: every generation renames every VM, so any document tells which one it came from. */
export const hostnameIn = (vm: FleetVm, generation: string) => `${vm.id}-${generation}`

/**
 * An inventory object of these VMs, marked with `generation` in every VM's hostname, user-data and
 * meta_data (so a crawl that mixes two generations shows it).
 */
export function fleetInventory(vms: readonly FleetVm[], generation: string): Record<string, unknown> {
  return {
    profiles: {
      node: {
        user_data: `#cloud-config\n# generation ${generation}\nhostname: {{ hostname }}\nruncmd:\n  - [sh, -c, "echo {{ hostname }} up"]\n`,
        meta_data: {role: 'fleet', generation},
      },
    },
    instances: vms.map((vm) => ({
      id: vm.id,
      hostname: hostnameIn(vm, generation),
      ip: vm.ip,
      mac: vm.mac,
      profile: 'node',
      interfaces: [{name: 'eth0', mac: vm.mac, dhcp: true}],
    })),
  }
}

/** Every generation marker a crawl received (hostname suffix, user-data comment, meta_data): one element when consistent. */
export function generationsSeen(r: CrawlResult): string[] {
  const seen = new Set<string>()
  const host = /-(g\d+)$/.exec(r.localHostname ?? '')
  if (host) seen.add(host[1]!)
  for (const m of (userDataText(r) ?? '').matchAll(/^# generation (g\d+)$/gm)) seen.add(m[1]!)
  for (const m of JSON.stringify(r.metadata ?? {}).matchAll(/"generation":"(g\d+)"/g)) seen.add(m[1]!)
  return [...seen].sort()
}

// ---------------------------------------------------------------------------------------------
// The store side, through the built CLI and the admin API.

/** `netops metadata inventory push --json`; throws unless it published. Resolves with the new generation number. */
export async function pushInventoryCli(store: string, prefix: string, file: string): Promise<number> {
  const r = await runCli(['metadata', 'inventory', 'push', '--store', store, '--store-prefix', prefix, '--inventory', file, '--json'])
  if (r.status !== 0) throw new Error(`inventory push exited ${r.status}: ${r.stderr}${r.stdout}`)
  const doc = JSON.parse(r.stdout) as {published: boolean; to: number | null}
  if (!doc.published || doc.to === null) throw new Error(`inventory push published nothing: ${r.stdout}`)
  return doc.to
}

/** One VM's record in `metadata status --store --json`. */
export interface FleetStatusInstance {
  id: string
  ip: string
  state: 'waiting' | 'booting' | 'done' | 'failed'
  steps: Record<string, string | undefined>
  replicas: string[]
}

/** `metadata status --store --json` (the contract's shape: the admin StatusView plus replicas and generation). */
export interface FleetStatus {
  total: number
  provisioned: number
  summary: Record<'waiting' | 'booting' | 'done' | 'failed', number>
  instances: FleetStatusInstance[]
  neverAsked: Array<{id: string}>
  replicas: Array<{name: string; generation: number | null}>
  generation: number | null
}

export async function fleetStatus(store: string, prefix: string): Promise<FleetStatus> {
  const r = await runCli(['metadata', 'status', '--store', store, '--store-prefix', prefix, '--json'])
  if (r.status !== 0) throw new Error(`metadata status --store exited ${r.status}: ${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout) as FleetStatus
}

/** A replica's /healthz in store mode. */
export interface ReplicaHealth {
  status: 'ok' | 'degraded'
  instances: number
  store?: {state: 'connected' | 'unreachable'; generation: number | null; degraded: string | null; replica: string}
}

export async function health(admin: string): Promise<ReplicaHealth> {
  const res = await fetch(`${admin}/healthz`, {signal: AbortSignal.timeout(5000)})
  if (res.status !== 200) throw new Error(`${admin}/healthz answered ${res.status}`)
  return (await res.json()) as ReplicaHealth
}

/** Poll `probe` until it returns a value (not undefined) or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

// ---------------------------------------------------------------------------------------------
// A node client with the same routing, for storms too big for one python process per VM.

export interface RoutedReply {
  status: number
  body: string
  /** The replica that answered. */
  replica: number
  /** Replicas that refused or reset before it. */
  rerouted: number
}

/**
 * One request from `from` (a new connection, as cloud-init makes), to the VM's home replica or, when
 * that one refuses or resets before answering, the next one. Rejects when every replica failed.
 */
export async function routedRequest(
  ports: readonly number[],
  home: number,
  from: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RoutedReply> {
  const order = routeOrder(home, ports.length)
  let last: unknown
  for (let k = 0; k < order.length * 3; k++) {
    const replica = order[k % order.length]!
    if (k > 0 && k % order.length === 0) await new Promise((r) => setTimeout(r, 100))
    try {
      const r = await once(ports[replica]!, from, method, path, body, headers)
      return {...r, replica, rerouted: k}
    } catch (err) {
      last = err
      if (!GONE.has((err as NodeJS.ErrnoException).code ?? '')) throw err
    }
  }
  throw last instanceof Error ? last : new Error(String(last))
}

function once(
  port: number,
  from: string,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = {'user-agent': 'python-requests/2.28.1', accept: '*/*', ...headers}
    if (body !== undefined) h['content-length'] = Buffer.byteLength(body)
    const req = request({host: '127.0.0.1', port, path, method, agent: false, localAddress: from, headers: h}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        res.socket?.destroy() // cloud-init closes its requests.Session after each request
        resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')})
      })
      res.on('error', reject)
    })
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error(`timeout ${path}`), {code: 'ETIMEDOUT'})))
    req.on('error', reject) // a server that closed before answering is ECONNRESET ("socket hang up")
    req.end(body)
  })
}
