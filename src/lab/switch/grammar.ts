/**
 * A small Cisco-style command grammar: keyword trees where any unique prefix of a keyword is
 * accepted (`sh int st` = `show interfaces status`), typed arguments (numbers with a range,
 * words, the rest of the line, interface names), and the three failure kinds the CLI reports:
 * invalid input at a character position (for the caret), ambiguous prefix, incomplete command.
 */
import {commonPrefix, parseInterfaceRef} from './ports.js'
import type {PlatformName} from '../../platforms/types.js'

export interface Token {
  text: string
  start: number
}

export type Args = Record<string, string | number>

export interface ArgSpec<H> {
  name: string
  kind: 'int' | 'word' | 'rest' | 'iface'
  min?: number
  max?: number
  next: GrammarNode<H>
}

export interface GrammarNode<H> {
  kw?: Record<string, GrammarNode<H>>
  arg?: ArgSpec<H>
  run?: H
}

export type MatchResult<H> =
  | {ok: true; run: H; args: Args}
  | {ok: false; error: 'invalid'; pos: number; range?: [number, number]}
  | {ok: false; error: 'ambiguous'; pos: number}
  | {ok: false; error: 'incomplete'}

export function tokenize(line: string): Token[] {
  const out: Token[] = []
  const re = /\S+/g
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({text: m[0], start: m.index})
  return out
}

/** Match `line` (already without any `| filter`) against the tree. */
export function match<H>(
  root: GrammarNode<H>,
  line: string,
  platform: PlatformName,
  portExists: (name: string) => boolean = () => true,
): MatchResult<H> {
  const toks = tokenize(line)
  const args: Args = {}
  let node = root
  let i = 0
  while (i < toks.length) {
    const t = toks[i]!
    const lower = t.text.toLowerCase()
    const kws = node.kw ? Object.keys(node.kw) : []
    const exact = kws.find((k) => k === lower)
    const cands = exact !== undefined ? [exact] : kws.filter((k) => k.startsWith(lower))
    if (cands.length === 1) {
      node = node.kw![cands[0]!]!
      i++
      continue
    }
    if (cands.length > 1 && !node.arg) return {ok: false, error: 'ambiguous', pos: t.start}
    const a = node.arg
    if (a) {
      if (a.kind === 'rest') {
        args[a.name] = line.slice(t.start).trimEnd()
        node = a.next
        i = toks.length
        continue
      }
      if (a.kind === 'word') {
        args[a.name] = t.text
        node = a.next
        i++
        continue
      }
      if (a.kind === 'int') {
        if (/^\d+$/.test(t.text)) {
          const n = Number(t.text)
          if ((a.min !== undefined && n < a.min) || (a.max !== undefined && n > a.max)) {
            return {ok: false, error: 'invalid', pos: t.start, range: [a.min ?? 0, a.max ?? n]}
          }
          args[a.name] = n
          node = a.next
          i++
          continue
        }
        if (cands.length > 1) return {ok: false, error: 'ambiguous', pos: t.start}
        return {ok: false, error: 'invalid', pos: t.start + (/^\d*/.exec(t.text)?.[0].length ?? 0)}
      }
      // iface: may span two tokens (`gi 1/0/19`)
      const rest = line.slice(t.start)
      const r = parseInterfaceRef(platform, rest)
      if (r.ok && !portExists(r.type.long + r.numbers)) {
        return {ok: false, error: 'invalid', pos: t.start + r.length - r.numbers.length}
      }
      if (r.ok) {
        args[a.name] = r.type.long + r.numbers
        const end = t.start + r.length
        while (i < toks.length && toks[i]!.start < end) i++
        node = a.next
        continue
      }
      if (cands.length > 1) return {ok: false, error: 'ambiguous', pos: t.start}
      let best = 0
      for (const k of kws) best = Math.max(best, commonPrefix(k, lower))
      return {ok: false, error: 'invalid', pos: t.start + Math.max(best, r.offset)}
    }
    let best = 0
    for (const k of kws) best = Math.max(best, commonPrefix(k, lower))
    return {ok: false, error: 'invalid', pos: t.start + best}
  }
  if (node.run === undefined) return {ok: false, error: 'incomplete'}
  return {ok: true, run: node.run, args}
}

/** Builder helpers so trees read like the CLI. */
export function kw<H>(children: Record<string, GrammarNode<H>>, run?: H): GrammarNode<H> {
  return run === undefined ? {kw: children} : {kw: children, run}
}

export function leaf<H>(run: H): GrammarNode<H> {
  return {run}
}

export function arg<H>(spec: Omit<ArgSpec<H>, 'next'>, next: GrammarNode<H>): GrammarNode<H> {
  return {arg: {...spec, next}}
}

/**
 * Context help (`?`): what may come next after `line`. With a partial last word, the keywords it
 * starts; otherwise every keyword of the node reached, the argument placeholder and `<cr>`.
 */
export function helpAt<H>(root: GrammarNode<H>, line: string, platform: PlatformName): {partial: boolean; words: string[]} | undefined {
  const toks = tokenize(line)
  const partial = line.length > 0 && !/\s$/.test(line)
  const walk = partial ? toks.slice(0, -1) : toks
  let node: GrammarNode<H> | undefined = root
  for (let i = 0; i < walk.length && node; i++) {
    const t = walk[i]!
    const lower = t.text.toLowerCase()
    const kws: string[] = node.kw ? Object.keys(node.kw) : []
    const exact = kws.find((k) => k === lower)
    const cands = exact !== undefined ? [exact] : kws.filter((k) => k.startsWith(lower))
    if (cands.length === 1) node = node.kw![cands[0]!]
    else if (node.arg?.kind === 'rest') return {partial, words: []}
    else if (node.arg && node.arg.kind !== 'iface') node = node.arg.next
    else if (node.arg?.kind === 'iface' && parseInterfaceRef(platform, t.text).ok) node = node.arg.next
    else return undefined
  }
  if (!node) return undefined
  const kws = Object.keys(node.kw ?? {}).sort()
  if (partial) {
    const last = toks.at(-1)!.text.toLowerCase()
    return {partial, words: kws.filter((k) => k.startsWith(last))}
  }
  const words = [...kws]
  if (node.arg) {
    const a = node.arg
    words.push(
      a.kind === 'int'
        ? `<${a.min ?? 0}-${a.max ?? 65535}>`
        : a.kind === 'iface'
          ? platform === 'nxos'
            ? 'ethernet'
            : 'GigabitEthernet'
          : a.kind === 'rest'
            ? 'LINE'
            : 'WORD',
    )
  }
  if (node.run !== undefined) words.push('<cr>')
  return {partial, words}
}
