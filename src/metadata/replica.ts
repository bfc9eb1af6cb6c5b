/**
 * `metadata serve --store`: what a replica needs beside the server itself — its name, the one etcd
 * connection it shares between the inventory and progress, and the progress side.
 */
import {hostname} from 'node:os'
import {UsageError} from '../errors.js'
import type {StartMetadataServerOptions, StoreFollowSettings} from './start.js'
import {StoreConnection, type StoreConnectionOptions} from './store/connection.js'
import {openProgressSink, type EtcdProgressSink} from './store/progress-store.js'

const REPLICA_NAME = /^[A-Za-z0-9._-]{1,64}$/

/** --replica-name, or the host name: 1-64 of A-Z a-z 0-9 . _ - (it is part of store keys and of /healthz). */
export function replicaName(given: string | undefined, host: () => string = hostname): string {
  const name = given ?? host()
  if (!REPLICA_NAME.test(name))
    throw new UsageError(
      given === undefined
        ? `the host name \`${name}\` cannot name a replica: give --replica-name (1-64 of A-Z a-z 0-9 . _ -)`
        : `--replica-name ${name}: use 1-64 of A-Z a-z 0-9 . _ -`,
      {suggestions: ['e.g. --replica-name compute-07']},
    )
  return name
}

/** The progress side of a replica: start options and one line saying where progress goes. */
interface ReplicaProgress {
  options: Partial<StartMetadataServerOptions>
  note: string
  sink: EtcdProgressSink
}

/** Failures of progress writes and of the presence key are retried; say so at most once a minute. */
function throttled(note: (line: string) => void, everyMs = 60_000): (err: unknown) => void {
  let last = -Infinity
  return (err) => {
    const now = performance.now()
    if (now - last < everyMs) return
    last = now
    note(`progress: cannot write to the store yet (${(err as Error).message}); retrying`)
  }
}

/**
 * Where a replica's provisioning progress goes: etcd, under `<prefix>progress/<id>/<replica>`, with the
 * replica's presence under `<prefix>replicas/<replica>` (--data-dir is not used in store mode).
 */
async function replicaProgress(
  conn: StoreConnection,
  o: {replica: string; listen: string; note: (line: string) => void},
): Promise<ReplicaProgress> {
  const sink = await openProgressSink(conn, {
    replica: o.replica,
    listen: o.listen,
    generation: null,
    onError: throttled(o.note),
    onWarning: o.note,
  })
  return {
    options: {progressSink: sink},
    note: `progress: replica ${o.replica} writes provisioning progress to ${conn.o.url.text} under ${conn.o.prefix}progress/`,
    sink,
  }
}

export interface ReplicaSetup {
  /** The start option that makes a server a replica. */
  store: StoreFollowSettings
  progress: ReplicaProgress
  /** Update this replica's presence key (its real listen address once bound, each generation it serves). */
  announce(change: {listen?: string; generation?: number | null}): void
  /** Flush progress, drop the presence key, close the etcd connection (after the server stopped, or when it failed to start). */
  close(): Promise<void>
}

/** Open a replica's one etcd connection and its progress side. */
export async function openReplica(o: {
  connection: StoreConnectionOptions
  replica: string
  cacheDir?: string | undefined
  listen: string
  note: (line: string) => void
}): Promise<ReplicaSetup> {
  const conn = new StoreConnection(o.connection)
  try {
    const progress = await replicaProgress(conn, {replica: o.replica, listen: o.listen, note: o.note})
    return {
      store: {connection: conn, replica: o.replica, ...(o.cacheDir === undefined ? {} : {cacheDir: o.cacheDir}), note: o.note},
      progress,
      announce: (change) => void progress.sink.announce(change).catch(() => progress.sink.retryPresence()),
      close: async () => {
        await progress.sink.close()
        conn.close()
      },
    }
  } catch (err) {
    conn.close()
    throw err
  }
}
