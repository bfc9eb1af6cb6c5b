import {checkJournalEntry, STEPS, type JournalEntry, type Step} from './journal-entry.js'
import {Journal, lockDataDir} from './journal.js'
import type {PasswordAcks} from '../password-server.js'
import {mergePasswordMarks, type PasswordMark} from './password-mark.js'
import type {ProgressSink} from './sink.js'

/**
 * Provisioning progress per VM, keyed by instance id: when it first asked, when it fetched its
 * meta-data, user-data and vendor-data, and when it finished (cloud-init's phone_home, or a
 * `modules-final` finish event from its webhook reporter). Steps are recorded once (the first
 * time); webhook events update `lastStep`. State survives a restart through a Journal in `dataDir`,
 * or, in store mode, through a ProgressSink (etcd) given as `sink`.
 */
export type {Step}
/** How a step is shown as `lastStep`. */
const STEP_LABELS: Record<Step, string> = {
  firstRequest: 'first-request',
  metaData: 'meta-data',
  userData: 'user-data',
  vendorData: 'vendor-data',
  done: 'done',
}

/** `waiting`: never asked · `booting`: asked, not finished · `done` · `failed` (cloud-init reported FAIL). */
export type ProgressState = 'waiting' | 'booting' | 'done' | 'failed'
export const STATES: readonly ProgressState[] = ['waiting', 'booting', 'done', 'failed']

/** One event as cloud-init's webhook reporter POSTs it (cloudinit/reporting/events.py as_dict()). */
export interface WebhookEvent {
  name: string
  description?: string
  /** `start` or `finish` (anything else is kept as sent). */
  event_type: string
  origin?: string
  timestamp?: number
  /** `SUCCESS`, `WARN` or `FAIL` (anything else is kept as sent). */
  result?: string
}

export interface ProgressRecord {
  id: string
  /** Epoch ms of each step, once reached. */
  steps: Partial<Record<Step, number>>
  failedAt?: number
  lastStep: string
  lastStepAt: number
  /** Requests answered to this VM (this server process only). */
  requests: number
  /** Webhook events received (this server process only). */
  events: number
  /** Store mode: the CloudStack password acknowledgement as this writer last set it (file mode journals it apart). */
  password?: PasswordMark
}

/** What the admin API shows for one VM (joined with the inventory). */
export interface InstanceProgress {
  id: string
  ip: string
  hostname: string
  state: ProgressState
  lastStep: string | null
  /** ISO-8601. */
  lastStepAt: string | null
  firstRequestAt: string | null
  steps: Partial<Record<Step, string>>
  /** First request → done (or → now while booting), ms; null when it never asked. */
  durationMs: number | null
  requests: number
  events: number
}

export interface UnknownRequester {
  ip: string
  requests: number
  firstSeen: string
  lastSeen: string
}

export interface ProgressTrackerOptions {
  /** Directory of the journal; without it progress lives in memory only. */
  dataDir?: string
  clock?: () => number
  /** Distinct unknown addresses remembered (beyond: counted under `other`). Default 10,000. */
  maxUnknown?: number
  /** Forget the progress kept in `dataDir` (a new rollout). */
  reset?: boolean
  /** Keep progress in this sink (store mode) instead of a journal; `dataDir` is then not used. */
  sink?: ProgressSink
  /** Told how the journal's writes go (an error: EMFILE, ENOSPC, EIO…; undefined once one works again). */
  onJournal?: (err: Error | undefined) => void
}

const USER_DATA = /\/(?:user-data|user_data)$/
const META_DATA = /(?:\/meta-data\/?|\/meta_data\.json)$/
const VENDOR_DATA = /(?:\/vendor-data|\/vendor_data2?\.json)$/

/** Which step a (normalised) path marks, given the answer's status. */
export function stepForPath(path: string, status: number): Step | undefined {
  if (USER_DATA.test(path)) return status === 200 || status === 404 ? 'userData' : undefined
  if (status !== 200) return undefined
  if (META_DATA.test(path)) return 'metaData'
  if (VENDOR_DATA.test(path)) return 'vendorData'
  return undefined
}

/** The state a record (or no record: never asked) stands for. */
function recordState(r: ProgressRecord | undefined): ProgressState {
  if (r === undefined) return 'waiting'
  if (r.steps.done !== undefined) return 'done'
  if (r.failedAt !== undefined) return 'failed'
  return 'booting'
}

/** One VM of the inventory with its progress record, as the admin API shows it (durations up to `now` while booting). */
export function instanceProgress(
  i: {id: string; ip: string; hostname: string},
  r: ProgressRecord | undefined,
  now: number,
): InstanceProgress {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString())
  const steps: Partial<Record<Step, string>> = {}
  if (r) for (const s of STEPS) if (r.steps[s] !== undefined) steps[s] = new Date(r.steps[s]).toISOString()
  const first = r?.steps.firstRequest
  const end = r?.steps.done ?? r?.failedAt ?? now
  return {
    id: i.id,
    ip: i.ip,
    hostname: i.hostname,
    state: recordState(r),
    lastStep: r?.lastStep ?? null,
    lastStepAt: iso(r?.lastStepAt),
    firstRequestAt: iso(first),
    steps,
    durationMs: first === undefined ? null : Math.max(0, end - first),
    requests: r?.requests ?? 0,
    events: r?.events ?? 0,
  }
}

export class ProgressTracker {
  private readonly records = new Map<string, ProgressRecord>()
  private readonly unknown = new Map<string, {requests: number; first: number; last: number}>()
  /**
   * Instance ids whose VM told the CloudStack password server it saved its password (kept in the journal; in store
   * mode: what this process knows of every replica's marks, from its own records and its last lookups).
   */
  private readonly passwordSaved = new Set<string>()
  private readonly journal: Journal<JournalEntry> | undefined
  private readonly sink: ProgressSink | undefined
  private readonly onJournal: ((err: Error | undefined) => void) | undefined
  private readonly unlock: (() => void) | undefined
  private readonly clock: () => number
  private readonly maxUnknown: number
  /** Callbacks refused because they came from another address than the VM's own. */
  forged = 0
  /** What was restored on open; the journal lines refused (garbage, torn tail, malformed) and where they were moved. */
  readonly recovered: {records: number; skippedLines: number; rejectedLines: number[]; rejectedFile?: string}

  constructor(opts: ProgressTrackerOptions = {}) {
    this.clock = opts.clock ?? Date.now
    this.maxUnknown = opts.maxUnknown ?? 10_000
    this.sink = opts.sink
    this.onJournal = opts.onJournal
    if (opts.sink !== undefined) {
      for (const rec of opts.sink.restored ?? []) {
        this.records.set(rec.id, structuredClone(rec))
        if (rec.password?.state === 'saved') this.passwordSaved.add(rec.id)
      }
      this.recovered = {records: this.records.size, skippedLines: 0, rejectedLines: []}
    } else if (opts.dataDir !== undefined) {
      this.unlock = lockDataDir(opts.dataDir)
      this.journal = new Journal<JournalEntry>({dir: opts.dataDir, ...(opts.onJournal ? {onWrite: opts.onJournal} : {})})
      if (!opts.reset) for (const e of this.journal.read(checkJournalEntry)) this.apply(e)
      this.journal.compact(this.snapshotEntries())
      const rejectedLines = this.journal.rejected.map((r) => r.line)
      this.recovered = {
        records: this.records.size,
        skippedLines: rejectedLines.length,
        rejectedLines,
        ...(rejectedLines.length > 0 ? {rejectedFile: this.journal.rejectedPath} : {}),
      }
    } else this.recovered = {records: 0, skippedLines: 0, rejectedLines: []}
    this.passwords = this.passwordAcks()
  }

  private snapshotEntries(): JournalEntry[] {
    const t = this.clock()
    const saved = [...this.passwordSaved].map((id): JournalEntry => ({t, id, password: 'saved'}))
    return [...[...this.records.values()].map((rec) => ({rec})), ...saved]
  }

  private apply(e: JournalEntry): void {
    if ('rec' in e) {
      this.records.set(e.rec.id, {...e.rec, requests: 0, events: 0})
      return
    }
    if ('password' in e) {
      if (e.password === 'saved') this.passwordSaved.add(e.id)
      else this.passwordSaved.delete(e.id)
      return
    }
    const r = this.record(e.id, e.t)
    if ('step' in e) this.setStep(r, e.step, e.t)
    else this.setEvent(r, e.event, e.type, e.result, e.t)
  }

  private record(id: string, now: number): ProgressRecord {
    let r = this.records.get(id)
    if (r === undefined) {
      r = {id, steps: {}, lastStep: STEP_LABELS.firstRequest, lastStepAt: now, requests: 0, events: 0}
      this.records.set(id, r)
    }
    return r
  }

  private setStep(r: ProgressRecord, step: Step, t: number): boolean {
    if (r.steps[step] !== undefined) return false
    r.steps[step] = t
    if (step !== 'firstRequest' && r.steps.firstRequest === undefined) r.steps.firstRequest = t
    if (t >= r.lastStepAt || step === 'done') {
      r.lastStep = STEP_LABELS[step]
      r.lastStepAt = t
    }
    return true
  }

  private setEvent(r: ProgressRecord, name: string, type: string, result: string | undefined, t: number): void {
    r.steps.firstRequest ??= t
    r.lastStep = `${name} ${type}${result && result !== 'SUCCESS' ? ` ${result}` : ''}`
    r.lastStepAt = t
    if (name === 'modules-final' && type === 'finish') {
      if (result === 'FAIL') r.failedAt = t
      else r.steps.done ??= t
    }
  }

  private write(r: ProgressRecord, entry: JournalEntry): void {
    if (this.sink) {
      this.sink.append(r)
      return
    }
    if (!this.journal) return
    this.journal.append(entry)
    if (this.journal.appended > Math.max(10_000, this.records.size * 8)) {
      // called from a request's observer: a failed compaction (out of fds, disk full) must not throw into it;
      // the journal keeps every line (the rename is the last step) and compaction is tried again later
      try {
        this.journal.compact(this.snapshotEntries())
      } catch (err) {
        this.onJournal?.(err as Error)
      }
    }
  }

  /** A request from a known VM was answered with `status`. Cheap: called for every request. */
  observe(id: string, path: string, status: number): void {
    let r = this.records.get(id)
    const now = this.clock()
    if (r === undefined) {
      r = this.record(id, now)
      this.setStep(r, 'firstRequest', now)
      this.write(r, {t: now, id, step: 'firstRequest'})
    }
    r.requests++
    const step = stepForPath(path, status)
    if (step !== undefined && this.setStep(r, step, now)) this.write(r, {t: now, id, step})
  }

  /** A request from an address that is in no record. */
  observeUnknown(ip: string): void {
    const now = this.clock()
    let u = this.unknown.get(ip)
    if (u === undefined) {
      const key = this.unknown.size < this.maxUnknown ? ip : 'other'
      u = this.unknown.get(key)
      if (u === undefined) {
        u = {requests: 0, first: now, last: now}
        this.unknown.set(key, u)
      }
    }
    u.requests++
    u.last = now
  }

  /** cloud-init's phone_home reached us (from the VM's own address). */
  phoneHome(id: string): void {
    const now = this.clock()
    const r = this.record(id, now)
    if (this.setStep(r, 'done', now)) this.write(r, {t: now, id, step: 'done'})
    r.lastStep = 'phone-home'
    r.lastStepAt = now
  }

  /** A webhook reporting event (from the VM's own address). */
  report(id: string, e: WebhookEvent): void {
    const now = this.clock()
    const r = this.record(id, now)
    r.events++
    this.setEvent(r, e.name, e.event_type, e.result, now)
    this.write(r, {t: now, id, event: e.name, type: e.event_type, ...(e.result === undefined ? {} : {result: e.result})})
  }

  /** Store mode: set this writer's password mark on the VM's record and hand the record to the sink. */
  private markPassword(sink: ProgressSink, id: string, state: PasswordMark['state']): void {
    const now = this.clock()
    const r = this.record(id, now)
    r.password = {state, at: now}
    sink.append(r)
  }

  /**
   * The CloudStack password acknowledgements, kept with the progress: in the journal, or (store mode) as a mark on
   * this replica's record of the VM in etcd, so a restart does not hand a saved password out again. `save`
   * resolves once durable (as a callback's 200). In store mode `lookup` reads every replica's marks through
   * (an acknowledgement taken by another replica counts); `saved` is what this process knows.
   */
  readonly passwords: PasswordAcks

  private passwordAcks(): PasswordAcks {
    const sink = this.sink
    const others = sink?.passwordMarks?.bind(sink)
    return {
      saved: (id: string): boolean => this.passwordSaved.has(id),
      save: (id: string): Promise<void> => {
        if (sink) {
          this.passwordSaved.add(id)
          if (this.records.get(id)?.password?.state !== 'saved') this.markPassword(sink, id, 'saved')
          return sink.commit()
        }
        if (!this.passwordSaved.has(id)) {
          this.passwordSaved.add(id)
          this.journal?.append({t: this.clock(), id, password: 'saved'})
        }
        return this.journal ? this.journal.sync() : Promise.resolve()
      },
      rearm: (id: string): boolean => {
        if (!this.passwordSaved.delete(id)) return false
        if (sink) this.markPassword(sink, id, 'rearmed')
        else this.journal?.append({t: this.clock(), id, password: 'rearmed'})
        return true
      },
      list: (): string[] => [...this.passwordSaved],
      ...(others ? {lookup: (id: string) => this.lookupPassword(id, others)} : {}),
    }
  }

  /** Store mode: is the password of `id` acknowledged on any replica (this one's mark merged with the others', read now)? */
  private async lookupPassword(id: string, others: (id: string) => Promise<PasswordMark[]>): Promise<boolean> {
    const saved = mergePasswordMarks([...(await others(id)), this.records.get(id)?.password])?.state === 'saved'
    if (saved) this.passwordSaved.add(id)
    else this.passwordSaved.delete(id)
    return saved
  }

  get(id: string): ProgressRecord | undefined {
    return this.records.get(id)
  }

  stateOf(id: string): ProgressState {
    return recordState(this.records.get(id))
  }

  /** Every VM of the inventory with its progress, in inventory order. */
  list(instances: ReadonlyArray<{id: string; ip: string; hostname: string}>): InstanceProgress[] {
    const now = this.clock()
    return instances.map((i) => instanceProgress(i, this.records.get(i.id), now))
  }

  unknownRequesters(): UnknownRequester[] {
    return [...this.unknown.entries()]
      .map(([ip, u]) => ({ip, requests: u.requests, firstSeen: new Date(u.first).toISOString(), lastSeen: new Date(u.last).toISOString()}))
      .sort((a, b) => b.requests - a.requests || a.ip.localeCompare(b.ip))
  }

  /** fdatasyncs of the journal so far (group commits); undefined without a journal (memory, or a sink). */
  get journalSyncs(): number | undefined {
    return this.journal?.syncs
  }

  flush(): void {
    this.journal?.flush()
  }

  /**
   * Resolves when everything recorded so far is durable: written to the journal and fdatasync'd (one
   * fdatasync shared by every commit of the same event-loop turn and every one made while it runs: group commit), or committed by the sink (store
   * mode). What a callback's 200 acknowledges is committed first. Without a data dir: at once.
   */
  commit(): Promise<void> {
    if (this.sink) return this.sink.commit()
    return this.journal ? this.journal.sync() : Promise.resolve()
  }

  /** Close the journal and release the data dir (a sink is closed by whoever opened it). */
  close(): void {
    this.journal?.close()
    this.unlock?.()
  }
}
