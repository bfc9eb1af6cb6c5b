import {AdminUnreachableError} from '../../errors.js'
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
  const asked = inst.instances.filter((i) => i.state !== 'waiting')
  const order = {failed: 0, booting: 1, done: 2, waiting: 3} as const
  asked.sort((a, b) => order[a.state] - order[b.state] || (b.durationMs ?? 0) - (a.durationMs ?? 0) || a.id.localeCompare(b.id))
  return {
    admin,
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

/** One line per VM whose state or last step changed between two views (for --watch on a non-TTY). */
export function statusChanges(prev: StatusView | undefined, next: StatusView): string[] {
  const before = new Map((prev?.instances ?? []).map((i) => [i.id, `${i.state}|${i.lastStep}`]))
  const out: string[] = []
  for (const i of next.instances) {
    if (before.get(i.id) !== `${i.state}|${i.lastStep}`)
      out.push(
        `${i.lastStepAt ?? next.generatedAt} ${i.id} ${i.ip} ${i.state} ${i.lastStep ?? '-'} (${next.provisioned}/${next.total} provisioned)`,
      )
  }
  const prevUnknown = new Set((prev?.unknown ?? []).map((u) => u.ip))
  for (const u of next.unknown)
    if (!prevUnknown.has(u.ip)) out.push(`${u.lastSeen} unknown requester ${u.ip} (${u.requests} request${u.requests === 1 ? '' : 's'})`)
  return out
}
