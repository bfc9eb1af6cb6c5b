/**
 * Processes inside a test's network namespace and relays into it from the host's loopback, shared
 * by the jump-host lab (test/helpers/jump-lab.ts) and the loop trace lab (test/helpers/loop-lab.ts).
 */
import type {ChildProcess} from 'node:child_process'
import {createServer, connect, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {spawnNodeIn} from './netns.js'

export function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 3000)
    c.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    c.kill('SIGTERM')
  })
}

export function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy()
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * The host's 127.0.0.1:<port> → the namespace's 127.0.0.1:<innerPort>, through a unix socket
 * (a filesystem path crosses namespaces): a relay process inside, a listener outside.
 */
export async function relayInto(
  ns: string,
  innerPort: number,
  dir: string,
): Promise<{port: number; connections: () => number; open: () => number; drop: () => void; close: () => Promise<void>}> {
  const path = join(dir, `relay-${innerPort}.sock`)
  const script = `
    import {createServer, connect} from 'node:net'
    const srv = createServer((c) => {
      const s = connect(${innerPort}, '127.0.0.1')
      c.on('error', () => s.destroy()); s.on('error', () => c.destroy())
      c.pipe(s).pipe(c)
    })
    srv.listen(${JSON.stringify(path)}, () => console.log('ready'))
    process.on('SIGTERM', () => process.exit(0))
  `
  const {child} = await spawnNodeIn(ns, script)
  let connections = 0
  let open = 0
  const sockets = new Set<Socket>()
  const server = createServer((c) => {
    connections++
    open++
    c.on('close', () => open--)
    const u = connect(path)
    for (const s of [c, u]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    c.on('error', () => u.destroy())
    u.on('error', () => c.destroy())
    c.pipe(u).pipe(c)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const addr = server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  return {
    port,
    connections: () => connections,
    open: () => open,
    drop: () => {
      for (const s of sockets) s.destroy()
    },
    close: async () => {
      await closeServer(server, sockets)
      await stopChild(child)
    },
  }
}
