/**
 * nftables as `nft -j` prints it (JSON schema 1, nft 1.0.6 on Debian 12): the listing read once
 * at the border into tables, chains and rules, then the questions the redirect asks of it. Pure.
 *
 * iptables-nft's rules show up here too, with `xt` expressions whose arguments nft leaves out
 * (`{"xt": {"type": "target", "name": "DNAT"}}`: no destination, and no `-m comment` text): where
 * they send traffic is only in `iptables -S`.
 */
import {isDeepStrictEqual} from 'node:util'
import {inNetworkV4} from '../ip.js'
import {METADATA_ADDRESS, METADATA_PORT, NFT_FAMILY, NFT_TABLE, RULE_COMMENT, type RedirectMode, type RedirectTarget} from './plan.js'

interface NftTable {
  family: string
  name: string
}

interface NftChain {
  family: string
  table: string
  name: string
  type?: string
  hook?: string
  prio?: number
  policy?: string
}

/** One expression of a rule (`{match: {...}}`, `{dnat: {...}}`, `{counter: {...}}`, ...). */
export type NftExpr = Record<string, unknown>

export interface NftRule {
  family: string
  table: string
  chain: string
  handle: number
  comment?: string
  expr: NftExpr[]
}

export interface NftRuleset {
  tables: NftTable[]
  chains: NftChain[]
  rules: NftRule[]
}

/** Our chain's `priority dstnat - 10` as nft -j prints it (dstnat is -100 in the ip family). */
const OUR_PRIORITY = -110
const OUR_CHAIN = 'prerouting'

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function strings<K extends string>(o: Obj, keys: readonly K[]): Record<K, string> | undefined {
  for (const k of keys) if (typeof o[k] !== 'string') return undefined
  return o as Record<K, string>
}

/** Optional fields copied only when they have the right type. */
function optional(o: Obj, strKeys: readonly string[], numKeys: readonly string[]): Obj {
  const out: Obj = {}
  for (const k of strKeys) if (typeof o[k] === 'string') out[k] = o[k]
  for (const k of numKeys) if (typeof o[k] === 'number') out[k] = o[k]
  return out
}

/**
 * Parse the output of `nft -j list ruleset|tables|table ...`. Throws an Error saying what is wrong
 * when it is not nft's JSON; elements other than tables, chains and rules (sets, maps, metainfo)
 * are skipped.
 */
export function parseNftJson(text: string): NftRuleset {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`, {cause: err})
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new Error('no "nftables" array')
  const out: NftRuleset = {tables: [], chains: [], rules: []}
  for (const item of doc.nftables as unknown[]) {
    if (!isObj(item)) continue
    if (isObj(item.table)) {
      const t = strings(item.table, ['family', 'name'])
      if (t) out.tables.push({family: t.family, name: t.name})
    } else if (isObj(item.chain)) {
      const c = strings(item.chain, ['family', 'table', 'name'])
      if (c)
        out.chains.push({family: c.family, table: c.table, name: c.name, ...optional(item.chain, ['type', 'hook', 'policy'], ['prio'])})
    } else if (isObj(item.rule)) {
      const r = strings(item.rule, ['family', 'table', 'chain'])
      const expr = item.rule.expr
      if (!r || !Array.isArray(expr) || !expr.every(isObj)) throw new Error('a rule without family, table, chain or expr')
      out.rules.push({
        family: r.family,
        table: r.table,
        chain: r.chain,
        handle: typeof item.rule.handle === 'number' ? item.rule.handle : 0,
        ...(typeof item.rule.comment === 'string' ? {comment: item.rule.comment} : {}),
        expr,
      })
    }
  }
  return out
}

/** In netops's own table `ip netops_metadata`. */
export function isOurs(x: {family: string; table: string}): boolean {
  return x.family === NFT_FAMILY && x.table === NFT_TABLE
}

export function hasOurTable(ruleset: NftRuleset): boolean {
  return ruleset.tables.some((t) => isOurs({family: t.family, table: t.name}))
}

/** The match expressions of a rule: [left, op, right]. */
function matches(rule: NftRule): Array<{left: Obj; op: string; right: unknown}> {
  const out: Array<{left: Obj; op: string; right: unknown}> = []
  for (const e of rule.expr) {
    const m = e.match
    if (isObj(m) && isObj(m.left) && typeof m.op === 'string') out.push({left: m.left, op: m.op, right: m.right})
  }
  return out
}

function payloadField(left: Obj): string | undefined {
  return isObj(left.payload) && typeof left.payload.field === 'string' ? left.payload.field : undefined
}

/** Whether a match's right-hand side (a value, a set, a prefix or a range) takes in `value`. */
function covers(right: unknown, value: string | number): boolean {
  if (right === value) return true
  if (Array.isArray(right)) return right.some((r) => covers(r, value))
  if (!isObj(right)) return false
  if (Array.isArray(right.set)) return right.set.some((r) => covers(r, value))
  const p = right.prefix
  if (isObj(p) && typeof p.addr === 'string' && typeof p.len === 'number' && typeof value === 'string')
    return inNetworkV4(value, p.addr, p.len)
  const r = right.range
  if (Array.isArray(r) && typeof value === 'number' && typeof r[0] === 'number' && typeof r[1] === 'number')
    return r[0] <= value && value <= r[1]
  return false
}

/** The NAT statement of a rule: native `dnat`/`redirect`, or iptables-nft's `xt` target DNAT/REDIRECT. */
function natStatement(rule: NftRule): boolean {
  return rule.expr.some((e) => {
    if ('dnat' in e || 'redirect' in e) return true
    const xt = e.xt
    return isObj(xt) && xt.type === 'target' && (xt.name === 'DNAT' || xt.name === 'REDIRECT')
  })
}

/**
 * A NAT of 169.254.169.254 port 80: a `daddr` match taking in the metadata address, no `dport`
 * match that leaves port 80 out (like an iptables rule without --dport), and a DNAT or REDIRECT.
 */
export function isMetadataNat(rule: NftRule): boolean {
  const ms = matches(rule).filter((m) => m.op === '==' || m.op === 'in')
  const daddr = ms.some((m) => payloadField(m.left) === 'daddr' && covers(m.right, METADATA_ADDRESS))
  const dports = ms.filter((m) => payloadField(m.left) === 'dport')
  return daddr && dports.every((m) => covers(m.right, METADATA_PORT)) && natStatement(rule)
}

/** A rule made by iptables-nft (it carries `xt` expressions). */
export function usesXt(rule: NftRule): boolean {
  return rule.expr.some((e) => 'xt' in e)
}

/** The expressions of netops's rule as nft -j prints them back (see plan.ts nftAddCommands). */
export function ourRuleExpr(mode: RedirectMode, target: RedirectTarget, bridge: string | null): NftExpr[] {
  const match = (left: Obj, right: string | number): NftExpr => ({match: {op: '==', left, right}})
  return [
    ...(bridge === null ? [] : [match({meta: {key: 'iifname'}}, bridge)]),
    match({payload: {protocol: 'ip', field: 'daddr'}}, METADATA_ADDRESS),
    match({payload: {protocol: 'tcp', field: 'dport'}}, METADATA_PORT),
    mode === 'redirect' ? {redirect: {port: target.port}} : {dnat: {addr: target.host, port: target.port}},
  ]
}

/** Our table holds exactly our chain (nat, prerouting, dstnat - 10, accept) and exactly `want`, nothing else. */
export function ourTableIsUpToDate(ruleset: NftRuleset, want: NftExpr[]): boolean {
  const chains = ruleset.chains.filter(isOurs)
  const rules = ruleset.rules.filter(isOurs)
  const [chain] = chains
  const [rule] = rules
  return (
    hasOurTable(ruleset) &&
    chains.length === 1 &&
    chain?.name === OUR_CHAIN &&
    chain.type === 'nat' &&
    chain.hook === 'prerouting' &&
    chain.prio === OUR_PRIORITY &&
    chain.policy === 'accept' &&
    rules.length === 1 &&
    rule?.chain === OUR_CHAIN &&
    rule.comment === RULE_COMMENT &&
    isDeepStrictEqual(rule.expr, want)
  )
}

/** Whether the ruleset holds a rule of ours with exactly these expressions. */
export function hasOurRule(ruleset: NftRuleset, want: NftExpr[]): boolean {
  return ruleset.rules.some((r) => isOurs(r) && isDeepStrictEqual(r.expr, want))
}

/* ------------------------------------------------------------------ describing rules */

const INTERFACE_KEYS = new Set(['iifname', 'oifname', 'iif', 'oif'])

function describeLeft(left: Obj): string {
  const p = left.payload
  if (isObj(p) && typeof p.protocol === 'string' && typeof p.field === 'string') return `${p.protocol} ${p.field}`
  const m = left.meta
  if (isObj(m) && typeof m.key === 'string') return INTERFACE_KEYS.has(m.key) ? m.key : `meta ${m.key}`
  return JSON.stringify(left)
}

function describeValue(v: unknown, quote: boolean): string {
  if (typeof v === 'string') return quote ? `"${v}"` : v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (isObj(v)) {
    if (Array.isArray(v.set)) return `{ ${v.set.map((x) => describeValue(x, quote)).join(', ')} }`
    if (isObj(v.prefix)) return `${describeValue(v.prefix.addr, false)}/${describeValue(v.prefix.len, false)}`
    if (Array.isArray(v.range)) return v.range.map((x) => describeValue(x, quote)).join('-')
  }
  return JSON.stringify(v)
}

function describeExpr(e: NftExpr): string | undefined {
  const [key, v] = Object.entries(e)[0] ?? ['', undefined]
  const o: Obj = isObj(v) ? v : {}
  switch (key) {
    case 'match': {
      const left = isObj(o.left) ? o.left : {}
      const op = o.op === '==' || o.op === 'in' ? '' : `${String(o.op)} `
      const quote = isObj(left.meta) && INTERFACE_KEYS.has(String(left.meta.key))
      return `${describeLeft(left)} ${op}${describeValue(o.right, quote)}`
    }
    case 'counter':
      return undefined // counters change with traffic: left out, like `nft list` without -a
    case 'dnat':
      return `dnat ${typeof o.family === 'string' ? `${o.family} ` : ''}to ${describeValue(o.addr, false)}${o.port === undefined ? '' : `:${describeValue(o.port, false)}`}`
    case 'redirect':
      return o.port === undefined ? 'redirect' : `redirect to :${describeValue(o.port, false)}`
    case 'xt':
      return `xt ${String(o.type)} "${String(o.name)}"`
    case 'jump':
    case 'goto':
      return `${key} ${String(o.target)}`
    default:
      return v === null ? key : `${key} ${JSON.stringify(v)}`
  }
}

/** A rule in nft's own words (`iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 redirect to :8807`). */
export function describeNftRule(rule: Pick<NftRule, 'expr' | 'comment'>): string {
  const parts = rule.expr.map(describeExpr).filter((s): s is string => s !== undefined)
  if (rule.comment !== undefined) parts.push(`comment "${rule.comment}"`)
  return parts.join(' ')
}
