import type {NetopsError} from '../errors.js'
import type {RunManyResult} from '../util/run-many.js'

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
