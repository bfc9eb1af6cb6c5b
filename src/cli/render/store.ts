import {color} from '../colors.js'
import type {PullResult, PushResult} from '../../metadata/store/inventory-store.js'

/** Per kind, at most this many ids are listed (the --json output has them all). */
const SHOWN = 50

function ids(mark: string, paint: (s: string) => string, list: string[]): string[] {
  const out = list.slice(0, SHOWN).map((id) => paint(`${mark} ${id}`))
  if (list.length > SHOWN) out.push(color.dim(`${mark} … and ${list.length - SHOWN} more`))
  return out
}

/** `inventory push` / `inventory diff`: the diff by instance id, its counts, and what was done. */
export function renderPush(r: PushResult): string {
  const d = r.diff
  const out = [...ids('+', color.green, d.added), ...ids('~', color.yellow, d.changed), ...ids('-', color.red, d.removed)]
  const extra = [d.profilesChanged ? 'profiles changed' : '', d.orderChanged ? 'order changed' : ''].filter(Boolean)
  out.push(
    `${d.counts.added} added, ${d.counts.changed} changed, ${d.counts.removed} removed, ${d.counts.unchanged} unchanged${extra.length ? `; ${extra.join(', ')}` : ''}`,
  )
  const from = r.from === null ? 'no generation' : `generation ${r.from}`
  if (r.dryRun) out.push(`dry run: nothing written to ${r.store} (current: ${from})`)
  else if (r.published)
    out.push(`published generation ${r.to} (${r.instances} instances) to ${r.store}${r.from === null ? '' : `, replacing ${r.from}`}`)
  else out.push(`no change: ${from} in ${r.store} is already this inventory`)
  return out.join('\n')
}

/** `inventory pull --output FILE`: one line (without --output the YAML itself is printed). */
export function renderPull(r: PullResult): string {
  if (r.yaml !== null) return r.yaml
  return `wrote generation ${r.generation} (${r.instances} instances) from ${r.store} to ${r.output}`
}
