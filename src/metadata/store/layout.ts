/**
 * The key layout under the store prefix (default /netops/metadata/). Values are UTF-8 JSON.
 *
 *   <prefix>inventory/current                       "<N>": the published generation. Only ever changed by a
 *                                                   transaction that compares its mod revision (compare-and-swap)
 *                                                   and, in the same transaction, writes gen/<N>/manifest.
 *   <prefix>inventory/seq                           last generation number handed out (CAS increment): two
 *                                                   pushes never write into the same generation.
 *   <prefix>inventory/gen/<N>/manifest              {generation, count, digest, profiles, previous, createdAt}:
 *                                                   exists only for a published generation.
 *   <prefix>inventory/gen/<N>/profiles              {profiles: {...}}: the profiles as written (for pull).
 *   <prefix>inventory/gen/<N>/instances/<id>        {index, source, record}: `record` is the validated
 *                                                   instance a replica serves (profiles layered, templates
 *                                                   filled), `source` the instance as written (for pull),
 *                                                   `index` its place in the inventory (launch index, order).
 *                                                   <id> is encodeURIComponent(id).
 *   <prefix>progress/<id>/<replica>                 {id, replica, steps: {firstRequest?, metaData?, userData?,
 *                                                   vendorData?, done?} (epoch ms), failedAt?, lastStep, lastStepAt,
 *                                                   requests, events, updatedAt, password?: {state: saved|rearmed, at}}:
 *                                                   what one replica saw of one VM (`password`: the CloudStack password
 *                                                   acknowledgement it took or re-armed; the latest over replicas wins).
 *                                                   Each replica writes only its own keys; a VM's fleet record is the
 *                                                   merge over replicas (progress-store.ts). <id> and <replica> are
 *                                                   encodeURIComponent()ed; a record naming another VM or replica than
 *                                                   its key is foreign and skipped.
 *   <prefix>replicas/<replica>                      {name, pid, hostname, listen, startedAt, generation}: a live
 *                                                   replica, bound to a lease (TTL 10 s, kept alive): a replica that
 *                                                   dies disappears within the TTL.
 *
 * <N> in keys is zero-padded to 12 digits, so that key order is generation order and older generations
 * are removed with one range delete. A push writes gen/<N>/ in batches (at most MAX_TXN_OPS operations
 * and about MAX_TXN_BYTES per transaction: etcd's defaults are 128 and 1.5 MiB), then flips `current`.
 * A reader reads `current` and then gen/<N>/ at the revision of that first read, so it never sees a mix
 * of two pushes. After a successful flip the previous generation is kept (replicas may still be reading
 * it) and every older one is deleted.
 */

const GEN_DIGITS = 12

export interface StoreKeys {
  prefix: string
  current: string
  seq: string
  /** `<prefix>inventory/gen/` */
  gens: string
  gen(n: number): string
  manifest(n: number): string
  profiles(n: number): string
  instances(n: number): string
  instance(n: number, id: string): string
  /** `<prefix>progress/` */
  progress: string
  /** One VM's progress as one replica saw it. */
  progressOf(id: string, replica: string): string
  /** `<prefix>replicas/` */
  replicas: string
  replica(name: string): string
}

function padGeneration(n: number): string {
  return String(n).padStart(GEN_DIGITS, '0')
}

export function storeKeys(prefix: string): StoreKeys {
  const inv = `${prefix}inventory/`
  const gen = (n: number) => `${inv}gen/${padGeneration(n)}/`
  return {
    prefix,
    current: `${inv}current`,
    seq: `${inv}seq`,
    gens: `${inv}gen/`,
    gen,
    manifest: (n) => `${gen(n)}manifest`,
    profiles: (n) => `${gen(n)}profiles`,
    instances: (n) => `${gen(n)}instances/`,
    instance: (n, id) => `${gen(n)}instances/${encodeURIComponent(id)}`,
    progress: `${prefix}progress/`,
    progressOf: (id, replica) => `${prefix}progress/${encodeURIComponent(id)}/${encodeURIComponent(replica)}`,
    replicas: `${prefix}replicas/`,
    replica: (name) => `${prefix}replicas/${encodeURIComponent(name)}`,
  }
}

/** The end of a prefix range (etcd's range_end for "every key starting with p"). */
export function prefixEnd(p: string): Buffer {
  const b = Buffer.from(p)
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1))
      end[i] = b[i]! + 1
      return end
    }
  }
  return Buffer.from([0])
}
