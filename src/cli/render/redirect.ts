/** Human rendering of `netops metadata redirect` results: a pure function returning a string. */
import {color} from '../colors.js'
import {shellQuote} from '../../ssh/quote.js'
import {METADATA_ADDRESS, METADATA_PORT, type RedirectResult} from '../../metadata/redirect/index.js'

/** One line saying what the rule does, e.g. `169.254.169.254:80 on br-md → REDIRECT to port 8807 of this host (iptables)`. */
function describeTarget(r: RedirectResult): string {
  const from = `${METADATA_ADDRESS}:${METADATA_PORT}${r.bridge === null ? '' : ` on ${r.bridge}`}`
  const port = r.to === null ? '' : r.to.slice(r.to.lastIndexOf(':') + 1)
  const to = r.mode === 'redirect' ? `REDIRECT to port ${port} of this host` : `DNAT to ${r.to}`
  return `${from} → ${to} (${r.backend})`
}

/**
 * Print mode: a shell script (the rules to add, the undo commands commented out, the notes as
 * comments) that can be pasted or saved. Apply/remove: what was done, one line per command.
 */
export function renderRedirect(r: RedirectResult): string {
  if (r.action === 'print') {
    const out = [
      `# netops metadata redirect: ${describeTarget(r)}`,
      ...r.rules.map(shellQuote),
      '# to undo:',
      ...r.undo.map((a) => `# ${shellQuote(a)}`),
    ]
    if (r.notes.length > 0) out.push('# notes:', ...r.notes.map((n) => `#   - ${n}`))
    return out.join('\n')
  }
  const out: string[] = []
  for (const a of r.removed) out.push(`${color.yellow('removed ')}  ${shellQuote(a)}`)
  for (const a of r.applied) out.push(`${color.green('added   ')}  ${shellQuote(a)}`)
  for (const a of r.unchanged) out.push(`${color.dim('in place')}  ${shellQuote(a)}`)
  if (r.action === 'remove') {
    out.push(
      r.changed ? `removed netops's metadata redirect (${r.backend})` : `no netops metadata redirect to remove (${r.backend}): no change`,
    )
  } else {
    out.push(r.changed ? describeTarget(r) : `${describeTarget(r)}: already in place, no change`)
  }
  return out.join('\n')
}
