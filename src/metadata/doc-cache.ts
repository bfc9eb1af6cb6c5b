import {answeredAs, flavorDocuments, renderAllDocuments} from './documents.js'
import type {Documents} from './flavors/common.js'
import {MemoryStore} from './store.js'
import type {FlavorContext, FlavorName, Instance, InstanceInterface} from './types.js'
import {EC2_VERSIONS} from './flavors/ec2.js'
import {OPENSTACK_VERSIONS} from './flavors/openstack.js'

/**
 * What the server answers for one path of one VM. Every document is served with
 * `content-type`, `content-length` (= body.length) and `cache-control: no-store`, nothing else,
 * so the transports build the headers from these fields.
 */
export interface Doc {
  status: number
  flavor: FlavorName
  contentType: string
  body: Buffer
}

const OLD_EC2 = EC2_VERSIONS.filter((v) => v !== 'latest' && v !== '2021-03-23')
const OLD_EC2_RE = new RegExp(`^/(?:${OLD_EC2.join('|')})(?=/|$)`)
const OLD_OPENSTACK_RE = new RegExp(`^/openstack/(?:${OPENSTACK_VERSIONS.filter((v) => v !== 'latest').join('|')})(?=/|$)`)

/**
 * Where a document may be stored instead: a dated version's in the canonical tree (/2021-03-23,
 * /openstack/latest), a directory's without its trailing slash. Only used when both answer the same.
 */
export function canonicalPath(path: string): string {
  let p = path
  if (p.startsWith('/20')) p = p.replace(OLD_EC2_RE, '/2021-03-23')
  else if (p.startsWith('/openstack/20')) p = p.replace(OLD_OPENSTACK_RE, '/openstack/latest')
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p
}

/** Status, flavour and content type of a document: a handful per snapshot, shared by every entry. */
type Kind = Omit<Doc, 'body'>

/** A body as a flavour renders it (a string is served UTF-8 encoded). */
type Body = string | Buffer

/**
 * The layout shared by every VM whose documents have the same paths and kinds: which entry answers
 * a path, and each entry's kind. Paths under a NIC's MAC (EC2 `macs/<mac>/…`) are kept with the MAC
 * written as its NIC's number, so VMs with as many NICs share one shape. Dated versions that answer
 * like their canonical tree point at the canonical entry.
 */
interface Shape {
  /** Paths without a MAC in them → entry. */
  paths: Map<string, number>
  /** Paths with a MAC, as nicTemplate writes them → entry. */
  nicPaths: Map<string, number>
  kinds: Kind[]
  /** Per entry, up to SHARED_PER_ENTRY answers seen; a VM answering the same refers to one. */
  shared: Array<Array<{src: Body; doc: Doc}>>
  /** What it was made of (see layoutOf), to tell whether the next VM fits it without a key. */
  layout: Layout
}

/** One VM's documents as rendered: entries (path, kind, body) and aliases (path → canonical path), MACs templated. */
interface Layout {
  templated: boolean
  paths: string[]
  kinds: number[]
  bodies: Body[]
  /** Alias path, its canonical path, alias path, … */
  aliases: string[]
}

/**
 * A few shared answers per entry catch what is the same for many VMs (listings, a profile's
 * user-data, a zone) without keeping one candidate per VM for what is different (instance-id).
 */
const SHARED_PER_ENTRY = 4
/** Bodies live in slabs of this size (exact-size copies, no 8 KiB pool slabs kept alive). */
const SLAB_BYTES = 256 * 1024
/** Entry tables live in chunks of this many int32 (two per entry: offset, length). */
const TABLE_INTS = 64 * 1024
const SLASH = 0x2f
/** Up to this many shapes (profiles × NIC counts…) a VM is matched against each without building its key. */
const FEW_SHAPES = 8

/** One object layout for every Doc handed out (shared or not): the server's property reads stay monomorphic. */
function docOf(k: Kind, body: Buffer): Doc {
  return {status: k.status, flavor: k.flavor, contentType: k.contentType, body}
}

/** Same bytes? (Unequal strings that encode alike only cost a second copy.) */
function sameBody(a: Body, b: Body): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b
  return (typeof a === 'string' ? Buffer.from(a) : a).equals(typeof b === 'string' ? Buffer.from(b) : b)
}

function byteLength(b: Body): number {
  return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length
}

/** Whether a flavour after `k` answers `path` (it wins: see FLAVOR_ORDER). */
function answeredLater(sets: Documents[], k: number, path: string): boolean {
  for (let j = k + 1; j < sets.length; j++) if (sets[j]!.has(path)) return true
  return false
}

/** The NICs whose MACs can stand for themselves in paths (distinct, one path segment each), else none. */
function nicsOf(instance: Instance): readonly InstanceInterface[] {
  const macs = instance.interfaces.map((n) => n.mac)
  const fit = macs.every((m, i) => m !== '' && !m.includes('/') && !m.includes('\0') && macs.indexOf(m) === i)
  return fit ? instance.interfaces : []
}

/**
 * `path` with every segment that is one of the NICs' MACs written as NUL + the NIC's index;
 * undefined when it has none. One-to-one on paths without a NUL (no request path has one:
 * normalizePath refuses them).
 */
function nicTemplate(path: string, nics: readonly InstanceInterface[]): string | undefined {
  let out: string | undefined
  for (let i = 0; i < nics.length; i++) {
    const mac = nics[i]!.mac
    let from = 0
    for (;;) {
      const s = out ?? path
      const at = s.indexOf(mac, from)
      if (at < 0) break
      const end = at + mac.length
      if (s.charCodeAt(at - 1) === SLASH && (end === s.length || s.charCodeAt(end) === SLASH)) {
        const mark = `\0${i}`
        out = s.slice(0, at) + mark + s.slice(end)
        from = at + mark.length
      } else from = at + 1
    }
  }
  return out
}

function sameLayout(a: Layout, b: Layout): boolean {
  if (a.templated !== b.templated || a.paths.length !== b.paths.length || a.aliases.length !== b.aliases.length) return false
  for (let i = 0; i < a.paths.length; i++) if (a.kinds[i] !== b.kinds[i] || a.paths[i] !== b.paths[i]) return false
  for (let i = 0; i < a.aliases.length; i++) if (a.aliases[i] !== b.aliases[i]) return false
  return true
}

/**
 * One immutable view of the inventory: the records, and each VM's documents, rendered on the VM's
 * first lookup (or by `prewarm`) and then kept. A reload builds a new snapshot (a cheap swap; no
 * request waits for 10,000 VMs to be rendered).
 *
 * Kept compactly (10,000 VMs × ~65 distinct documents): per VM no JS object at all, only two int32
 * per entry in a table chunk (offset and length of its body in a slab, or which shared answer it
 * is) and its own bodies packed together in a slab. Paths, kinds and shared answers live once per
 * Shape. Rendering goes from the flavours' strings straight into the slab, so it leaves little
 * garbage (young-generation space is resident memory too).
 */
export class DocumentSnapshot {
  readonly store: MemoryStore
  private readonly order: readonly Instance[]
  private readonly launchIndex: Map<Instance, number>
  /** Per VM (launch index): its shape's number + 1, 0 = not rendered yet. */
  private readonly shapeOf: Int32Array
  /** Per VM: the table chunk and the offset in it of its entries. */
  private readonly tableChunk: Int32Array
  private readonly tableAt: Int32Array
  /** Per VM: the slab holding its own bodies. */
  private readonly slabOf: Int32Array
  private readonly shapes: Shape[] = []
  private readonly shapeByKey = new Map<string, number>()
  private lastShape = -1
  private readonly kinds: Kind[] = []
  private readonly tables: Int32Array[] = []
  private tableUsed = 0
  private readonly slabs: Buffer[] = []
  private slabUsed = 0
  private rendered = 0
  private next = 0

  constructor(
    readonly version: number,
    instances: readonly Instance[],
    private readonly ctx: FlavorContext = {},
  ) {
    this.store = new MemoryStore(instances)
    this.order = this.store.all()
    this.launchIndex = new Map(this.order.map((instance, i) => [instance, i]))
    const n = this.order.length
    this.shapeOf = new Int32Array(n)
    this.tableChunk = new Int32Array(n)
    this.tableAt = new Int32Array(n)
    this.slabOf = new Int32Array(n)
  }

  /** The document this VM gets for a normalised path (dated versions answer from their canonical tree). */
  lookup(instance: Instance, path: string): Doc | undefined {
    const vm = this.launchIndex.get(instance)
    if (vm === undefined) return this.foreign(instance, path)
    if (this.shapeOf[vm] === 0) this.render(vm)
    const shape = this.shapes[this.shapeOf[vm]! - 1]!
    const e = shape.paths.get(path) ?? this.entryOf(shape, instance, path)
    if (e === undefined) return undefined
    const table = this.tables[this.tableChunk[vm]!]!
    const at = this.tableAt[vm]! + 2 * e
    const off = table[at]!
    if (off < 0) return shape.shared[e]![-off - 1]!.doc
    return docOf(shape.kinds[e]!, this.slabs[this.slabOf[vm]!]!.subarray(off, off + table[at + 1]!))
  }

  /** VMs whose documents are rendered, of all VMs. */
  warm(): {rendered: number; total: number} {
    return {rendered: this.rendered, total: this.order.length}
  }

  /** Render VMs in inventory order until `deadline` (performance.now()); true when all are rendered. */
  prewarm(deadline: number): boolean {
    while (this.next < this.order.length && performance.now() < deadline) {
      const vm = this.launchIndex.get(this.order[this.next++]!)!
      if (this.shapeOf[vm] === 0) this.render(vm)
    }
    return this.next >= this.order.length
  }

  /** The entry of a path that is not a plain hit: under a MAC, or in a dated version / with a slash. */
  private entryOf(shape: Shape, instance: Instance, path: string): number | undefined {
    // no request path has a NUL (normalizePath): one here would be ambiguous with the MAC templates
    const nics = shape.nicPaths.size > 0 && !path.includes('\0') ? instance.interfaces : []
    const viaNic = (p: string) => {
      const t = nicTemplate(p, nics)
      return t === undefined ? undefined : shape.nicPaths.get(t)
    }
    const e = viaNic(path)
    if (e !== undefined) return e
    const canonical = canonicalPath(path)
    return canonical === path ? undefined : (shape.paths.get(canonical) ?? viaNic(canonical))
  }

  /** An instance of no record of this snapshot: answered, not kept. */
  private foreign(instance: Instance, path: string): Doc | undefined {
    const all = renderAllDocuments(instance, {...this.ctx, launchIndex: 0})
    const p = all.get(path) ?? all.get(canonicalPath(path))
    return p === undefined ? undefined : {status: p.status, flavor: p.flavor, contentType: String(p.headers['content-type']), body: p.body}
  }

  private kindOf(status: number, flavor: FlavorName, contentType: string): number {
    // a handful of kinds: a scan compares interned constants, no key string per document
    for (let i = 0; i < this.kinds.length; i++) {
      const k = this.kinds[i]!
      if (k.status === status && k.flavor === flavor && k.contentType === contentType) return i
    }
    this.kinds.push({status, flavor, contentType})
    return this.kinds.length - 1
  }

  /**
   * One VM's documents as renderAllDocuments has them, without its Buffers: a later flavour wins a
   * path; a dated (or slash-ended) path answering exactly like its canonical path is an alias.
   */
  private layoutOf(instance: Instance, vm: number): Layout {
    const sets = flavorDocuments(instance, {...this.ctx, launchIndex: vm})
    let nics = nicsOf(instance)
    if (nics.length > 0) for (const docs of sets) for (const path of docs.keys()) if (path.includes('\0')) nics = [] // templates would be ambiguous
    const layout: Layout = {templated: nics.length > 0, paths: [], kinds: [], bodies: [], aliases: []}
    for (let k = 0; k < sets.length; k++) {
      for (const [path, r] of sets[k]!) {
        if (answeredLater(sets, k, path)) continue
        const t = nicTemplate(path, nics) ?? path
        const canonical = canonicalPath(path)
        if (canonical !== path && !answeredLater(sets, k, canonical)) {
          const target = sets[k]!.get(canonical)
          if (
            target !== undefined &&
            (target === r || (target.status === r.status && target.contentType === r.contentType && sameBody(target.body, r.body)))
          ) {
            layout.aliases.push(t, nicTemplate(canonical, nics) ?? canonical)
            continue
          }
        }
        layout.paths.push(t)
        layout.kinds.push(this.kindOf(r.status, answeredAs(sets, k, path), r.contentType))
        layout.bodies.push(r.body)
      }
    }
    return layout
  }

  /** The shape for a layout: the last VM's or another of a few when it fits (no key to build), else by key, else a new one. */
  private shapeFor(layout: Layout): number {
    const last = this.shapes[this.lastShape]
    if (last !== undefined && sameLayout(last.layout, layout)) return this.lastShape
    if (this.shapes.length <= FEW_SHAPES) {
      const s = this.shapes.findIndex((shape) => sameLayout(shape.layout, layout))
      if (s >= 0) return (this.lastShape = s)
    }
    let key = layout.templated ? 'nic' : 'raw'
    layout.paths.forEach((p, i) => (key += `\n${layout.kinds[i]!},${p.length},${p}`))
    for (const a of layout.aliases) key += `\n-1,${a.length},${a}`
    let s = this.shapeByKey.get(key)
    if (s === undefined) {
      s = this.shapes.length
      this.shapes.push(this.newShape(layout))
      this.shapeByKey.set(key, s)
    }
    this.lastShape = s
    return s
  }

  private newShape(layout: Layout): Shape {
    const entries = new Map<string, number>()
    layout.paths.forEach((path, e) => entries.set(path, e))
    const aliases = new Map<string, string>()
    for (let i = 0; i < layout.aliases.length; i += 2) aliases.set(layout.aliases[i]!, layout.aliases[i + 1]!)
    // through any alias in between (`/2009-04-04/x/` → `/2021-03-23/x/` → `/2021-03-23/x`)
    const resolve = (path: string): number | undefined => entries.get(path) ?? (aliases.has(path) ? resolve(aliases.get(path)!) : undefined)
    for (const [path, canonical] of aliases) {
      const e = resolve(canonical)
      if (e !== undefined) entries.set(path, e)
    }
    const shape: Shape = {
      paths: new Map(),
      nicPaths: new Map(),
      kinds: layout.kinds.map((k) => this.kinds[k]!),
      shared: layout.paths.map(() => []),
      // the bodies are this VM's: not kept
      layout: {...layout, bodies: []},
    }
    for (const [path, e] of entries) (layout.templated && path.includes('\0') ? shape.nicPaths : shape.paths).set(path, e)
    return shape
  }

  /** Render one VM's documents into the compact form. */
  private render(vm: number): void {
    const layout = this.layoutOf(this.order[vm]!, vm)
    const s = this.shapeFor(layout)
    const shape = this.shapes[s]!
    const bodies = layout.bodies
    // each entry: a shared answer, or a body of this VM (bodies it repeats are kept once)
    const at = this.tableFor(2 * bodies.length)
    const table = this.tables[this.tables.length - 1]!
    const own: Body[] = []
    const ownAt: number[] = []
    const ownLength: number[] = []
    let size = 0
    for (let e = 0; e < bodies.length; e++) {
      const body = bodies[e]!
      const shared = shape.shared[e]!
      let c = 0
      while (c < shared.length && !sameBody(shared[c]!.src, body)) c++
      if (c === shared.length && c < SHARED_PER_ENTRY) {
        const doc = docOf(shape.kinds[e]!, this.keep(body))
        // compare strings with strings; never keep a renderer's Buffer (it may be a slice of a pool slab)
        shared.push({src: typeof body === 'string' ? body : doc.body, doc})
      }
      if (c < shared.length) {
        table[at + 2 * e] = -c - 1
        continue
      }
      let i = 0
      while (i < own.length && !sameBody(own[i]!, body)) i++
      if (i === own.length) {
        own.push(body)
        ownAt.push(size)
        ownLength.push(byteLength(body))
        size += ownLength[i]!
      }
      table[at + 2 * e] = ownAt[i]! // within the VM's block until the block is placed
      table[at + 2 * e + 1] = ownLength[i]!
    }
    const base = this.reserve(size)
    const slab = this.slabs[this.slabs.length - 1]!
    own.forEach((b, i) => write(b, slab, base + ownAt[i]!))
    for (let e = 0; e < bodies.length; e++) {
      const o = table[at + 2 * e]!
      if (o >= 0) table[at + 2 * e] = o + base
    }

    this.tableChunk[vm] = this.tables.length - 1
    this.tableAt[vm] = at
    this.slabOf[vm] = this.slabs.length - 1
    this.shapeOf[vm] = s + 1
    this.rendered++
  }

  /** Offset of `ints` free int32 in the current table chunk (a new chunk when full). */
  private tableFor(ints: number): number {
    if (this.tableUsed + ints > (this.tables[this.tables.length - 1]?.length ?? 0)) {
      this.tables.push(new Int32Array(Math.max(TABLE_INTS, ints)))
      this.tableUsed = 0
    }
    const at = this.tableUsed
    this.tableUsed += ints
    return at
  }

  /** Offset of `bytes` free bytes in the current slab (a new slab when full). */
  private reserve(bytes: number): number {
    if (this.slabUsed + bytes > (this.slabs[this.slabs.length - 1]?.length ?? 0)) {
      this.slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes)))
      this.slabUsed = 0
    }
    const at = this.slabUsed
    this.slabUsed += bytes
    return at
  }

  /** A copy of a body in the slabs (shared answers). */
  private keep(body: Body): Buffer {
    const length = byteLength(body)
    const at = this.reserve(length)
    const slab = this.slabs[this.slabs.length - 1]!
    write(body, slab, at)
    return slab.subarray(at, at + length)
  }
}

/** Put a body's bytes at `at` (UTF-8 for a string, as prebuild encodes it). */
function write(body: Body, slab: Buffer, at: number): void {
  if (typeof body === 'string') slab.write(body, at, 'utf8')
  else body.copy(slab, at)
}
