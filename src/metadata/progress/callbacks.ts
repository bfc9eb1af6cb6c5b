import type {IncomingMessage} from 'node:http'
import type {Requester} from '../identity.js'
import type {WebhookEvent} from './tracker.js'

/**
 * The VM → server callbacks: cloud-init's `phone_home` (POST /phone-home/$INSTANCE_ID, form-encoded)
 * and its webhook reporter (POST /report, one JSON event per request). A callback counts only from
 * the VM's own address (the requester the resolver found, i.e. the source address or a trusted
 * proxy's X-Forwarded-For): from anywhere else it is a 403 and is counted as forged.
 */
export const PHONE_HOME_PREFIX = '/phone-home/'
export const REPORT_PATH = '/report'
const MAX_CALLBACK_BODY = 64 * 1024

/** The longest a VM-sent text is kept (in characters), per field of a webhook event. */
const VM_TEXT_LIMITS = {name: 200, event_type: 20, result: 20} as const

/**
 * ESC sequences (CSI `ESC [ … final`, OSC/DCS/APC/PM/SOS `ESC ] … BEL|ESC \\`, two-byte `ESC x`), their
 * 8-bit C1 forms (CSI 0x9b, OSC 0x9d, …), then any other C0, DEL or C1 character.
 */
const ESCAPE_SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[\s\S]?/g
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g

/**
 * Text a VM sent, made data: ESC sequences and control characters (C0, DEL, C1) removed, then cut to
 * `max` characters (whole code points). Applied where the text enters, before it is stored or shown.
 */
export function vmText(s: string, max: number): string {
  const clean = s.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '')
  const chars = Array.from(clean)
  return chars.length <= max ? clean : chars.slice(0, max).join('')
}

export type CallbackKind = 'phone-home' | 'report'

export interface CallbackResult {
  status: number
  kind: CallbackKind
  /** Why it was refused (logged; never echoes the body). */
  reason?: string
  instance?: string
}

export interface CallbackCounters {
  /** kind → result (accepted | forged | invalid) → count. */
  callbacks: Record<string, number>
}

/** What a callback records: the ProgressTracker, or a cluster worker's relay to the primary's tracker. */
export interface CallbackProgress {
  /** Callbacks refused because they came from another address than the VM's own. */
  forged: number
  phoneHome(id: string): void
  report(id: string, e: WebhookEvent): void
}

/** A callback whose progress is not durable within this time is answered 503 (cloud-init's phone_home tries again). */
const COMMIT_TIMEOUT_MS = 5000

/** How committing a callback's progress ended: `ok`, or why its 200 became a 503. */
export type CommitOutcome = 'ok' | 'timeout' | 'error'

/** Wait for `commit()` (everything recorded so far durable), at most `timeoutMs`. Never rejects. */
export async function commitWithin(commit: () => Promise<void>, timeoutMs = COMMIT_TIMEOUT_MS): Promise<CommitOutcome> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<CommitOutcome>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  try {
    return await Promise.race([
      commit().then(
        (): CommitOutcome => 'ok',
        (): CommitOutcome => 'error',
      ),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A handled callback, answered only once its progress is durable: 200 stays 200 when the commit
 * succeeds, becomes 503 (with Retry-After) when it fails or takes longer than `timeoutMs`; other
 * answers are kept. `onFailure` counts the 503s.
 */
export async function durableCallback(
  r: CallbackResult,
  commit: () => Promise<void>,
  onFailure: (outcome: Exclude<CommitOutcome, 'ok'>) => void,
  timeoutMs = COMMIT_TIMEOUT_MS,
): Promise<CallbackResult> {
  const outcome = await commitWithin(commit, timeoutMs)
  if (outcome === 'ok' || r.status !== 200) return r
  onFailure(outcome)
  return {
    status: 503,
    kind: r.kind,
    reason: outcome === 'timeout' ? `progress not durable within ${timeoutMs} ms` : 'progress could not be written',
    ...(r.instance === undefined ? {} : {instance: r.instance}),
  }
}

/** Is this POST path one of ours? */
export function callbackKind(path: string): CallbackKind | undefined {
  if (path.startsWith(PHONE_HOME_PREFIX)) return 'phone-home'
  if (path === REPORT_PATH || path.startsWith(REPORT_PATH + '/')) return 'report'
  return undefined
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) over = true
      else chunks.push(c)
    })
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Handle one callback POST. Resolves with the status to answer; never throws for bad input. */
export async function handleCallback(
  req: IncomingMessage,
  who: Requester,
  path: string,
  progress: CallbackProgress,
  counters: CallbackCounters,
): Promise<CallbackResult> {
  const kind = callbackKind(path)
  if (kind === undefined) return {status: 404, kind: 'report', reason: 'no such callback'}
  const count = (result: string) => {
    const key = `${kind}|${result}`
    counters.callbacks[key] = (counters.callbacks[key] ?? 0) + 1
  }
  const rest = kind === 'phone-home' ? path.slice(PHONE_HOME_PREFIX.length) : path.slice(REPORT_PATH.length + 1)
  const claimed = rest.replace(/\/+$/, '')
  const body = await readBody(req, MAX_CALLBACK_BODY).catch(() => undefined)
  const forged = (reason: string): CallbackResult => {
    progress.forged++
    count('forged')
    return {status: 403, kind, reason}
  }
  if (who.instance === undefined) return forged(`${kind} from ${who.ip}, which is no VM of the inventory`)
  const id = who.instance.id
  if (claimed !== '' && claimed !== id) return forged(`${kind} for ${vmText(claimed, 64)} from ${who.ip}, the address of ${id}`)
  if (kind === 'phone-home' && claimed === '') {
    count('invalid')
    return {status: 404, kind, reason: 'phone-home without an instance id', instance: id}
  }
  if (body === undefined) {
    count('invalid')
    return {status: 413, kind, reason: `body over ${MAX_CALLBACK_BODY} bytes`, instance: id}
  }
  if (kind === 'phone-home') {
    const form = new URLSearchParams(body)
    const said = form.get('instance_id')
    if (said !== null && said !== 'N/A' && said !== id)
      return forged(`phone-home body says instance_id ${vmText(said, 64)}, from the address of ${id}`)
    progress.phoneHome(id)
    count('accepted')
    return {status: 200, kind, instance: id}
  }
  let event: WebhookEvent
  try {
    const v = JSON.parse(body) as Partial<WebhookEvent>
    if (typeof v !== 'object' || v === null || typeof v.name !== 'string' || typeof v.event_type !== 'string') throw new Error('shape')
    event = {
      name: vmText(v.name, VM_TEXT_LIMITS.name),
      event_type: vmText(v.event_type, VM_TEXT_LIMITS.event_type),
      ...(typeof v.result === 'string' ? {result: vmText(v.result, VM_TEXT_LIMITS.result)} : {}),
    }
  } catch {
    count('invalid')
    return {status: 400, kind, reason: 'not a cloud-init reporting event (JSON with name and event_type)', instance: id}
  }
  progress.report(id, event)
  count('accepted')
  return {status: 200, kind, instance: id}
}
