import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {ipFamily, normalizeIp} from '../ip.js'
import type {CallbackCounters} from '../progress/callbacks.js'
import type {StoreHealth} from '../store/follower.js'
import {STATES, type InstanceProgress, type ProgressTracker, type UnknownRequester} from '../progress/tracker.js'
import type {Instance} from '../types.js'
import type {ConnectionCounts} from '../limits.js'
import type {Metrics} from './metrics.js'

/**
 * The admin listener: provisioning progress as JSON, /healthz and Prometheus /metrics. It is a
 * separate listener (default 127.0.0.1:8808) so the VMs, which reach only the metadata port,
 * never see it. GET only; no secrets are ever in any answer (ids, addresses, hostnames, times).
 */
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:8808'

export interface AdminSource {
  /** The inventory being served now. */
  instances(): readonly Instance[]
  progress: ProgressTracker
  metrics: Metrics
  callbacks: CallbackCounters
  /** Inventory source (path or `<inline>`). */
  source: string
  /** VMs whose documents are rendered (they are rendered in the background after a start or reload). */
  warm?: () => {rendered: number; total: number}
  /** Store mode (a replica): the store part of /healthz. */
  store?: () => StoreHealth
  /** What is degraded (accept: EMFILE…): /healthz says `degraded` and lists it. */
  degraded?: () => string[]
  /** The metadata listener's open and refused connections (/metrics). */
  connections?: () => ConnectionCounts
}

export interface InstancesDocument {
  generatedAt: string
  total: number
  /** VMs per state: waiting (never asked), booting, done, failed. */
  summary: Record<'waiting' | 'booting' | 'done' | 'failed', number>
  instances: InstanceProgress[]
}

export interface UnknownDocument {
  generatedAt: string
  unknown: UnknownRequester[]
  forgedCallbacks: number
}

interface HealthDocument {
  /**
   * `degraded`: still serving (HTTP 200), but something failed: a replica serves its last snapshot, or a
   * part of the host ran out (`degraded` lists those).
   */
  status: 'ok' | 'degraded'
  /** What is degraded now, e.g. `accept: EMFILE since 2026-12-04T16:30:00.000Z`; present only when something is. */
  degraded?: string[]
  instances: number
  uptimeSeconds: number
  inventory: string
  reloads: {ok: number; failed: number; lastOkAt: string | null}
  /** VMs whose documents are rendered; the rest are rendered on their first request. */
  documents: {rendered: number; total: number} | null
  /** Store mode only. */
  store?: StoreHealth
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true
  const ip = normalizeIp(host.replace(/^\[|\]$/g, ''))
  if (ipFamily(ip) === 4) return ip.startsWith('127.')
  return ip === '::1'
}

function instancesDocument(src: AdminSource): InstancesDocument {
  const instances = src.progress.list(src.instances())
  const summary = {waiting: 0, booting: 0, done: 0, failed: 0}
  for (const i of instances) summary[i.state]++
  return {generatedAt: new Date().toISOString(), total: instances.length, summary, instances}
}

export function createAdminServer(src: AdminSource): Server {
  const json = (res: ServerResponse, status: number, value: unknown) => {
    const body = Buffer.from(JSON.stringify(value) + '\n')
    res.writeHead(status, {'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store'})
    res.end(body)
  }
  return createServer(
    {headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000},
    (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0]!
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, {allow: 'GET, HEAD', 'content-length': 0})
        res.end()
        return
      }
      if (path === '/healthz') {
        const store = src.store?.()
        const degraded = src.degraded?.() ?? []
        const doc: HealthDocument = {
          status: store?.degraded || degraded.length > 0 ? 'degraded' : 'ok',
          ...(degraded.length > 0 ? {degraded} : {}),
          instances: src.instances().length,
          uptimeSeconds: Math.round((Date.now() - src.metrics.startedAt) / 1000),
          inventory: src.source,
          reloads: {
            ok: src.metrics.reloadsOk,
            failed: src.metrics.reloadsFailed,
            lastOkAt: src.metrics.lastReloadOk === undefined ? null : new Date(src.metrics.lastReloadOk).toISOString(),
          },
          documents: src.warm ? src.warm() : null,
          ...(store ? {store} : {}),
        }
        json(res, 200, doc)
      } else if (path === '/v1/instances') {
        json(res, 200, instancesDocument(src))
      } else if (path === '/v1/unknown') {
        const doc: UnknownDocument = {
          generatedAt: new Date().toISOString(),
          unknown: src.progress.unknownRequesters(),
          forgedCallbacks: src.progress.forged,
        }
        json(res, 200, doc)
      } else if (path === '/metrics') {
        const vmsByState: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]))
        const instances = src.instances()
        for (const i of instances) vmsByState[src.progress.stateOf(i.id)]!++
        const unknown = src.progress.unknownRequesters()
        const text = src.metrics.render({
          vmsByState,
          instances: instances.length,
          unknownRequesters: unknown.length,
          unknownRequests: unknown.reduce((a, u) => a + u.requests, 0),
          callbacks: src.callbacks.callbacks,
          forgedCallbacks: src.progress.forged,
          ...(src.connections ? {connections: src.connections()} : {}),
          ...(src.progress.journalSyncs === undefined ? {} : {journalSyncs: src.progress.journalSyncs}),
        })
        const body = Buffer.from(text)
        res.writeHead(200, {
          'content-type': 'text/plain; version=0.0.4; charset=utf-8',
          'content-length': body.length,
          'cache-control': 'no-store',
        })
        res.end(body)
      } else json(res, 404, {error: 'not found', paths: ['/healthz', '/v1/instances', '/v1/unknown', '/metrics']})
    },
  )
}
