/**
 * Per-client fairness: one address's pipelined flood must not starve the other VMs. node:http parses
 * every request of a read at once and calls the handler for each, so a connection that pipelines
 * thousands of requests would have them all answered before anything else runs. Here, in each turn of
 * the event loop, a connection has at most `perTurn` requests answered at once; beyond that it is held
 * (it stops being read) and its further requests wait in its own queue (FIFO: answers keep their order).
 * At each turn the held connections are served round-robin by client address: every client gets at most
 * `perClientTurn` answers a round, however many connections it opened (served oldest first), and a turn
 * serves rounds for at most `turnMs`. Work-conserving: rounds go on within the turn while anyone waits, so a
 * lone held client is served at near full speed, and no turn is asked for while nothing is held. A connection
 * whose answers back up (the client does not read them) is skipped until it drains; the send timeout and
 * the stall timer then decide whether it is cut. Pure: the socket operations are hooks.
 */

/** Requests a connection has answered at once in one turn before it is held. */
const DEFAULT_ANSWERS_PER_TURN = 4
/** Answers a client with held connections gets in one round of a turn (its connections served oldest first). */
const DEFAULT_ANSWERS_PER_CLIENT_ROUND = 64
/** How long one turn serves held connections before the event loop reads other connections again. */
const DEFAULT_TURN_MS = 2

/** What the scheduler does to a connection (a net.Socket in the server; anything in tests) and a request `J`. */
export interface FairHooks<S, J> {
  /** Answer a request. */
  run(job: J): void
  /** Stop reading `s`: its requests wait in its queue. */
  hold(s: S): void
  /** Read `s` again: its queue is empty. */
  release(s: S): void
  /** `s` cannot take more answers now (the client does not read them): skipped until `wake(s)`. */
  blocked(s: S): boolean
  /** `s` was found blocked with requests waiting (arm its timers; call `wake(s)` when it drains). */
  stalled(s: S): void
  /** Run `f` at the next turn of the event loop (setImmediate). */
  later(f: () => void): void
  /** Milliseconds (performance.now): how long a turn has served. */
  now(): number
}

export interface FairLimits {
  /** Requests a connection has answered at once in one turn before it is held. */
  perTurn: number
  /** Answers a held client gets in one round of a turn, over all its connections. */
  perClientTurn: number
  /** A turn serves rounds over the held clients until they wait for nothing or this much time went by. */
  turnMs: number
}

/** One connection: its client, its count in the current turn, and its waiting requests while held. */
interface Conn<S, J> {
  readonly socket: S
  readonly client: string
  turn: number
  answered: number
  /** Requests seen, in all. */
  requests: number
  /** Requests waiting, oldest first; undefined while not held. */
  queue: J[] | undefined
}

/** What is held now (counts for tests and metrics). */
export interface FairCounts {
  /** Connections held. */
  held: number
  /** Requests waiting in their queues. */
  queued: number
}

export class FairScheduler<S extends object, J> {
  private readonly conns = new WeakMap<S, Conn<S, J>>()
  /** Held connections by client, in serving order (a served connection goes to the back). */
  private readonly clients = new Map<string, Array<Conn<S, J>>>()
  private turn = 0
  private ticking = false
  private queued = 0

  constructor(
    private readonly hooks: FairHooks<S, J>,
    private readonly limits: FairLimits = {
      perTurn: DEFAULT_ANSWERS_PER_TURN,
      perClientTurn: DEFAULT_ANSWERS_PER_CLIENT_ROUND,
      turnMs: DEFAULT_TURN_MS,
    },
  ) {}

  /** A new connection from `client` (its address). */
  open(socket: S, client: string): void {
    this.conns.set(socket, {socket, client, turn: this.turn, answered: 0, requests: 0, queue: undefined})
  }

  /** `socket` closed: its waiting requests are dropped (never answered, never kept). */
  close(socket: S): void {
    const c = this.conns.get(socket)
    if (c === undefined) return
    this.conns.delete(socket)
    if (c.queue !== undefined) this.unhold(c)
  }

  /** A request on `socket`: answered (`run`) now, or later in its turn. */
  submit(socket: S, job: J): void {
    const c = this.conns.get(socket)
    if (c === undefined) return this.hooks.run(job) // not opened here: never held
    c.requests++
    if (c.queue !== undefined) {
      c.queue.push(job)
      this.queued++
      return
    }
    if (c.turn !== this.turn) {
      c.turn = this.turn
      c.answered = 0
    }
    if (!this.ticking) this.schedule()
    if (c.answered < this.limits.perTurn) {
      c.answered++
      return this.hooks.run(job)
    }
    c.queue = [job]
    this.queued++
    const held = this.clients.get(c.client)
    if (held === undefined) this.clients.set(c.client, [c])
    else held.push(c)
    this.hooks.hold(socket)
  }

  /** `socket` drained (it was blocked): serve it again from the next turn. */
  wake(socket: S): void {
    if (this.conns.get(socket)?.queue !== undefined && !this.ticking) this.schedule()
  }

  /** True while `socket` is held (its requests wait). */
  held(socket: S): boolean {
    return this.conns.get(socket)?.queue !== undefined
  }

  /** Requests seen on `socket` so far (0 when unknown). */
  requests(socket: S): number {
    return this.conns.get(socket)?.requests ?? 0
  }

  counts(): FairCounts {
    let held = 0
    for (const cs of this.clients.values()) held += cs.length
    return {held, queued: this.queued}
  }

  private schedule(): void {
    this.ticking = true
    this.hooks.later(() => this.tick())
  }

  /** A new turn: the counts start again and the held clients are served, round after round, for at most turnMs. */
  private tick(): void {
    this.ticking = false
    this.turn++
    const until = this.hooks.now() + this.limits.turnMs
    // nothing held: the turn only restarts the counts, and no further turn is asked for (no idle spinning)
    let waiting = this.clients.size > 0
    while (waiting && this.clients.size > 0) {
      waiting = this.round()
      if (this.hooks.now() >= until) break
    }
    if (waiting && !this.ticking) this.schedule()
  }

  /** One round: every held client its share, in turn; true when some could be served again. */
  private round(): boolean {
    let waiting = false
    for (const [client, held] of [...this.clients]) {
      if (this.serveClient(held)) waiting = true
      // the client goes to the back of the order (Map order is insertion order)
      this.clients.delete(client)
      if (held.length > 0) this.clients.set(client, held)
    }
    return waiting
  }

  /**
   * Serve one client's share of a round from its held connections, oldest first: one connection's queue is
   * emptied before the next one's (so its connections are read again one at a time, not all in the same
   * turn); a blocked one goes to the back. True when some could be served in the next round.
   */
  private serveClient(held: Array<Conn<S, J>>): boolean {
    let budget = this.limits.perClientTurn
    let skipped = 0
    while (budget > 0 && skipped < held.length) {
      const c = held[0]!
      const queue = c.queue!
      while (budget > 0 && c.queue === queue && queue.length > 0 && !this.hooks.blocked(c.socket)) {
        budget--
        this.queued--
        this.hooks.run(queue.shift()!)
      }
      if (c.queue !== queue) continue // an answer closed it (close() took it off the list)
      if (queue.length === 0) {
        held.shift()
        c.queue = undefined
        c.turn = this.turn
        c.answered = 0
        this.hooks.release(c.socket)
      } else if (this.hooks.blocked(c.socket)) {
        held.push(held.shift()!)
        skipped++
        this.hooks.stalled(c.socket)
      }
    }
    return held.some((c) => !this.hooks.blocked(c.socket))
  }

  /** Take `c` off the held lists and forget its queue. */
  private unhold(c: Conn<S, J>): void {
    this.queued -= c.queue?.length ?? 0
    c.queue = undefined
    const held = this.clients.get(c.client)
    if (held === undefined) return
    const i = held.indexOf(c)
    if (i >= 0) held.splice(i, 1)
    if (held.length === 0) this.clients.delete(c.client)
  }
}
