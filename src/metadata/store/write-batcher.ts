/**
 * Coalesced, ordered writes of small keys (a replica's progress records): `append(key, value)` marks a
 * key dirty (its value is made when its batch goes out, so later changes to the same key ride along);
 * a batch goes out at most `intervalMs` after the first dirty key, or at once on `commit()`. A batch is
 * the whole dirty set, written as transactions of at most `maxOps` puts. One batch is in flight at a
 * time, so a key's writes land in order; what is appended meanwhile waits for the next batch (group
 * commit). A failed batch puts its keys back and is retried with backoff.
 */

export interface BatchPut {
  key: string
  value: Buffer
}

export interface WriteBatcherOptions {
  /** Write one transaction (at most `maxOps` puts). */
  write: (puts: BatchPut[]) => Promise<void>
  /** A batch goes out at most this long after the first dirty key. Default 50 ms. */
  intervalMs?: number
  /** Puts per transaction (etcd's default --max-txn-ops is 128). */
  maxOps?: number
  /** Transactions of one batch written at once. Default 4. */
  concurrency?: number
  /** First retry delay after a failed batch (doubling to `retryMaxMs`). Default 250 ms. */
  retryMs?: number
  retryMaxMs?: number
  /** Called with the error of each failed batch (the batch is retried). */
  onError?: (err: unknown) => void
}

interface Waiter {
  upTo: number
  resolve: () => void
  reject: (err: unknown) => void
}

export class WriteBatcher {
  private dirty = new Map<string, () => Buffer>()
  /** Appends so far; a batch covers every append up to the count when it was taken. */
  private appended = 0
  private durable = 0
  private inFlight = false
  private timer: NodeJS.Timeout | undefined
  private retryDelay = 0
  private waiters: Waiter[] = []
  private closed = false
  private readonly intervalMs: number
  private readonly maxOps: number
  private readonly concurrency: number
  /** Batches and transactions written (for tests and the bench). */
  readonly written = {batches: 0, txns: 0, puts: 0, failed: 0}

  constructor(private readonly o: WriteBatcherOptions) {
    this.intervalMs = o.intervalMs ?? 50
    this.maxOps = o.maxOps ?? 128
    this.concurrency = o.concurrency ?? 4
  }

  /** Keys not written yet. */
  get pending(): number {
    return this.dirty.size
  }

  /** `key` changed; `value()` is called when its batch goes out. */
  append(key: string, value: () => Buffer): void {
    if (this.closed) return
    this.dirty.set(key, value)
    this.appended++
    this.schedule(this.retryDelay || this.intervalMs)
  }

  /** Resolves when everything appended so far is written; rejects when the batch holding it failed. */
  commit(): Promise<void> {
    if (this.durable >= this.appended) return Promise.resolve()
    const p = new Promise<void>((resolve, reject) => this.waiters.push({upTo: this.appended, resolve, reject}))
    // a commit does not wait for the interval (nor for a retry's backoff): the caller is waiting
    if (!this.inFlight) this.go()
    return p
  }

  /** Write what is pending (one last try), then refuse further appends. */
  async close(): Promise<void> {
    const last = this.appended > this.durable ? this.commit().catch(() => undefined) : Promise.resolve()
    this.closed = true
    await last
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    for (const w of this.waiters.splice(0)) w.reject(new Error('the progress writer is closed'))
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.inFlight || this.dirty.size === 0) return
    this.timer = setTimeout(() => this.go(), ms)
    this.timer.unref()
  }

  private go(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.inFlight || this.dirty.size === 0) return
    void this.flush()
  }

  private async flush(): Promise<void> {
    this.inFlight = true
    const batch = this.dirty
    const upTo = this.appended
    this.dirty = new Map()
    const puts: BatchPut[] = []
    for (const [key, value] of batch) puts.push({key, value: value()})
    const txns: BatchPut[][] = []
    for (let i = 0; i < puts.length; i += this.maxOps) txns.push(puts.slice(i, i + this.maxOps))
    let error: unknown
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < txns.length && error === undefined) {
        const txn = txns[next++]!
        try {
          await this.o.write(txn)
        } catch (err) {
          error ??= err
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(this.concurrency, txns.length)}, worker))
    this.inFlight = false
    this.written.batches++
    this.written.txns += txns.length
    if (error === undefined) {
      this.written.puts += puts.length
      this.durable = upTo
      this.retryDelay = 0
      this.settle(upTo, undefined)
    } else {
      this.written.failed++
      // put the batch back (a key appended again meanwhile keeps its newer value maker)
      for (const [key, value] of batch) if (!this.dirty.has(key)) this.dirty.set(key, value)
      this.retryDelay = Math.min(this.o.retryMaxMs ?? 5000, this.retryDelay ? this.retryDelay * 2 : (this.o.retryMs ?? 250))
      this.o.onError?.(error)
      this.settle(upTo, error)
    }
    // commits that came in while this batch was out: their appends are in the next one
    if (this.waiters.length > 0 && error === undefined) this.go()
    else if (this.closed) for (const w of this.waiters.splice(0)) w.reject(error ?? new Error('the progress writer is closed'))
    else this.schedule(this.retryDelay || this.intervalMs)
  }

  private settle(upTo: number, error: unknown): void {
    const keep: Waiter[] = []
    for (const w of this.waiters) {
      if (w.upTo > upTo) keep.push(w)
      else if (error === undefined) w.resolve()
      else w.reject(error)
    }
    this.waiters = keep
  }
}
