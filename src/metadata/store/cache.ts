/**
 * `--store-cache DIR`: the last generation a replica loaded from etcd, kept on disk so that it can start
 * (and say so) while etcd is down. One file per key prefix, `DIR/inventory-<prefix-hash>.json`, written
 * atomically (temp file, fsync, rename; mode 0600: user-data may hold secrets). The file carries a digest
 * of its records: a truncated or edited file is refused with its name, never served.
 */
import {createHash} from 'node:crypto'
import {mkdir, open, readFile, rename, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {StoreDataError} from '../../errors.js'
import type {Instance} from '../types.js'

const FORMAT = 'netops-metadata-store-cache/1'

export interface CachedGeneration {
  /** `etcd://…` the generation was read from (for messages). */
  store: string
  prefix: string
  generation: number
  /** The store revision it was read at. */
  revision: string
  /** When the file was written (ISO). */
  writtenAt: string
  /** The served records, in inventory order. */
  instances: Instance[]
}

/** `DIR/inventory-<first 16 hex of sha256(prefix)>.json`: replicas of several prefixes can share a directory. */
export function cacheFile(dir: string, prefix: string): string {
  return join(dir, `inventory-${createHash('sha256').update(prefix).digest('hex').slice(0, 16)}.json`)
}

function recordsDigest(instances: readonly Instance[]): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(instances)).digest('hex')}`
}

/** The file's text for a generation. */
export function cacheText(c: CachedGeneration): string {
  return JSON.stringify({format: FORMAT, ...c, digest: recordsDigest(c.instances)}) + '\n'
}

/** Parse and check a cache file's text; throws StoreDataError naming `file` and what is wrong. */
export function parseCache(file: string, text: string, prefix: string): CachedGeneration {
  const bad = (why: string) =>
    new StoreDataError(`the store cache ${file} is unusable: ${why}`, {
      suggestions: ['delete it: the next successful load from etcd writes it again'],
    })
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message}); was it cut short?`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object')
  const d = doc as Record<string, unknown>
  if (d['format'] !== FORMAT) throw bad(`format ${JSON.stringify(d['format'])}, expected ${FORMAT}`)
  if (d['prefix'] !== prefix) throw bad(`written for the prefix ${JSON.stringify(d['prefix'])}, not ${prefix}`)
  const generation = d['generation']
  if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 1) throw bad('no generation number')
  for (const k of ['store', 'revision', 'writtenAt', 'digest'] as const) if (typeof d[k] !== 'string') throw bad(`no ${k}`)
  const instances = d['instances']
  if (!Array.isArray(instances)) throw bad('no instances list')
  if (recordsDigest(instances as Instance[]) !== d['digest']) throw bad('its records do not match their digest (truncated or edited)')
  return {
    store: d['store'] as string,
    prefix,
    generation,
    revision: d['revision'] as string,
    writtenAt: d['writtenAt'] as string,
    instances: instances as Instance[],
  }
}

/** Read the cache for `prefix` in `dir`: undefined when there is none, StoreDataError when it is unusable. */
export async function readCache(dir: string, prefix: string): Promise<{file: string; cached: CachedGeneration} | undefined> {
  const file = cacheFile(dir, prefix)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new StoreDataError(`the store cache ${file} cannot be read: ${(err as Error).message}`)
  }
  return {file, cached: parseCache(file, text, prefix)}
}

/** Write the cache atomically (temp file in the same directory, fsync, rename); returns the file. */
export async function writeCache(dir: string, c: CachedGeneration): Promise<string> {
  await mkdir(dir, {recursive: true, mode: 0o700})
  const file = cacheFile(dir, c.prefix)
  const tmp = `${file}.${process.pid}.tmp`
  try {
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(cacheText(c))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, {force: true})
    throw err
  }
  const d = await open(dir, 'r').catch(() => undefined)
  await d?.sync().catch(() => undefined) // the rename itself is durable
  await d?.close()
  return file
}
