import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createResolver, type Resolver} from './identity.js'
import {commitWithin} from './progress/callbacks.js'
import type {Store} from './store.js'

/**
 * The CloudStack password server (the virtual router's :8080), as cloud-init's CloudStack
 * datasource talks to it: `DomU_Request: send_my_password` → the password (or `saved_password`
 * when there is none to give), `DomU_Request: saved_password` → the VM says it stored it, and
 * only then does the server stop handing it out. Anything else → 400 `bad_request`.
 * The acknowledgements are kept by `acks` (the progress journal in `metadata serve`, or each replica's progress
 * records in etcd in store mode, so a restart does not hand a saved password out again): `saved_password` is
 * answered once the acknowledgement is durable, 503 `unavailable` (Retry-After, as a callback) when it could not
 * be written within 5 s. When `acks` can look acknowledgements up (store mode: another replica may have taken
 * one), `send_my_password` reads them through before it hands a password out; when they cannot be read, a
 * password not known here as saved is not handed out either (503).
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
  answer: 'password' | 'saved_password' | 'bad_request' | 'not_found' | 'unavailable'
  unknown?: true
}

/** Where the acknowledgements are kept (ProgressTracker.passwords; default: in memory). */
export interface PasswordAcks {
  saved(id: string): boolean
  /** Resolves once the acknowledgement is durable; rejects when it could not be written. */
  save(id: string): Promise<void>
  rearm(id: string): boolean
  list(): string[]
  /**
   * Is the acknowledgement there, wherever it was taken (store mode: read through from every replica)? Resolves
   * with the answer, rejects when it cannot be read. Without it, `saved` is the whole truth.
   */
  lookup?(id: string): Promise<boolean>
}

function memoryAcks(): PasswordAcks {
  const acked = new Set<string>()
  return {
    saved: (id) => acked.has(id),
    save: (id) => {
      acked.add(id)
      return Promise.resolve()
    },
    rearm: (id) => acked.delete(id),
    list: () => [...acked],
  }
}

export interface PasswordServerOptions {
  store: Store
  resolver?: Resolver
  clock?: () => number
  logger?: (entry: PasswordLogEntry) => void
  acks?: PasswordAcks
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
  const acks = options.acks ?? memoryAcks()
  const server = createServer(
    {headersTimeout: 10_000, requestTimeout: 15_000, maxHeaderSize: 8192, connectionsCheckingInterval: 1000},
    (req: IncomingMessage, res: ServerResponse) => {
      const who = resolver.resolve(req, options.store)
      const raw = req.headers['domu_request']
      const request = (Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '')).trim()
      const instance = who.reject ? undefined : who.instance
      const answer = (status: number, kind: PasswordLogEntry['answer'], body: string) => {
        res.writeHead(status, {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
          ...(status === 503 ? {'retry-after': '5'} : {}),
        })
        res.end(req.method === 'HEAD' ? undefined : body)
        options.logger?.({
          time: new Date(clock()).toISOString(),
          peer: who.peer,
          ip: who.ip,
          ...(instance ? {instance: instance.id} : {unknown: true as const}),
          request: request.slice(0, 64),
          status,
          answer: kind,
        })
      }
      if (!instance) answer(404, 'not_found', 'not_found')
      else if (request === 'send_my_password') {
        const password = instance.password
        const lookup = acks.lookup?.bind(acks)
        if (password === undefined) answer(200, 'saved_password', 'saved_password')
        else if (lookup === undefined) {
          if (acks.saved(instance.id)) answer(200, 'saved_password', 'saved_password')
          else answer(200, 'password', password)
        } else {
          // read through (linearizable): an acknowledgement any replica answered 200 before this request is seen, and
          // so is a rearm; when it cannot be read, only what is known here is answered (never the password)
          let saved = false
          void commitWithin(() => lookup(instance.id).then((s) => void (saved = s))).then((outcome) => {
            if (outcome === 'ok' ? saved : acks.saved(instance.id)) answer(200, 'saved_password', 'saved_password')
            else if (outcome === 'ok') answer(200, 'password', password)
            else answer(503, 'unavailable', 'unavailable')
          })
        }
      } else if (request === 'saved_password') {
        // answered once durable: the VM will not ask again, and a restart must not hand the password out again
        void commitWithin(() => acks.save(instance.id)).then((outcome) =>
          outcome === 'ok' ? answer(200, 'saved_password', 'saved_password') : answer(503, 'unavailable', 'unavailable'),
        )
      } else answer(400, 'bad_request', 'bad_request')
    },
  ) as PasswordServer
  server.passwords = {
    acknowledged: () => acks.list(),
    rearm: (id) => acks.rearm(id),
  }
  return server
}
