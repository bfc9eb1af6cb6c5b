/** Which inventory snapshot a request is answered from: the newest, unless the VM is mid-crawl across a reload. */
import {DocumentSnapshot} from './doc-cache.js'
import type {RequestHead, Requester, Resolver} from './identity.js'
import type {Store} from './store.js'
import type {FlavorContext} from './types.js'

/**
 * Crawl pinning: a VM keeps the snapshot its crawl started on while it keeps asking (gaps under
 * `idleMs`) for at most `maxMs`, so a crawl never mixes old and new data. A pin belongs to an
 * (address, instance id) pair: once the newest snapshot gives the address to another instance, or to
 * none, the pin ends at once (pinning only ever keeps a VM on an older snapshot of itself).
 * Times are monotonic ms.
 */
export class CrawlPins<S> {
  /** A VM's address → the instance it was and the snapshot its current crawl uses. */
  private readonly pins = new Map<string, {id: string; snap: S; first: number; last: number}>()

  constructor(
    private readonly idleMs: number,
    private readonly maxMs: number,
  ) {}

  /** The snapshot this address's request is answered from; `id` = the instance `current` gives this address (undefined: none). */
  choose(ip: string, id: string | undefined, current: S, now: number): S {
    const pin = this.pins.get(ip)
    if (id === undefined) {
      // the address is no VM (any more): nothing to keep it on
      if (pin !== undefined) this.pins.delete(ip)
      return current
    }
    if (pin === undefined || pin.id !== id) {
      // a first request, or the address now belongs to another instance: its crawl starts on the newest
      this.pins.set(ip, {id, snap: current, first: now, last: now})
      return current
    }
    if (pin.snap === current) {
      if (now - pin.last >= this.idleMs) pin.first = now
      pin.last = now
      return current
    }
    if (now - pin.last < this.idleMs && now - pin.first < this.maxMs) {
      // mid-crawl across a reload: finish the crawl on the snapshot it started with
      pin.last = now
      return pin.snap
    }
    this.pins.set(ip, {id, snap: current, first: now, last: now})
    return current
  }

  /** Forget the crawls that went idle. */
  sweep(now: number): void {
    for (const [ip, pin] of this.pins) if (now - pin.last >= this.idleMs) this.pins.delete(ip)
  }

  get size(): number {
    return this.pins.size
  }
}

/** Who asks, and the snapshot their request is answered from. */
export interface Identified {
  who: Requester
  snap: DocumentSnapshot
}

export interface SnapshotsOptions {
  /** 0 turns pinning off (every request sees the newest snapshot). */
  pinIdleMs: number
  pinMaxMs: number
}

/** The store's documents as snapshots: rebuilt when the store changes, rendered in the background, pinned per crawl. */
export class ServedSnapshots {
  private current: DocumentSnapshot
  private readonly pins: CrawlPins<DocumentSnapshot> | undefined
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly ctx: FlavorContext,
    o: SnapshotsOptions,
  ) {
    this.current = new DocumentSnapshot(store.version, store.all(), ctx)
    this.pins = o.pinIdleMs > 0 ? new CrawlPins(o.pinIdleMs, o.pinMaxMs) : undefined
  }

  /** The snapshot served now (as it is: no check of the store). */
  get snapshot(): DocumentSnapshot {
    return this.current
  }

  /** The newest snapshot (rebuilt first when the store changed). */
  latest(): DocumentSnapshot {
    if (this.store.version !== this.current.version) this.refresh()
    return this.current
  }

  /** Rebuild from the store now and start rendering its documents in the background. */
  refresh(): void {
    this.current = new DocumentSnapshot(this.store.version, this.store.all(), this.ctx)
    this.sweep()
    this.prewarm()
  }

  /** Who asks, on which snapshot (a VM mid-crawl across a reload stays on the one it started with). */
  identify(req: RequestHead, resolver: Resolver): Identified {
    const current = this.latest()
    const who = resolver.resolve(req, current.store)
    if (this.pins === undefined) return {who, snap: current}
    const snap = this.pins.choose(who.ip, who.instance?.id, current, performance.now()) // monotonic, not the token clock
    if (snap === current) return {who, snap}
    const then = resolver.resolve(req, snap.store)
    // the pin is for this instance only: an older snapshot that names someone else at this address is never served
    return then.instance?.id === who.instance?.id ? {who: then, snap} : {who, snap: current}
  }

  /** Render every VM's documents of the newest snapshot in the background, a few ms per turn of the event loop. */
  prewarm(): void {
    const snap = this.current
    const step = () => {
      if (this.closed || snap !== this.current) return
      if (!snap.prewarm(performance.now() + 4)) setImmediate(step)
    }
    setImmediate(step)
  }

  sweep(): void {
    this.pins?.sweep(performance.now())
  }

  close(): void {
    this.closed = true
  }
}
