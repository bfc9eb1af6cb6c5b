import {createHash} from 'node:crypto'
import type {UserDataPart} from './types.js'

/** The MIME type cloud-init gives a part, from its first line (as cloud-init's own handlers do). */
function partType(content: string): string {
  const first = content.slice(0, content.indexOf('\n') >>> 0).trim()
  if (/^## template:\s*jinja/i.test(first)) return 'text/jinja2'
  if (first.startsWith('#cloud-config-archive')) return 'text/cloud-config-archive'
  if (first.startsWith('#cloud-config')) return 'text/cloud-config'
  if (first.startsWith('#cloud-boothook')) return 'text/cloud-boothook'
  if (first.startsWith('#include')) return 'text/x-include-url'
  if (first.startsWith('#part-handler')) return 'text/part-handler'
  if (first.startsWith('#!')) return 'text/x-shellscript'
  return 'text/plain'
}

/**
 * Several parts → one `multipart/mixed` document cloud-init understands. The boundary is derived
 * from the content (stable across runs, so `metadata render` output can be diffed).
 */
export function multipart(parts: readonly UserDataPart[]): string {
  const hash = createHash('sha256')
  for (const p of parts) hash.update(p.content).update('\0')
  const boundary = `==netops-${hash.digest('hex').slice(0, 24)}==`
  const out = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', '']
  parts.forEach((p, i) => {
    out.push(`--${boundary}`)
    out.push(`Content-Type: ${p.type ?? partType(p.content)}; charset="utf-8"`)
    out.push('MIME-Version: 1.0')
    out.push('Content-Transfer-Encoding: 8bit')
    out.push(`Content-Disposition: attachment; filename="${(p.filename ?? `part-${String(i + 1).padStart(3, '0')}`).replace(/"/g, '')}"`)
    out.push('')
    out.push(p.content.endsWith('\n') ? p.content.slice(0, -1) : p.content)
  })
  out.push(`--${boundary}--`, '')
  return out.join('\n')
}

/** One part is served as is; several become multipart. */
export function assembleUserData(parts: readonly UserDataPart[]): string | undefined {
  if (parts.length === 0) return undefined
  if (parts.length === 1 && parts[0]!.type === undefined && parts[0]!.filename === undefined) return parts[0]!.content
  return multipart(parts)
}
