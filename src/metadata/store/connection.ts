import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  Etcd3,
  GRPCGenericError,
  GRPCUnauthenticatedError,
  type IOptions,
} from 'etcd3'
import {NetopsError, StoreAuthError, StoreUnreachableError} from '../../errors.js'
import type {BatchLimits} from './generation.js'
import {endpointText, type StoreUrl} from './url.js'

/**
 * One etcd client for everything a process keeps in the store (the inventory, progress, replica
 * presence). Every call has a deadline; etcd3's own retry policy moves a failed call to another member.
 * `call()` turns a failure into a NetopsError that names the store: unreachable (exit 3),
 * authentication (exit 7); other errors pass through.
 */

export interface StoreConnectionOptions {
  url: StoreUrl
  prefix: string
  tls?: {ca: Buffer; cert?: Buffer; key?: Buffer}
  auth?: {user: string; password: string}
  /** Deadline of each etcd call (default 5000 ms). */
  callTimeoutMs?: number
  batchLimits?: BatchLimits
  /** Batches written at once (default 4). */
  writeConcurrency?: number
}

export class StoreConnection {
  readonly client: Etcd3

  constructor(readonly o: StoreConnectionOptions) {
    const timeout = o.callTimeoutMs ?? 5000
    const scheme = o.tls ? 'https' : 'http'
    const options: IOptions = {
      hosts: o.url.endpoints.map((e) => `${scheme}://${endpointText(e)}`),
      dialTimeout: timeout,
      // a deadline on a stream (watch, lease keepalive) would end it after `timeout`: unary calls only
      defaultCallOptions: (context) => (context.isStream ? {} : {deadline: Date.now() + timeout}),
      grpcOptions: {'grpc.max_receive_message_length': 64 * 1024 * 1024},
    }
    if (o.tls)
      options.credentials = {
        rootCertificate: o.tls.ca,
        ...(o.tls.key ? {privateKey: o.tls.key} : {}),
        ...(o.tls.cert ? {certChain: o.tls.cert} : {}),
      }
    if (o.auth) options.auth = {username: o.auth.user, password: o.auth.password}
    this.client = new Etcd3(options)
  }

  close(): void {
    this.client.close()
  }

  /** One etcd call, its failure turned into a NetopsError that names the store. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.wrap(err)
    }
  }

  wrap(err: unknown): unknown {
    if (err instanceof NetopsError) return err
    const url = this.o.url.text
    const endpoints = this.o.url.endpoints.map(endpointText).join(',')
    if (err instanceof EtcdAuthenticationFailedError || err instanceof GRPCUnauthenticatedError || err instanceof EtcdPermissionDeniedError)
      return new StoreAuthError(`the etcd store at ${url} refused the credentials: ${err.message}`, {
        suggestions: [
          'check NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD',
          `the user needs read and write on ${this.o.prefix} (etcdctl role grant-permission --prefix)`,
        ],
        cause: err,
      })
    if (
      err instanceof GRPCGenericError ||
      (err instanceof Error && /^(GRPC|ClientRuntime|BrokenCircuit)/.test(err.name)) ||
      isBrokenCircuit(err) // etcd3's circuit breaker (cockatiel): every member failed moments ago
    )
      return new StoreUnreachableError(
        `cannot reach the etcd store at ${url}: ${isBrokenCircuit(err) ? 'every member failed moments ago' : grpcMessage(String((err as Error).message))}`,
        {
          suggestions: [
            `check that etcd answers: etcdctl --endpoints=${endpoints} endpoint health`,
            'check --store (or NETOPS_METADATA_STORE), and --store-ca/--store-cert/--store-key when the cluster uses TLS',
          ],
          cause: err,
        },
      )
    return err
  }
}

/** cockatiel's BrokenCircuitError (its `name` is plain "Error"; it carries a flag instead). */
function isBrokenCircuit(err: unknown): err is Error {
  return err instanceof Error && (err as Error & {isBrokenCircuitError?: unknown}).isBrokenCircuitError === true
}

/** grpc-js's message without its status number and its empty resolver note. */
function grpcMessage(message: string): string {
  return message
    .replace(/\s*Resolution note:[\s\S]*$/, '')
    .replace(/^\d+ (?=[A-Z_]+:)/, '')
    .trim()
}
