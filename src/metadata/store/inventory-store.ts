import {StoreConflictError, StoreDataError, StoreEmptyError} from '../../errors.js'
import type {EtcdInventoryStore, Manifest} from './etcd.js'
import {
  diffGenerations,
  diffIsEmpty,
  generationDigest,
  generationYaml,
  type Generation,
  type InventoryDiff,
  type PreparedInventory,
} from './generation.js'

/**
 * push / diff / pull: the named steps over a store (etcd.ts) and a validated inventory (generation.ts).
 *
 * push = read `current` → read that generation at the same revision → diff → (dry run: stop) →
 * allocate N → write gen/N/ in batches → flip `current` to N if nobody else did since the read →
 * delete generations older than the previous one.
 */

export interface PushResult {
  store: string
  prefix: string
  dryRun: boolean
  /** Something differs from the published generation. */
  changed: boolean
  /** This run made a new generation current. */
  published: boolean
  /** Published generation before the push (null: none). */
  from: number | null
  /** Generation current after the push (null: none, or a dry run). */
  to: number | null
  instances: number
  digest: string
  diff: InventoryDiff & {counts: {added: number; changed: number; removed: number; unchanged: number}}
}

export interface PushOptions {
  dryRun: boolean
  /** Where the store is, for the result (`etcd://…`). */
  storeText: string
  now?: () => Date
  /** Called between writing the generation and flipping `current` (tests: to race another push). */
  beforeFlip?: () => Promise<void>
}

export async function pushInventory(store: EtcdInventoryStore, input: PreparedInventory, o: PushOptions): Promise<PushResult> {
  const next = input.generation
  const digest = generationDigest(next)
  const current = await store.readCurrent()
  const before = current.generation === undefined ? undefined : await store.readGeneration(current.generation, current.revision)
  const diff = diffGenerations(before, next)
  const changed = before === undefined || !diffIsEmpty(diff)
  const result = (published: boolean, to: number | null): PushResult => ({
    store: o.storeText,
    prefix: store.keys.prefix,
    dryRun: o.dryRun === true,
    changed,
    published,
    from: current.generation ?? null,
    to,
    instances: next.instances.length,
    digest,
    diff: {
      ...diff,
      counts: {added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, unchanged: diff.unchanged},
    },
  })
  if (o.dryRun) return result(false, null)
  if (!changed) return result(false, current.generation ?? null)

  const n = await store.allocateGeneration()
  await store.writeGeneration(n, next)
  await o.beforeFlip?.()
  const manifest: Manifest = {
    generation: n,
    count: next.instances.length,
    digest,
    previous: current.generation ?? null,
    createdAt: (o.now?.() ?? new Date()).toISOString(),
  }
  if (!(await store.flip(n, current.modRevision, manifest))) {
    await store.deleteGeneration(n).catch(() => undefined)
    const now = await store.readCurrent().catch(() => undefined)
    throw new StoreConflictError(
      `the inventory in ${o.storeText} changed since you read it (generation ${current.generation ?? 'none'} → ${now?.generation ?? 'another'}): nothing was published`,
      {
        suggestions: ['another push won the race; look at what it changed with: netops metadata inventory diff', 'then push again'],
        details: {readGeneration: current.generation ?? null, currentGeneration: now?.generation ?? null},
      },
    )
  }
  await store.deleteOlderGenerations(n, current.generation).catch(() => undefined)
  return result(true, n)
}

/** Check a generation as read against its manifest (count and digest); returns its digest. StoreDataError when they differ. */
export function checkManifest(g: Generation, n: number, manifest: Manifest | undefined, storeText: string): string {
  const digest = generationDigest(g)
  if (manifest && (manifest.digest !== digest || manifest.count !== g.instances.length))
    throw new StoreDataError(
      `generation ${n} in ${storeText} does not match its manifest (${g.instances.length} instances, ${manifest.count} expected)`,
      {suggestions: ['another program writes under this prefix: use another --store-prefix, or push again to repair']},
    )
  return digest
}

export interface PullResult {
  store: string
  prefix: string
  generation: number
  instances: number
  digest: string
  createdAt: string | null
  /** The inventory YAML; null when it was written to `output`. */
  yaml: string | null
  output: string | null
}

/** The current generation as inventory YAML (push of it publishes no change). */
export async function pullInventory(
  store: EtcdInventoryStore,
  storeText: string,
): Promise<{yaml: string; result: Omit<PullResult, 'yaml' | 'output'>}> {
  const current = await store.readCurrent()
  if (current.generation === undefined)
    throw new StoreEmptyError(`no inventory is published in ${storeText} under ${store.keys.prefix}`, {
      suggestions: ['publish one with: netops metadata inventory push --inventory FILE', 'check --store-prefix'],
    })
  const g = await store.readGeneration(current.generation, current.revision)
  const digest = checkManifest(g, current.generation, current.manifest, storeText)
  return {
    yaml: generationYaml(g),
    result: {
      store: storeText,
      prefix: store.keys.prefix,
      generation: current.generation,
      instances: g.instances.length,
      digest,
      createdAt: current.manifest?.createdAt ?? null,
    },
  }
}
