import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {AddressInfo} from 'node:net'
import {ListenError} from '../errors.js'
import {createResolver} from './identity.js'
import {loadInventory, type LoadedInventory} from './inventory.js'
import {createPasswordServer, type PasswordLogEntry, type PasswordServer} from './password-server.js'
import {createMetadataServer, LISTEN_BACKLOG, type MetadataServer, type MetadataStats, type RequestLogEntry} from './server.js'
import {MemoryStore} from './store.js'

export * from './types.js'
export {createMetadataServer, LISTEN_BACKLOG, normalizePath} from './server.js'
export type {MetadataServer, MetadataServerOptions, MetadataStats, RequestLogEntry} from './server.js'
export {createResolver, signInstanceId, clientFromForwarded} from './identity.js'
export type {Resolver, Requester} from './identity.js'
export {createPasswordServer} from './password-server.js'
export type {PasswordServer, PasswordLogEntry} from './password-server.js'
export {MemoryStore, type Store} from './store.js'
export {FileStore} from './file-store.js'
export {loadInventory, parseInventory, inventoryFromObject, formatIssue} from './inventory.js'
export type {LoadedInventory, InventoryIssue} from './inventory.js'
export {renderAllDocuments} from './documents.js'
export {TokenIssuer} from './tokens.js'

/** Where the built-in example inventory lives (works from src/ under tsx and from dist/). */
export function exampleInventoryPath(): string {
  const candidates = [
    new URL('./examples/lab-inventory.yaml', import.meta.url),
    new URL('../../../src/metadata/examples/lab-inventory.yaml', import.meta.url),
  ]
  for (const c of candidates) {
    const p = fileURLToPath(c)
    if (existsSync(p)) return p
  }
  return fileURLToPath(candidates[0]!)
}

export interface StartMetadataServerOptions {
  /** A YAML file or directory, an inventory object, or an already-loaded inventory. Default: the built-in example. */
  inventory?: string | Record<string, unknown> | LoadedInventory
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (a free port). */
  port?: number
  namespace?: string
  trustProxy?: string[]
  proxySharedSecret?: string
  imdsv2?: 'optional' | 'required'
  /** Also start the CloudStack password server on this port (0 = free port). Default: not started. */
  passwordPort?: number
  logger?: (entry: RequestLogEntry) => void
  passwordLogger?: (entry: PasswordLogEntry) => void
  headersTimeoutMs?: number
  requestTimeoutMs?: number
  keepAliveTimeoutMs?: number
}

export interface StartedMetadataServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  host: string
  port: number
  /** Set when the password server was started. */
  passwordUrl?: string
  passwordPort?: number
  inventory: LoadedInventory
  server: MetadataServer
  passwordServer?: PasswordServer
  stats(): MetadataStats
  /** Stop accepting, let in-flight requests finish, close idle keep-alive connections. */
  close(): Promise<void>
}

function isLoaded(v: unknown): v is LoadedInventory {
  return typeof v === 'object' && v !== null && Array.isArray((v as LoadedInventory).instances) && Array.isArray((v as LoadedInventory).files)
}

export function listen(server: import('node:http').Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new ListenError(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${err.code ?? err.message}`, {
          suggestions:
            err.code === 'EADDRINUSE'
              ? ['another process uses that port: pick another with --listen HOST:PORT', `see who: ss -ltnp 'sport = :${port}'`]
              : err.code === 'EACCES'
                ? ['ports below 1024 need root or CAP_NET_BIND_SERVICE; use 8807 and DNAT 169.254.169.254:80 to it']
                : ['check the --listen address exists on this host'],
          cause: err,
        }),
      )
    }
    server.once('error', onError)
    server.listen({host, port, backlog: LISTEN_BACKLOG}, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}

export async function closeServer(server: import('node:http').Server): Promise<void> {
  if (!server.listening) return
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Load an inventory and serve it (for the client harness, tests and demos).
 * Resolves once listening; `close()` drains and stops both servers.
 */
export async function startMetadataServer(opts: StartMetadataServerOptions = {}): Promise<StartedMetadataServer> {
  const source = opts.inventory ?? exampleInventoryPath()
  const inventory = isLoaded(source) ? source : await loadInventory(source)
  const store = new MemoryStore(inventory.instances)
  const resolver = createResolver({
    ...(opts.trustProxy ? {trustProxy: opts.trustProxy} : {}),
    ...(opts.proxySharedSecret ? {proxySharedSecret: opts.proxySharedSecret} : {}),
  })
  const host = opts.host ?? '127.0.0.1'
  const server = createMetadataServer({
    store,
    resolver,
    ...(opts.namespace === undefined ? {} : {namespace: opts.namespace}),
    ...(opts.imdsv2 === undefined ? {} : {imdsv2: opts.imdsv2}),
    ...(opts.logger === undefined ? {} : {logger: opts.logger}),
    ...(opts.headersTimeoutMs === undefined ? {} : {headersTimeoutMs: opts.headersTimeoutMs}),
    ...(opts.requestTimeoutMs === undefined ? {} : {requestTimeoutMs: opts.requestTimeoutMs}),
    ...(opts.keepAliveTimeoutMs === undefined ? {} : {keepAliveTimeoutMs: opts.keepAliveTimeoutMs}),
  })
  const addr = await listen(server, host, opts.port ?? 0)
  let passwordServer: PasswordServer | undefined
  let passwordPort: number | undefined
  if (opts.passwordPort !== undefined) {
    passwordServer = createPasswordServer({store, resolver, ...(opts.passwordLogger ? {logger: opts.passwordLogger} : {})})
    try {
      passwordPort = (await listen(passwordServer, host, opts.passwordPort)).port
    } catch (err) {
      await closeServer(server)
      throw err
    }
  }
  return {
    url: `http://${hostPort(host, addr.port)}`,
    host,
    port: addr.port,
    ...(passwordPort === undefined ? {} : {passwordUrl: `http://${hostPort(host, passwordPort)}`, passwordPort}),
    inventory,
    server,
    ...(passwordServer ? {passwordServer} : {}),
    stats: () => server.metadata.stats(),
    close: async () => {
      await Promise.all([closeServer(server), passwordServer ? closeServer(passwordServer) : Promise.resolve()])
    },
  }
}
