/**
 * Run one async job per target with at most `concurrency` in flight. Never rejects: each
 * target's outcome is {ok: true, value} or {ok: false, error: NetopsError}, in input order.
 * Used by `ovs stp` for several --host and meant for `switch` too.
 */
import {NetopsError, UnexpectedError} from '../errors.js'

export type RunManyResult<T> = {target: string; ok: true; value: T} | {target: string; ok: false; error: NetopsError}

function asNetopsError(err: unknown): NetopsError {
  if (err instanceof NetopsError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new UnexpectedError(message, {cause: err, suggestions: ['run again with NETOPS_DEBUG=1 for a stack trace, and report it']})
}

export async function runMany<T>(
  targets: string[],
  concurrency: number,
  fn: (target: string, index: number) => Promise<T>,
): Promise<Array<RunManyResult<T>>> {
  const results: Array<RunManyResult<T>> = new Array<RunManyResult<T>>(targets.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= targets.length) return
      const target = targets[i] as string
      try {
        results[i] = {target, ok: true, value: await fn(target, i)}
      } catch (err) {
        results[i] = {target, ok: false, error: asNetopsError(err)}
      }
    }
  }
  const n = Math.max(1, Math.min(Math.floor(concurrency) || 1, targets.length))
  await Promise.all(Array.from({length: n}, worker))
  return results
}
