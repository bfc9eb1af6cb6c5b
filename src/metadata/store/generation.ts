import {createHash} from 'node:crypto'
import {parseDocument, stringify} from 'yaml'
import {InputError} from '../../errors.js'
import {parseInventory, readInventorySource, type LoadedInventory, type RawDoc} from '../inventory.js'
import type {Instance} from '../types.js'

/**
 * One generation of the inventory as it is stored: the profiles as written, and per instance its
 * validated record (what a replica serves) and its source (what pull writes back). Pure: building,
 * digest, diff, batching and the YAML of a pull; etcd.ts moves it in and out of the store.
 */

export interface StoredInstance {
  /** Place in the inventory (the OpenStack launch index, the order pull writes). */
  index: number
  /** The instance mapping as written in the inventory. */
  source: Record<string, unknown>
  /** The validated instance, without `source` (a file position means nothing once stored). */
  record: Instance
}

export interface Generation {
  profiles: Record<string, unknown>
  /** In inventory order. */
  instances: StoredInstance[]
}

export interface PreparedInventory {
  generation: Generation
  loaded: LoadedInventory
}

/** Validate an inventory file or directory exactly as `metadata validate` does, and keep what was written. */
export async function prepareInventory(path: string): Promise<PreparedInventory> {
  return prepareDocs(await readInventorySource(path))
}

/** Same as prepareInventory, over documents already read. Throws InventoryError (with file:line:column) when invalid. */
export function prepareDocs(docs: readonly RawDoc[]): PreparedInventory {
  const loaded = parseInventory(docs)
  const profiles: Record<string, unknown> = {}
  const sources: Array<Record<string, unknown>> = []
  for (const d of docs) {
    // valid (parseInventory did not throw): each document is empty or a mapping of profiles/instances
    const root = parseDocument(d.text, {uniqueKeys: true}).toJS() as {profiles?: unknown; instances?: unknown} | null
    if (root?.profiles && typeof root.profiles === 'object') Object.assign(profiles, root.profiles)
    if (Array.isArray(root?.instances)) sources.push(...(root.instances as Array<Record<string, unknown>>))
  }
  if (sources.length !== loaded.instances.length)
    throw new Error(`inventory read twice gave ${sources.length} and ${loaded.instances.length} instances`)
  const instances = loaded.instances.map((inst, index) => {
    const record = {...inst}
    delete record.source
    return {index, source: sources[index]!, record}
  })
  return {generation: {profiles, instances}, loaded}
}

/** JSON with object keys sorted: equal values give equal text, whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const o = v as Record<string, unknown>
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    )
  })
}

/** What is compared to tell an instance changed: its served record and how it was written (not its place). */
function instanceFingerprint(i: StoredInstance): string {
  return canonicalJson({record: i.record, source: i.source})
}

/** sha256 over the profiles and every instance in order: equal digests = nothing to publish. */
export function generationDigest(g: Generation): string {
  const h = createHash('sha256')
  h.update(canonicalJson(g.profiles))
  for (const i of g.instances) h.update('\n').update(canonicalJson(i))
  return `sha256:${h.digest('hex')}`
}

export interface InventoryDiff {
  added: string[]
  changed: string[]
  removed: string[]
  unchanged: number
  /** The profiles as written differ from the published ones (their instances, when affected, are listed as changed). */
  profilesChanged: boolean
  /** Same instances, another order (launch indexes move). */
  orderChanged: boolean
}

/** Instances added / changed / removed by id (each list sorted), from `before` (undefined: an empty store) to `after`. */
export function diffGenerations(before: Generation | undefined, after: Generation): InventoryDiff {
  const old = new Map((before?.instances ?? []).map((i) => [i.record.id, i]))
  const added: string[] = []
  const changed: string[] = []
  let unchanged = 0
  for (const i of after.instances) {
    const prev = old.get(i.record.id)
    if (!prev) added.push(i.record.id)
    else if (instanceFingerprint(prev) !== instanceFingerprint(i)) changed.push(i.record.id)
    else unchanged++
  }
  const now = new Set(after.instances.map((i) => i.record.id))
  const removed = [...old.keys()].filter((id) => !now.has(id))
  const kept = (g: Generation) => g.instances.filter((i) => old.has(i.record.id) && now.has(i.record.id)).map((i) => i.record.id)
  const orderChanged = before !== undefined && kept(before).join('\n') !== kept(after).join('\n')
  const sort = (a: string[]) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
  return {
    added: sort(added),
    changed: sort(changed),
    removed: sort(removed),
    unchanged,
    profilesChanged: before !== undefined && canonicalJson(before.profiles) !== canonicalJson(after.profiles),
    orderChanged,
  }
}

export function diffIsEmpty(d: InventoryDiff): boolean {
  return d.added.length === 0 && d.changed.length === 0 && d.removed.length === 0 && !d.profilesChanged && !d.orderChanged
}

export interface KeyValue {
  key: string
  value: Buffer
}

export interface BatchLimits {
  /** Operations per transaction (etcd: --max-txn-ops, default 128). */
  maxOps: number
  /** Bytes of keys and values per transaction, below etcd's --max-request-bytes (default 1.5 MiB). */
  maxBytes: number
}

/** etcd's defaults with room for the transaction's own framing. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = {maxOps: 128, maxBytes: 1024 * 1024}

/** A protobuf request carries each key and value with a few bytes of framing. */
const OP_OVERHEAD = 16

/** Split writes into transactions within both limits, in order. A single key-value above maxBytes is an InputError. */
export function planBatches(items: readonly KeyValue[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): KeyValue[][] {
  const batches: KeyValue[][] = []
  let current: KeyValue[] = []
  let bytes = 0
  for (const item of items) {
    const size = Buffer.byteLength(item.key) + item.value.length + OP_OVERHEAD
    if (size > limits.maxBytes)
      throw new InputError(`${item.key} would be ${size} bytes: etcd takes at most ${limits.maxBytes} bytes per write`, {
        suggestions: ['make that instance smaller (user_data, vendor_data), or raise etcd --max-request-bytes'],
      })
    if (current.length > 0 && (current.length >= limits.maxOps || bytes + size > limits.maxBytes)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/** The inventory YAML of a generation: push of this text publishes the same generation (no change). */
export function generationYaml(g: Generation): string {
  const doc: Record<string, unknown> = {}
  if (Object.keys(g.profiles).length > 0) doc['profiles'] = g.profiles
  doc['instances'] = [...g.instances].sort((a, b) => a.index - b.index).map((i) => i.source)
  return stringify(doc, {lineWidth: 0})
}
