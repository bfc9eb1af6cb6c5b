/**
 * `metadata serve --store`: what a replica needs beside the server itself — its name, the one etcd
 * connection it shares between the inventory and progress, and the progress side.
 */
import {hostname} from 'node:os'
import {UsageError} from '../errors.js'
import type {StartMetadataServerOptions, StoreFollowSettings} from './start.js'
import {StoreConnection, type StoreConnectionOptions} from './store/connection.js'

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
}

/**
 * Where a replica's provisioning progress goes. Joined with P's openProgressSink at merge: this becomes
 * `{options: {progressSink: await openProgressSink(conn, {replica, listen, generation})}, note: …}`; until
 * then a replica keeps progress in memory (--data-dir is not used in store mode).
 */
function replicaProgress(_conn: StoreConnection, o: {replica: string; listen: string}): Promise<ReplicaProgress> {
  return Promise.resolve({options: {}, note: `progress: replica ${o.replica} (${o.listen}) keeps provisioning progress in memory`})
}

export interface ReplicaSetup {
  /** The start option that makes a server a replica. */
  store: StoreFollowSettings
  progress: ReplicaProgress
  /** Close the etcd connection (after the server stopped, or when it failed to start). */
  close(): void
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
    const progress = await replicaProgress(conn, {replica: o.replica, listen: o.listen})
    return {
      store: {connection: conn, replica: o.replica, ...(o.cacheDir === undefined ? {} : {cacheDir: o.cacheDir}), note: o.note},
      progress,
      close: () => conn.close(),
    }
  } catch (err) {
    conn.close()
    throw err
  }
}
