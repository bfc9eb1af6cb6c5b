import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createResolver, type Resolver} from './identity.js'
import type {Store} from './store.js'

/**
 * The CloudStack password server (the virtual router's :8080), as cloud-init's CloudStack
 * datasource talks to it: `DomU_Request: send_my_password` → the password (or `saved_password`
 * when there is none to give), `DomU_Request: saved_password` → the VM says it stored it, and
 * only then does the server stop handing it out. Anything else → 400 `bad_request`.
 * `rearm(id)` hands the password out again (e.g. when a boot is known to have failed: cloud-init
 * acknowledges before it validates the rest of the metadata). Passwords are never logged.
 */
export interface PasswordLogEntry {
  time: string
  peer: string
  ip: string
  instance?: string
  request: string
  status: number
  /** What was answered, never the password itself. */
  answer: 'password' | 'saved_password' | 'bad_request' | 'not_found'
  unknown?: true
}

export interface PasswordServerOptions {
  store: Store
  resolver?: Resolver
  clock?: () => number
  logger?: (entry: PasswordLogEntry) => void
}

export type PasswordServer = Server & {
  passwords: {
    /** Instance ids whose VM has acknowledged its password. */
    acknowledged(): string[]
    rearm(instanceId: string): boolean
  }
}

export function createPasswordServer(options: PasswordServerOptions): PasswordServer {
  const resolver = options.resolver ?? createResolver()
  const clock = options.clock ?? Date.now
  const acked = new Set<string>()
  const server = createServer(
    {headersTimeout: 10_000, requestTimeout: 15_000, maxHeaderSize: 8192, connectionsCheckingInterval: 1000},
    (req: IncomingMessage, res: ServerResponse) => {
      const who = resolver.resolve(req, options.store)
      const raw = req.headers['domu_request']
      const request = (Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '')).trim()
      let status = 200
      let answer: PasswordLogEntry['answer']
      let body: string
      const instance = who.reject ? undefined : who.instance
      if (!instance) {
        status = 404
        answer = 'not_found'
        body = 'not_found'
      } else if (request === 'send_my_password') {
        if (instance.password !== undefined && !acked.has(instance.id)) {
          answer = 'password'
          body = instance.password
        } else {
          answer = 'saved_password'
          body = 'saved_password'
        }
      } else if (request === 'saved_password') {
        acked.add(instance.id)
        answer = 'saved_password'
        body = 'saved_password'
      } else {
        status = 400
        answer = 'bad_request'
        body = 'bad_request'
      }
      res.writeHead(status, {'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store'})
      res.end(req.method === 'HEAD' ? undefined : body)
      options.logger?.({
        time: new Date(clock()).toISOString(),
        peer: who.peer,
        ip: who.ip,
        ...(instance ? {instance: instance.id} : {unknown: true as const}),
        request: request.slice(0, 64),
        status,
        answer,
      })
    },
  ) as PasswordServer
  server.passwords = {
    acknowledged: () => [...acked],
    rearm: (id) => acked.delete(id),
  }
  return server
}
