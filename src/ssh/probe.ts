/**
 * What answered on a port that closed an SSH connection before the handshake: connect once more,
 * send an SSH identification line, and look at the first bytes of the reply. Only the protocol's
 * opening is compared (`HTTP/`, a TLS alert record); nothing is parsed.
 */
import {connect} from 'node:net'

export type OtherProtocol = 'HTTP' | 'TLS'

/** Name of the protocol that replied, from the first bytes (pure). */
export function recognizeProtocol(first: Buffer): OtherProtocol | undefined {
  if (first.subarray(0, 5).toString('latin1') === 'HTTP/') return 'HTTP'
  // A TLS server answers garbage with an alert record: content type 21, version 3.x.
  if (first.length >= 2 && first[0] === 0x15 && first[1] === 0x03) return 'TLS'
  return undefined
}

/** Connect to host:port, send an SSH ident and name what replied (undefined: no reply, or not recognised). */
export function probeProtocol(host: string, port: number, timeoutMs: number): Promise<OtherProtocol | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const sock = connect({host, port})
    const done = (): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve(recognizeProtocol(Buffer.concat(chunks)))
    }
    const timer = setTimeout(done, timeoutMs)
    sock.on('connect', () => sock.write('SSH-2.0-netops_probe\r\n'))
    sock.on('data', (d: Buffer) => {
      chunks.push(d)
      if (Buffer.concat(chunks).length >= 5) done()
    })
    sock.on('error', done)
    sock.on('close', done)
  })
}
