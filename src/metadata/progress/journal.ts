import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {UsageError} from '../../errors.js'
import {basename, dirname, join} from 'node:path'

/**
 * An append-only JSON-lines journal with compaction: the progress store of `metadata serve`.
 *
 * Why not SQLite: Node 20 has no node:sqlite, and better-sqlite3 is a native addon whose prebuilt
 * binary is fetched by an install script (npm 11 does not run install scripts unless approved), so a
 * plain `npm ci` on a fresh machine would not give a working store. The journal needs nothing.
 *
 * Layout: `<dir>/progress.jsonl`. Each line is one JSON value. On open the whole file is read and
 * every line checked (a torn last line from a crash, garbage, a malformed entry: moved to
 * `<dir>/progress.jsonl.rejected` with its line number and reason), then rewritten as a compact snapshot (write to
 * `.tmp`, fsync, rename, fsync of the directory: atomic and durable). Appends are buffered and written
 * at most every `flushMs` (and on `flush()` / `close()`), without fsync; `compact()` runs again when
 * the journal grows past a bound.
 *
 * Durability is asked for with `sync()` (group commit): it resolves once everything appended before
 * it is written and fdatasync'd. Every `sync()` of the same event-loop turn (or within `syncDelayMs`,
 * when set), or that arrives while an fdatasync is running, shares the next one: one fdatasync for a
 * burst of callbacks, never one each. The fdatasync runs off the event loop (libuv's pool).
 */
export interface JournalOptions {
  dir: string
  name?: string
  /** Buffered appends are written after this many ms. Default 50. */
  flushMs?: number
  /**
   * How long a `sync()` waits for others to share its fdatasync. Default 0: until the end of the event-loop
   * turn it was called in (every callback read in that turn shares it; those arriving while it runs share the next).
   */
  syncDelayMs?: number
  /** The fdatasync to use (tests). Default node:fs fdatasync. */
  datasync?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void
  /** Told how each background write (timer flush, group fdatasync) went: an error, or undefined once one works. */
  onWrite?: (err: Error | undefined) => void
}

/** A journal line refused on load. */
export interface RejectedLine {
  line: number
  reason: string
  text: string
}

interface Waiters {
  promise: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

function waiters(): Waiters {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return {promise, resolve, reject}
}

/** fsync a directory, so that a rename in it survives a crash of the host. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export class Journal<T> {
  readonly path: string
  private fd: number | undefined
  private buffer: string[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly flushMs: number
  private readonly syncDelayMs: number
  private readonly datasync: NonNullable<JournalOptions['datasync']>
  private readonly onWrite: NonNullable<JournalOptions['onWrite']>
  /** The callers of `sync()` that wait for the next fdatasync (it has not started yet). */
  private next: Waiters | undefined
  /** An fdatasync is running. */
  private syncing = false
  /** File descriptors replaced by a compaction while an fdatasync on them ran: closed once it ends. */
  private retired: number[] = []
  /** Lines appended since the last compaction. */
  appended = 0
  /** fdatasync calls made (each one acknowledges every `sync()` that shared it). */
  syncs = 0
  /** Lines that could not be used on open (garbage, a torn tail after a crash, a malformed entry). */
  skipped = 0
  /** Those lines: 1-based line number, why, and the text as it was. */
  readonly rejected: RejectedLine[] = []

  constructor(opts: JournalOptions) {
    mkdirSync(opts.dir, {recursive: true, mode: 0o700})
    this.path = join(opts.dir, opts.name ?? 'progress.jsonl')
    this.flushMs = opts.flushMs ?? 50
    this.syncDelayMs = opts.syncDelayMs ?? 0
    this.datasync = opts.datasync ?? fdatasync
    this.onWrite = opts.onWrite ?? (() => undefined)
  }

  /**
   * Every valid entry in the file, in order. A line that is not JSON (garbage, a torn tail after a crash)
   * or that `check` refuses is not returned: it is appended to `<file>.rejected` (with its line number and
   * why) and listed in `rejected`, so the compaction that follows does not lose it.
   */
  read(check: (v: unknown) => {ok: true; entry: T} | {ok: false; reason: string}): T[] {
    if (!existsSync(this.path)) return []
    const out: T[] = []
    const text = readFileSync(this.path, 'utf8')
    const lines = text.split('\n')
    lines.forEach((line, i) => {
      if (line === '') return
      const torn = i === lines.length - 1 // no newline after it: a write cut short
      let v: unknown
      try {
        v = JSON.parse(line)
      } catch {
        this.rejected.push({line: i + 1, reason: torn ? 'torn last line (a write cut short)' : 'not JSON', text: line})
        return
      }
      const c = check(v)
      if (c.ok) out.push(c.entry)
      else this.rejected.push({line: i + 1, reason: c.reason, text: line})
    })
    this.skipped = this.rejected.length
    if (this.rejected.length > 0) this.keepRejected()
    return out
  }

  /** Where rejected lines go: beside the journal. */
  get rejectedPath(): string {
    return this.path + '.rejected'
  }

  /** Append the rejected lines to `<file>.rejected` (kept for the operator, fsync'd before the journal is rewritten). */
  private keepRejected(): void {
    const at = new Date().toISOString()
    const file = basename(this.path)
    const text = this.rejected.map((r) => JSON.stringify({at, file, line: r.line, reason: r.reason, text: r.text}) + '\n').join('')
    const fd = openSync(this.rejectedPath, 'a', 0o600)
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  /** Replace the file with exactly these entries (atomic), then keep appending to it. */
  compact(entries: Iterable<T>): void {
    this.flush()
    this.retire()
    const tmp = this.path + '.tmp'
    const lines: string[] = []
    for (const e of entries) lines.push(JSON.stringify(e))
    writeFileSync(tmp, lines.length ? lines.join('\n') + '\n' : '', {mode: 0o600})
    const fd = openSync(tmp, 'r')
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, this.path)
    syncDir(dirname(this.path))
    this.appended = 0
    // keep the file open from now on: an append (or a sync) never needs a new descriptor
    this.fd = openSync(this.path, 'a', 0o600)
  }

  /** Stop using the current descriptor; one an fdatasync still runs on is closed when it ends. */
  private retire(): void {
    if (this.fd === undefined) return
    if (this.syncing) this.retired.push(this.fd)
    else closeSync(this.fd)
    this.fd = undefined
  }

  append(entry: T): void {
    this.buffer.push(JSON.stringify(entry))
    this.appended++
    if (this.timer === undefined) this.armFlush()
  }

  private armFlush(): void {
    this.timer = setTimeout(() => {
      try {
        this.flush()
        this.onWrite(undefined)
      } catch (err) {
        this.onWrite(err as Error)
        this.armFlush() // the lines stay buffered and are tried again; a sync() reports the failure to its caller
      }
    }, this.flushMs)
    this.timer.unref()
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.buffer.length === 0) return
    this.fd ??= openSync(this.path, 'a', 0o600)
    writeSync(this.fd, this.buffer.join('\n') + '\n')
    this.buffer = []
  }

  /**
   * Resolves once everything appended so far is on disk (written and fdatasync'd); rejects when it
   * could not be written. Calls close together share one fdatasync (group commit).
   */
  sync(): Promise<void> {
    if (this.next === undefined) {
      this.next = waiters()
      if (!this.syncing) this.scheduleSync(this.syncDelayMs)
    }
    return this.next.promise
  }

  /**
   * Run the next fdatasync after `delayMs`, or with 0 at the end of this event-loop turn (setImmediate): every
   * callback read in this turn shares it, and it completes a turn later. A timer, even of 0 ms, waits for the
   * next turn's timers phase: under a storm, a turn is every ready request (tens of ms), and an ack then spans
   * one turn more (bench:metadata part 1b).
   */
  private scheduleSync(delayMs: number): void {
    // not unref'd: someone waits for it
    if (delayMs > 0) setTimeout(() => this.runSync(), delayMs)
    else setImmediate(() => this.runSync())
  }

  /** One fdatasync for every `sync()` waiting now; the ones arriving meanwhile wait for the next. */
  private runSync(): void {
    const group = this.next
    if (group === undefined) return
    this.next = undefined
    let fd: number
    try {
      this.flush()
      this.fd ??= openSync(this.path, 'a', 0o600)
      fd = this.fd
    } catch (err) {
      this.onWrite(err as Error)
      group.reject(err as Error)
      return
    }
    this.syncing = true
    this.syncs++
    this.datasync(fd, (err) => {
      this.syncing = false
      for (const old of this.retired.splice(0)) closeSync(old)
      this.onWrite(err ?? undefined)
      if (err) group.reject(err)
      else group.resolve()
      if (this.next !== undefined) this.scheduleSync(0)
    })
  }

  close(): void {
    this.flush()
    if (this.fd !== undefined) fsyncSync(this.fd)
    this.retire()
    // a sync() still waiting: what it waits for was written and fsync'd just now
    this.next?.resolve()
    this.next = undefined
  }
}

/** The data dir is locked by another live metadata server (a UsageError: same code, exit code and JSON). */
export class DataDirBusyError extends UsageError {
  constructor(dir: string, owner: number) {
    super(`the progress data dir ${dir} is in use by another metadata server (pid ${owner})`, {
      suggestions: ['give each server its own --data-dir', `or stop pid ${owner}`],
    })
    this.name = 'UsageError'
  }
}

/**
 * One server per data dir: `<dir>/lock` holds the owner's pid. A lock whose process is gone is taken
 * over; a live one is a UsageError. Returns the release function.
 */
export function lockDataDir(dir: string, pid = process.pid): () => void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const path = join(dir, 'lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(pid) + '\n', {flag: 'wx', mode: 0o600})
      return () => rmSync(path, {force: true})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = Number(readFileSync(path, 'utf8').trim())
      let alive = false
      if (Number.isInteger(owner) && owner > 0 && owner !== pid) {
        try {
          process.kill(owner, 0)
          alive = true
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === 'EPERM'
        }
      }
      if (alive) {
        throw new DataDirBusyError(dir, owner)
      }
      rmSync(path, {force: true})
    }
  }
  throw new UsageError(`cannot lock ${path}`)
}
