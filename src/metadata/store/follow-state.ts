/**
 * A replica's view of the store, as a pure state machine: connected or unreachable (and since when), the
 * generation and revision it serves, and what /healthz calls degraded. Plus the reconnect backoff.
 * follower.ts feeds it events; nothing here does I/O or reads a clock.
 */

type StoreState = 'connected' | 'unreachable'

export interface FollowState {
  state: StoreState
  /** When `state` last changed (epoch ms). */
  since: number
  /** The generation served (null: nothing published yet, or nothing loaded). */
  generation: number | null
  /** The last store revision this replica has seen every change of `current` up to (null: none yet). */
  revision: string | null
  /** The generation served came from the cache file, not from etcd (until the next load from etcd). */
  fromCache: boolean
}

export type FollowEvent =
  | {type: 'connected'; at: number}
  | {type: 'unreachable'; at: number}
  /** A generation (null: none published) loaded from etcd, complete up to `revision`. */
  | {type: 'loaded'; generation: number | null; revision: string}
  /** A generation loaded from the cache file (the store could not be reached). */
  | {type: 'cached'; generation: number; revision: string}
  /** Every change of `current` up to `revision` is applied (an event for the generation served, a progress notice). */
  | {type: 'seen'; revision: string}

export function initialFollowState(at: number): FollowState {
  return {state: 'connected', since: at, generation: null, revision: null, fromCache: false}
}

/** The next state after one event. */
export function followStep(s: FollowState, e: FollowEvent): FollowState {
  switch (e.type) {
    case 'connected':
      return s.state === 'connected' ? s : {...s, state: 'connected', since: e.at}
    case 'unreachable':
      return s.state === 'unreachable' ? s : {...s, state: 'unreachable', since: e.at}
    case 'loaded':
      return {...s, generation: e.generation, revision: e.revision, fromCache: false}
    case 'cached':
      return {...s, generation: e.generation, revision: e.revision, fromCache: true}
    case 'seen':
      return s.revision !== null && BigInt(e.revision) <= BigInt(s.revision) ? s : {...s, revision: e.revision}
  }
}

/** What /healthz reports as degraded (null: healthy). Unreachable wins over an empty store. */
export function degradedText(s: FollowState): string | null {
  if (s.state === 'unreachable') return `store unreachable since ${new Date(s.since).toISOString()}`
  if (s.generation === null) return 'no inventory published yet'
  return null
}

export interface BackoffOptions {
  /** First delay (default 250 ms). */
  initialMs: number
  /** Ceiling (default 5 s). */
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = {initialMs: 250, maxMs: 5000}

/**
 * The delay before reconnect attempt `attempt` (1 = the first after a failure): the initial delay doubled per
 * attempt up to the ceiling, then jittered into [half, whole] so that replicas cut off together do not
 * come back in step. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, random: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30)
  const full = Math.min(o.maxMs, o.initialMs * 2 ** exp)
  return Math.round(full / 2 + (random * full) / 2)
}
