import type {FlavorResponse} from '../types.js'

/** Every document one flavour serves to one VM: request path → response. Absent = 404. */
export type Documents = Map<string, FlavorResponse>

const TEXT = 'text/plain; charset=utf-8'
export const JSON_TYPE = 'application/json'
export const OCTETS = 'application/octet-stream'
export const YAML_TYPE = 'text/yaml; charset=utf-8'

const NOT_FOUND: FlavorResponse = Object.freeze({status: 404, contentType: TEXT, body: 'Not Found\n'})

export function ok(body: string | Buffer, contentType = TEXT): FlavorResponse {
  return {status: 200, contentType, body}
}

/** Look a path up in a document set; a miss is a 404, never a 5xx. */
export function lookup(docs: Documents, path: string): FlavorResponse {
  return docs.get(path) ?? NOT_FOUND
}

/**
 * An EC2-style directory. `entries` are served under `<dir>/<name>`; `listing` overrides the
 * lines the directory lists (public-keys lists `0=name` while serving `0/openssh-key`).
 */
export interface Dir {
  entries: Map<string, TreeNode>
  listing?: string[]
}
/** A node of an EC2-style metadata tree: a leaf (its text) or a directory. */
export type TreeNode = string | Dir

export function dir(entries: Array<[string, TreeNode | undefined]>, listing?: string[]): Dir {
  const map = new Map<string, TreeNode>()
  for (const [k, v] of entries) if (v !== undefined) map.set(k, v)
  return listing === undefined ? {entries: map} : {entries: map, listing}
}

function isDir(node: TreeNode): node is Dir {
  return typeof node !== 'string'
}

/** A directory's listing: children that are directories end in `/`; every line names something served. */
function listingOf(d: Dir): string {
  const lines = d.listing ?? [...d.entries].map(([name, node]) => (isDir(node) ? `${name}/` : name))
  return lines.join('\n')
}

/**
 * Serve a tree at `base` (no trailing slash): each directory with and without its slash,
 * each leaf without a slash.
 */
export function addTree(docs: Documents, base: string, node: TreeNode, leafType = TEXT): void {
  if (!isDir(node)) {
    docs.set(base, ok(node, leafType))
    return
  }
  const listing = ok(listingOf(node))
  docs.set(base, listing)
  docs.set(base + '/', listing)
  for (const [name, child] of node.entries) addTree(docs, `${base}/${name}`, child, leafType)
}

export function json(value: unknown): FlavorResponse {
  return ok(JSON.stringify(value), JSON_TYPE)
}

/** Split an address in CIDR form into address and prefix length. */
export function splitCidr(cidr: string): {address: string; prefix: number; v6: boolean} {
  const [address = '', prefix = ''] = cidr.split('/')
  const v6 = address.includes(':')
  return {address, prefix: prefix === '' ? (v6 ? 128 : 32) : Number(prefix), v6}
}

export function netmaskV4(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.')
}

/** The network address of a v4 CIDR (10.1.0.5/24 → 10.1.0.0/24). */
export function networkV4(cidr: string): string {
  const {address, prefix} = splitCidr(cidr)
  const n = address.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0)
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const net = (n & mask) >>> 0
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${prefix}`
}

/** Expand a v6 address to 8 groups of 16 bits. */
export function v6Groups(address: string): number[] {
  let text = address
  const tail: number[] = []
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number)
    tail.push(((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0))
    text = text.slice(0, -v4[1].length).replace(/:$/, ':0').replace(/::0$/, '::')
    if (text.endsWith(':0') && !text.endsWith('::0')) text = text.slice(0, -2)
  }
  const [head = '', rest] = text.split('::')
  const h = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16))
  const r = rest === undefined || rest === '' ? [] : rest.split(':').map((g) => parseInt(g, 16))
  const fill = 8 - tail.length - h.length - r.length
  return rest === undefined ? [...h, ...tail] : [...h, ...new Array<number>(Math.max(fill, 0)).fill(0), ...r, ...tail]
}

export function networkV6(cidr: string): string {
  const {address, prefix} = splitCidr(cidr)
  const g = v6Groups(address)
  const out = g.map((value, i) => {
    const lo = i * 16
    if (prefix >= lo + 16) return value
    if (prefix <= lo) return 0
    const keep = prefix - lo
    return value & ((0xffff << (16 - keep)) & 0xffff)
  })
  return `${compressV6(out)}/${prefix}`
}

export function compressV6(groups: number[]): string {
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < groups.length && groups[j] === 0) j++
    if (j - i > bestLen && j - i > 1) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}
