/** Binding the metadata server's listeners (metadata, password, admin) and closing them. */
import type {Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {ListenError, type NetopsErrorOptions} from '../errors.js'

/** Backlog for `listen()`: every cloud-init request is a new TCP connection (boot storms). */
const LISTEN_BACKLOG = 4096

/** `host:port`, IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * A listener could not bind: a ListenError (same code, exit code and JSON) that also says which address
 * failed and the errno `code` (EADDRINUSE, EACCES…), so a caller can tell a busy default from a real failure.
 */
export class BindError extends ListenError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly errno: string | undefined,
    message: string,
    options: NetopsErrorOptions,
  ) {
    super(message, options)
    this.name = 'ListenError'
  }
}

function bindSuggestions(errno: string | undefined, port: number): string[] {
  if (errno === 'EADDRINUSE')
    return ['another process uses that port: pick another with --listen HOST:PORT', `see who: ss -ltnp 'sport = :${port}'`]
  if (errno === 'EACCES') return ['ports below 1024 need root or CAP_NET_BIND_SERVICE; use 8807 and DNAT 169.254.169.254:80 to it']
  return ['check the --listen address exists on this host']
}

/**
 * Listen with the boot-storm backlog; a failure is a BindError. Once listening, an 'error' (an accept
 * failing with EMFILE…) goes to `onAcceptError` and never ends the process, unless the server has its
 * own 'error' listener already.
 */
export function listen(
  server: Server,
  host: string,
  port: number,
  onAcceptError: (err: NodeJS.ErrnoException) => void = () => undefined,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const message = `cannot listen on ${hostPort(host, port)}: ${err.code ?? err.message}`
      reject(new BindError(host, port, err.code, message, {suggestions: bindSuggestions(err.code, port), cause: err}))
    }
    server.once('error', onError)
    server.listen({host, port, backlog: LISTEN_BACKLOG}, () => {
      server.off('error', onError)
      if (server.listenerCount('error') === 0) server.on('error', onAcceptError)
      resolve(server.address() as AddressInfo)
    })
  })
}

/** Stop accepting, let in-flight requests finish, close idle keep-alive connections. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}
