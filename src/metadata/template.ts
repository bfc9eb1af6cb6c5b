/**
 * The inventory's small template language, for user_data and vendor_data.
 *
 *   {{ hostname }}  {{ id }}  {{ uuid }}  {{ ip }}  {{ mac }}  {{ profile }}  {{ availability_zone }}
 *   {{ meta.rack }} or just {{ rack }}       merged meta_data keys (profile, then instance)
 *   {{ rack | default("none") }}            a missing or empty value falls back (no error)
 *   {{ hostname | upper }}  | lower  | json  | shell   (shell = single-quoted for sh)
 *   {{ "{{" }}                              a literal string (how to write a literal `{{`)
 *
 * An unknown variable is an error that names the nearest known one. A text whose first line is
 * `## template: jinja` is left untouched: cloud-init renders it inside the VM.
 */
import {nearest} from '../util/edit-distance.js'

import {singleQuote} from '../ssh/quote.js'

export class TemplateError extends Error {
  constructor(
    message: string,
    /** Offset of the offending `{{` in the template text. */
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message)
  }
}

const FILTERS = ['default', 'upper', 'lower', 'json', 'shell'] as const

const JINJA = /^## template:\s*jinja\b/i

function isJinja(text: string): boolean {
  return JINJA.test(text)
}

type Vars = Record<string, unknown>

function lookupVar(vars: Vars, path: string): unknown {
  let cur: unknown = vars
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function knownNames(vars: Vars, prefix = ''): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(vars)) {
    out.push(prefix + k)
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && prefix === '') out.push(...knownNames(v as Vars, `${k}.`))
  }
  return out
}

const STRING = /^"((?:[^"\\]|\\.)*)"$|^'((?:[^'\\]|\\.)*)'$/

function literal(text: string): string | undefined {
  const m = STRING.exec(text.trim())
  if (!m) return undefined
  return (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1')
}

/** Split on `|` outside quotes. */
function splitPipes(expr: string): string[] {
  const parts: string[] = []
  let cur = ''
  let quote = ''
  for (const ch of expr) {
    if (quote) {
      if (ch === quote) quote = ''
      cur += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      cur += ch
    } else if (ch === '|') {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  return parts.map((p) => p.trim())
}

/** Fill a template. Throws TemplateError (with the offset of the bad `{{`) on any mistake. */
export function renderTemplate(text: string, vars: Vars): string {
  if (isJinja(text) || !text.includes('{{')) return text
  let out = ''
  let i = 0
  while (i < text.length) {
    const open = text.indexOf('{{', i)
    if (open < 0) {
      out += text.slice(i)
      break
    }
    out += text.slice(i, open)
    const close = text.indexOf('}}', open + 2)
    if (close < 0) throw new TemplateError('`{{` is never closed by `}}`', open, 'write {{ "{{" }} for a literal {{')
    out += evaluate(text.slice(open + 2, close), vars, open)
    i = close + 2
  }
  return out
}

function evaluate(expr: string, vars: Vars, offset: number): string {
  const [head = '', ...filters] = splitPipes(expr)
  if (head === '') throw new TemplateError('empty `{{ }}`', offset, 'e.g. {{ hostname }}')
  let value: unknown
  let missing = false
  const lit = literal(head)
  if (lit !== undefined) value = lit
  else if (/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(head)) {
    value = lookupVar(vars, head)
    missing = value === undefined
  } else throw new TemplateError(`cannot read \`${head}\`: expected a variable name or a "quoted string"`, offset)

  for (const f of filters) {
    const m = /^([a-z_]+)\s*(?:\((.*)\))?$/.exec(f)
    const name = m?.[1]
    if (!m || name === undefined || !(FILTERS as readonly string[]).includes(name)) {
      const guess = nearest(f.replace(/\(.*$/, ''), FILTERS)
      throw new TemplateError(
        `unknown filter \`${f}\``,
        offset,
        `filters are: ${FILTERS.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}`,
      )
    }
    switch (name) {
      case 'default': {
        const arg = literal(m[2] ?? '')
        if (arg === undefined) throw new TemplateError('default needs one "quoted string", e.g. default("none")', offset)
        if (missing || value === '' || value === null) value = arg
        missing = false
        break
      }
      case 'upper':
        value = stringify(value).toUpperCase()
        break
      case 'lower':
        value = stringify(value).toLowerCase()
        break
      case 'json':
        value = JSON.stringify(value ?? null)
        break
      case 'shell':
        value = singleQuote(stringify(value))
        break
    }
  }
  if (missing) {
    const known = knownNames(vars)
    const guess = nearest(head, known)
    throw new TemplateError(
      `unknown template variable \`${head}\``,
      offset,
      `${guess ? `did you mean \`${guess}\`? ` : ''}known: ${known.filter((k) => !k.includes('.') || k.startsWith('meta.')).join(', ')}; or add | default("...")`,
    )
  }
  return stringify(value)
}
