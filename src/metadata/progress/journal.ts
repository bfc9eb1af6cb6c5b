import {closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {UsageError} from '../../errors.js'
import {join} from 'node:path'

/**
 * An append-only JSON-lines journal with compaction: the progress store of `metadata serve`.
 *
 * Why not SQLite: Node 20 has no node:sqlite, and better-sqlite3 is a native addon whose prebuilt
 * binary is fetched by an install script (npm 11 does not run install scripts unless approved), so a
 * plain `npm ci` on a fresh machine would not give a working store. The journal needs nothing.
 *
 * Layout: `<dir>/progress.jsonl`. Each line is one JSON value. On open the whole file is read
 * (a torn last line from a crash is ignored), then rewritten as a compact snapshot (write to
 * `.tmp`, fsync, rename: atomic). Appends are buffered and written at most every `flushMs`
 * (and on `flush()` / `close()`); `compact()` runs again when the journal grows past a bound.
 */
export interface JournalOptions {
  dir: string
  name?: string
  /** Buffered appends are written after this many ms. Default 50. */
  flushMs?: number
}

export class Journal<T> {
  readonly path: string
  private fd: number | undefined
  private buffer: string[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly flushMs: number
  /** Lines appended since the last compaction. */
  appended = 0
  /** Lines that could not be parsed on open (a torn tail after a crash). */
  skipped = 0

  constructor(opts: JournalOptions) {
    mkdirSync(opts.dir, {recursive: true, mode: 0o700})
    this.path = join(opts.dir, opts.name ?? 'progress.jsonl')
    this.flushMs = opts.flushMs ?? 50
  }

  /** Every entry in the file, in order. */
  read(): T[] {
    if (!existsSync(this.path)) return []
    const out: T[] = []
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line === '') continue
      try {
        out.push(JSON.parse(line) as T)
      } catch {
        this.skipped++
      }
    }
    return out
  }

  /** Replace the file with exactly these entries (atomic), then keep appending to it. */
  compact(entries: Iterable<T>): void {
    this.flush()
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    const tmp = this.path + '.tmp'
    const lines: string[] = []
    for (const e of entries) lines.push(JSON.stringify(e))
    writeFileSync(tmp, lines.length ? lines.join('\n') + '\n' : '', {mode: 0o600})
    const fd = openSync(tmp, 'r')
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, this.path)
    this.appended = 0
  }

  append(entry: T): void {
    this.buffer.push(JSON.stringify(entry))
    this.appended++
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.flushMs)
      this.timer.unref()
    }
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.buffer.length === 0) return
    this.fd ??= openSync(this.path, 'a', 0o600)
    const text = this.buffer.join('\n') + '\n'
    this.buffer = []
    writeSync(this.fd, text)
  }

  close(): void {
    this.flush()
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
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
