/**
 * The fast path as a front of the metadata server: plain GET / HEAD / PUT requests are answered off the
 * socket (fast-http.ts), anything else is handed to node:http. It only reads and writes; what to answer is
 * the server's (MetadataCore). Dropping the fast path = not calling attachFastFront.
 */
import type {Server} from 'node:http'
import type {Socket} from 'node:net'
import type {Decision} from './decide.js'
import {createFastHttp, type FastRequest} from './fast-http.js'
import type {RequestHead} from './identity.js'
import type {Identified} from './snapshots.js'

/** The decision logic as a front calls it. */
export interface MetadataCore {
  /** A logger or an observer wants timings: take `performance.now()` when a request starts. */
  readonly timed: boolean
  /** Who asks, on which snapshot (counts the request). */
  identify(req: RequestHead): Identified
  /** What to answer to a request without a body. */
  decide(req: RequestHead, method: string, target: string, identified: Identified): Decision
  /** Counters, observer and log line of a written answer. */
  answered(d: Decision, method: string, started: number): void
}

export interface FastFrontLimits {
  headersTimeoutMs: number
  keepAliveTimeoutMs: number
  maxHeaderSize: number
}

/** Put the fast path in front of `server`'s own connection handling. */
export function attachFastFront(server: Server, core: MetadataCore, limits: FastFrontLimits): void {
  // node:http's own connection listener stays for what the fast path hands over
  const httpConnection = server.listeners('connection')[0] as (socket: Socket) => void
  server.removeListener('connection', httpConnection)
  // answer() and answered() run back to back for one request: the decision waits here between them
  let last: Decision | undefined
  let lastStarted = 0
  const fast = createFastHttp({
    ...limits,
    answer(req: FastRequest) {
      lastStarted = core.timed ? performance.now() : 0
      last = core.decide(req, req.method, req.url, core.identify(req))
      return last.answer
    },
    answered(req: FastRequest) {
      if (last !== undefined) core.answered(last, req.method, lastStarted)
      last = undefined
    },
    truncated(socket) {
      server.emit(
        'clientError',
        Object.assign(new Error('the client closed in the middle of a request'), {code: 'HPE_INVALID_EOF_STATE'}),
        socket,
      )
    },
    handover(socket, rest) {
      if (rest) socket.unshift(rest)
      httpConnection.call(server, socket)
    },
  })
  server.on('connection', (socket: Socket) => fast.accept(socket))
  const closeIdle = server.closeIdleConnections.bind(server)
  server.closeIdleConnections = () => {
    fast.closeIdle()
    closeIdle()
  }
  const closeAll = server.closeAllConnections.bind(server)
  server.closeAllConnections = () => {
    fast.closeAll()
    closeAll()
  }
  server.on('close', () => fast.stop())
}
