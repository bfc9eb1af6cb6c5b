import {AdminUnreachableError, ProvisioningTimeoutError} from '../../errors.js'
import type {InstanceProgress, UnknownRequester} from '../progress/tracker.js'
import type {InstancesDocument, UnknownDocument} from './server.js'

/** What `netops metadata status` shows (and prints with --json). */
export interface StatusView {
  admin: string
  generatedAt: string
  total: number
  /** VMs in state done. */
  provisioned: number
  summary: InstancesDocument['summary']
  /** VMs that asked (booting, done, failed), slowest first among the unfinished. */
  instances: InstanceProgress[]
  /** VMs of the inventory that never asked. */
  neverAsked: Array<Pick<InstanceProgress, 'id' | 'ip' | 'hostname'>>
  /** Addresses that asked and are in no record. */
  unknown: UnknownRequester[]
  forgedCallbacks: number
}

async function getJson<T>(base: string, path: string, timeoutMs: number): Promise<T> {
  const url = base.replace(/\/+$/, '') + path
  let res: Response
  try {
    res = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
  } catch (err) {
    const cause = (err as {cause?: {code?: string}}).cause
    throw new AdminUnreachableError(`cannot reach the metadata admin API at ${base}: ${cause?.code ?? (err as Error).message}`, {
      suggestions: [
        'is `netops metadata serve` running? it listens on --admin-listen (default 127.0.0.1:8808)',
        'give the right address with --admin http://HOST:PORT',
      ],
      cause: err,
    })
  }
  if (!res.ok) {
    throw new AdminUnreachableError(`${url} answered ${res.status}`, {
      suggestions: ['is --admin the admin listener of netops metadata serve (not its metadata port)?'],
    })
  }
  return (await res.json()) as T
}

/** Fetch progress and unknown requesters from a running server's admin API. */
export async function fetchStatus(admin: string, opts: {timeoutMs?: number} = {}): Promise<StatusView> {
  const timeoutMs = opts.timeoutMs ?? 5000
  const [inst, unk] = await Promise.all([
    getJson<InstancesDocument>(admin, '/v1/instances', timeoutMs),
    getJson<UnknownDocument>(admin, '/v1/unknown', timeoutMs),
  ])
  return {admin, ...statusParts(inst, unk)}
}

/**
 * The status page's parts from every VM of the inventory with its progress (InstancesDocument order):
 * the VMs that asked, slowest first among the unfinished, and those that never did. Pure.
 */
export function statusParts<I extends InstanceProgress>(
  inst: {generatedAt: string; total: number; summary: InstancesDocument['summary']; instances: I[]},
  unk: Pick<UnknownDocument, 'unknown' | 'forgedCallbacks'>,
): Omit<StatusView, 'admin' | 'instances'> & {instances: I[]} {
  const asked = inst.instances.filter((i) => i.state !== 'waiting')
  const order = {failed: 0, booting: 1, done: 2, waiting: 3} as const
  asked.sort((a, b) => order[a.state] - order[b.state] || (b.durationMs ?? 0) - (a.durationMs ?? 0) || a.id.localeCompare(b.id))
  return {
    generatedAt: inst.generatedAt,
    total: inst.total,
    provisioned: inst.summary.done,
    summary: inst.summary,
    instances: asked,
    neverAsked: inst.instances.filter((i) => i.state === 'waiting').map((i) => ({id: i.id, ip: i.ip, hostname: i.hostname})),
    unknown: unk.unknown,
    forgedCallbacks: unk.forgedCallbacks,
  }
}

/** A live replica as `status --store` lists it. */
interface FleetReplica {
  name: string
  hostname: string
  listen: string
  generation: number | null
  startedAt: string
}

/**
 * What `netops metadata status --store` shows: the admin-API view (without `admin`) over every replica's
 * progress in etcd, each VM with the replicas that served it, the live replicas and the generation.
 */
export interface FleetStatusView extends Omit<StatusView, 'admin' | 'instances'> {
  store: string
  prefix: string
  /** The inventory generation the VMs are listed from. */
  generation: number
  instances: Array<InstanceProgress & {replicas: string[]}>
  replicas: FleetReplica[]
}

/** Either view (admin API or store). */
export type AnyStatusView = StatusView | FleetStatusView

/** Is this the store's view? */
export function isFleetView(v: AnyStatusView): v is FleetStatusView {
  return 'store' in v
}

/** One line per VM whose state or last step changed between two views (for --watch on a non-TTY). */
export function statusChanges(prev: AnyStatusView | undefined, next: AnyStatusView): string[] {
  const key = (i: InstanceProgress & {replicas?: string[]}) => `${i.state}|${i.lastStep}|${i.replicas?.join(',') ?? ''}`
  const before = new Map((prev?.instances ?? []).map((i) => [i.id, key(i)]))
  const out: string[] = []
  for (const i of next.instances as Array<InstanceProgress & {replicas?: string[]}>) {
    if (before.get(i.id) !== key(i))
      out.push(
        `${i.lastStepAt ?? next.generatedAt} ${i.id} ${i.ip} ${i.state} ${i.lastStep ?? '-'} (${next.provisioned}/${next.total} provisioned)${i.replicas ? ` on ${i.replicas.join(',')}` : ''}`,
      )
  }
  const prevUnknown = new Set((prev?.unknown ?? []).map((u) => u.ip))
  for (const u of next.unknown)
    if (!prevUnknown.has(u.ip)) out.push(`${u.lastSeen} unknown requester ${u.ip} (${u.requests} request${u.requests === 1 ? '' : 's'})`)
  return out
}

/** Every VM is done or failed (and there is at least one). */
function allFinished(v: AnyStatusView): boolean {
  return v.total > 0 && v.provisioned + v.summary.failed === v.total
}

export interface WatchStatusOptions<V extends AnyStatusView> {
  first: V
  /** The next view, after waiting at most `waitMs` (the admin API: sleep then fetch; the store: its watch). */
  next: (waitMs: number) => Promise<V>
  draw: (v: V) => void
  timeoutMs: number
  intervalMs: number
}

/**
 * `status --watch`: draw views until every VM is done or failed; resolves with the last view, throws
 * ProvisioningTimeoutError (exit 8) when `timeoutMs` passes first. The caller makes failed VMs exit 10.
 */
export async function watchStatus<V extends AnyStatusView>(o: WatchStatusOptions<V>): Promise<V> {
  const deadline = Date.now() + o.timeoutMs
  let view = o.first
  o.draw(view)
  while (!allFinished(view) && Date.now() < deadline) {
    view = await o.next(Math.min(o.intervalMs, Math.max(0, deadline - Date.now())))
    o.draw(view)
  }
  if (!allFinished(view)) {
    throw new ProvisioningTimeoutError(`${view.provisioned}/${view.total} provisioned after ${Math.round(o.timeoutMs / 1000)} s`, {
      suggestions: [
        'VMs still booting or never asked are listed by: netops metadata status',
        'raise --timeout, or check the consoles of the VMs that never asked',
      ],
      details: {status: view},
    })
  }
  return view
}
