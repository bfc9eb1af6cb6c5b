/**
 * The one way a command runs against several hosts (`switch ...` with several --host / --inventory
 * entries, `ovs stp ...` with several --host): repeated hosts dropped with a warning, one host run
 * as is (its errors thrown), several through runMany, then BaseCommand.finishTargets renders the
 * per-host table and returns `{hosts, ok, failed}` (exit 10 on any failure).
 */
import type {NetopsError} from '../errors.js'
import {runMany, type RunManyResult} from '../util/run-many.js'

/** The `--json` shape of a command run against several hosts. */
export interface MultiHostResult<T> {
  hosts: Array<{host: string; ok: true; result: T} | {host: string; ok: false; error: ReturnType<NetopsError['toJSON']>}>
  ok: number
  failed: number
}

export function multiHostJson<T>(results: Array<RunManyResult<T>>): MultiHostResult<T> {
  const hosts = results.map((r) =>
    r.ok ? {host: r.target, ok: true as const, result: r.value} : {host: r.target, ok: false as const, error: r.error.toJSON()},
  )
  const failed = hosts.filter((h) => !h.ok).length
  return {hosts, ok: hosts.length - failed, failed}
}

/** A command's targets: one (its value, errors thrown) or several (every host's outcome). */
export type TargetsOutcome<T> = {multi: false; value: T} | {multi: true; results: Array<RunManyResult<T>>}

/**
 * Targets in the order given, each once: a target whose `identity` was already seen is dropped
 * with a warning (`node7 listed more than once: running it once`).
 */
export function uniqueTargets<J>(targets: readonly J[], identity: (target: J) => string, warn: (message: string) => void): J[] {
  const seen = new Set<string>()
  const out: J[] = []
  for (const t of targets) {
    const id = identity(t)
    if (seen.has(id)) {
      warn(`${id} listed more than once: running it once`)
      continue
    }
    seen.add(id)
    out.push(t)
  }
  return out
}

export interface RunTargetsOptions<J> {
  /** The HOST column and the `host` of the --json document. */
  label: (target: J) => string
  /** At most this many at once. */
  concurrency: number
}

/** One target: `fn`'s value, its errors thrown as they are. Several: every target's outcome, in order (never rejects). */
export async function runTargets<J, T>(
  targets: readonly J[],
  options: RunTargetsOptions<J>,
  fn: (target: J) => Promise<T>,
): Promise<TargetsOutcome<T>> {
  const [only, ...rest] = targets
  if (only === undefined) throw new RangeError('runTargets: no target')
  if (rest.length === 0) return {multi: false, value: await fn(only)}
  const results = await runMany(targets.map(options.label), options.concurrency, (_label, i) => fn(targets[i] as J))
  return {multi: true, results}
}

/** A target that is the same as an earlier one: its index and the earlier one's. */
export interface Repeat {
  index: number
  firstIndex: number
}

/**
 * Targets that repeat an earlier one, in order: two targets are the same when they share any of
 * their keys (`keysOf[i]` for targets[i]; e.g. every address a name resolves to).
 */
export function findRepeats(keysOf: ReadonlyArray<readonly string[]>): Repeat[] {
  const firstWith = new Map<string, number>()
  const repeats: Repeat[] = []
  keysOf.forEach((keys, index) => {
    const earlier = keys.map((k) => firstWith.get(k)).find((i) => i !== undefined)
    if (earlier !== undefined) repeats.push({index, firstIndex: earlier})
    else for (const k of keys) firstWith.set(k, index)
  })
  return repeats
}
