import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  Etcd3,
  GRPCGenericError,
  GRPCInvalidArgumentError,
  GRPCUnauthenticatedError,
  type IOptions,
} from 'etcd3'
import {isIP} from 'node:net'
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
    if (o.tls) {
      if (o.url.endpoints.some((e) => isIP(e.host) !== 0)) quietIpServernameWarning()
      options.credentials = {
        rootCertificate: o.tls.ca,
        ...(o.tls.key ? {privateKey: o.tls.key} : {}),
        ...(o.tls.cert ? {certChain: o.tls.cert} : {}),
      }
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
    if (err instanceof EtcdAuthenticationFailedError || err instanceof GRPCUnauthenticatedError) return this.authFailed(err)
    if (err instanceof EtcdPermissionDeniedError || isUserEmpty(err)) return this.denied(err)
    if (
      err instanceof GRPCGenericError ||
      (err instanceof Error && /^(GRPC|ClientRuntime|BrokenCircuit)/.test(err.name)) ||
      isBrokenCircuit(err) // etcd3's circuit breaker (cockatiel): every member failed moments ago
    )
      return this.unreachable(err as Error)
    return err
  }

  /** The user name or password was refused (never repeats the password). */
  private authFailed(err: Error): StoreAuthError {
    const who = this.o.auth ? `user "${this.o.auth.user}"` : 'the client'
    return new StoreAuthError(`the etcd store at ${this.o.url.text} refused the credentials of ${who}: ${grpcMessage(err.message)}`, {
      suggestions: ['check NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD'],
      cause: err,
    })
  }

  /** Authenticated (or not at all) but without the right on the prefix. */
  private denied(err: Error): StoreAuthError {
    const who = this.o.auth ? `user "${this.o.auth.user}"` : 'a client without credentials'
    return new StoreAuthError(
      `the etcd store at ${this.o.url.text} denied ${who} access to ${this.o.prefix}: ${grpcMessage(err.message)}`,
      {
        suggestions: [
          ...(this.o.auth ? [] : ['the cluster has authentication on: set NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD']),
          `the user needs read and write on ${this.o.prefix} (etcdctl role grant-permission --prefix ROLE readwrite ${this.o.prefix})`,
        ],
        cause: err,
      },
    )
  }

  private unreachable(err: Error): StoreUnreachableError {
    const endpoints = this.o.url.endpoints.map(endpointText).join(',')
    const detail = isBrokenCircuit(err) ? 'every member failed moments ago' : grpcMessage(err.message)
    const tls = this.o.tls ? tlsFailure(detail, this.o.tls.cert !== undefined) : undefined
    return new StoreUnreachableError(`cannot reach the etcd store at ${this.o.url.text}: ${tls?.message ?? detail}`, {
      suggestions: [
        ...(tls ? [tls.suggestion] : []),
        `check that etcd answers: etcdctl --endpoints=${endpoints} endpoint health`,
        'check --store (or NETOPS_METADATA_STORE), and --store-ca/--store-cert/--store-key when the cluster uses TLS',
      ],
      cause: err,
    })
  }
}

/**
 * etcd's ErrUserEmpty (auth on, no credentials given): etcd3 has no class for it, a plain INVALID_ARGUMENT whose
 * only mark is the text (etcd3 itself tells its errors apart by their text).
 */
function isUserEmpty(err: unknown): err is Error {
  return err instanceof GRPCInvalidArgumentError && err.message.includes('etcdserver: user name is empty')
}

/**
 * A TLS handshake failure in grpc-js's UNAVAILABLE: it keeps only the text of node's (OpenSSL's) error in
 * "Last error: ...", so the text is all there is to tell them apart.
 */
function tlsFailure(detail: string, withCert: boolean): {message: string; suggestion: string} | undefined {
  const last = /Last error: (.*)$/.exec(detail)?.[1] ?? detail
  if (/unable to verify|self[- ]signed certificate|unable to get (local )?issuer|certificate signature failure/i.test(last))
    return {
      message: `its TLS certificate is not trusted by --store-ca (${last.replace(/^Error: /, '').replace(/\.$/, '')})`,
      suggestion: '--store-ca must be the CA certificate that signed the certificates of the etcd members',
    }
  if (/does not match certificate's altnames|Hostname\/IP does not match/i.test(last))
    return {
      message: `its TLS certificate does not name the host in --store (${last.replace(/^Error( \[\w+\])?: /, '')})`,
      suggestion: "use the host names or addresses that the members' certificates name (their subjectAltName)",
    }
  if (/certificate has expired|certificate is not yet valid/i.test(last))
    return {message: `its TLS certificate is out of its validity period`, suggestion: "renew the etcd members' certificates"}
  if (/alert (bad certificate|certificate required|unknown ca|certificate unknown|certificate expired)/i.test(last))
    return withCert
      ? {
          message: 'it refused the TLS client certificate (--store-cert)',
          suggestion:
            "the client certificate must be signed by a CA in the members' --trusted-ca-file, valid, and for client authentication",
        }
      : {
          message: 'it requires a TLS client certificate',
          suggestion: "give --store-cert and --store-key (a client certificate signed by the CA in the members' --trusted-ca-file)",
        }
  return undefined
}

let ipServernameQuiet = false

/**
 * grpc-js gives node's TLS the endpoint's host as the server name, and node warns (DEP0123, once, on stderr) when
 * that is an IP address, as etcd endpoints often are: noise the user can do nothing about. Drop that one warning.
 */
function quietIpServernameWarning(): void {
  if (ipServernameQuiet) return
  ipServernameQuiet = true
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void
  process.emitWarning = (...args: unknown[]) => {
    const [, type, code] = args
    const options = typeof type === 'object' && type !== null ? (type as {code?: unknown}) : undefined
    if ((options ? options.code : code) === 'DEP0123') return
    emitWarning(...args)
  }
}

/** cockatiel's BrokenCircuitError (its `name` is plain "Error"; it carries a flag instead). */
function isBrokenCircuit(err: unknown): boolean {
  return err instanceof Error && (err as Error & {isBrokenCircuitError?: unknown}).isBrokenCircuitError === true
}

/** grpc-js's message without its status number and its empty resolver note. */
function grpcMessage(message: string): string {
  return message
    .replace(/\s*Resolution note:[\s\S]*$/, '')
    .replace(/^\d+ (?=[A-Z_]+:)/, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)\.?$/, '') // grpc-js's time of the last connection error
    .replace(/\s+/g, ' ')
    .trim()
}
