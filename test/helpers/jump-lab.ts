/**
 * A management network behind bastions, for the jump-host tests. Everything behind the bastion
 * lives in a network namespace this helper creates (and deletes, even when a test fails or the
 * process exits); on the host only 127.0.0.1 listeners are opened.
 *
 *   host 127.0.0.1:<bastion.port> ──relay──▶ [netns] bastion sshd 127.0.0.1:<bastion.innerPort>
 *                                            [netns] core sshd   127.0.0.1:<core.port>   (second hop)
 *                                            [netns] lab switch  127.0.0.1:<sw.port>     ("tor-7")
 *   host 127.0.0.1:<core.port>, 127.0.0.1:<sw.port>: DECOYS (count connections; must stay at 0)
 *
 * The switch and the core sshd listen on the namespace's own 127.0.0.1, so from the host their
 * address:port is the decoy's: only a connection forwarded by the bastion reaches them.
 *
 *   const lab = await createJumpLab()
 *   after(() => lab.destroy())
 */
import type {ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {hookExit, liveNamespaces, must, netnsMissingReason, spawnNodeIn} from './netns.js'
import {closeServer, relayInto, stopChild} from './ns-relay.js'
import {sshdMissingReason, startSshd, type SshdHandle} from './sshd.js'

/** Why the jump lab cannot run here (sshd or namespaces missing), or undefined. */
export function jumpLabMissingReason(): string | undefined {
  return sshdMissingReason() ?? netnsMissingReason()
}

/** For `describe(name, {skip: jumpLabSkip()}, fn)`: false when usable, else the reason. Throws under CI=true. */
export function jumpLabSkip(): string | false {
  const reason = jumpLabMissingReason()
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the jump-host tests cannot run: ${reason}`)
  return `skipped: ${reason}`
}

/** A TCP listener on the host's 127.0.0.1 that counts connections (and closes them at once). */
export interface Decoy {
  port: number
  connections: number
  close(): Promise<void>
}

export async function startDecoy(port = 0): Promise<Decoy> {
  const sockets = new Set<Socket>()
  const decoy = {port, connections: 0, close: () => Promise.resolve()}
  const server = createServer((c) => {
    decoy.connections++
    sockets.add(c)
    c.on('close', () => sockets.delete(c))
    c.on('error', () => {})
    // says SSH, so a client that reached it would carry on (and a test would see a wrong device, not a refusal)
    c.end('SSH-2.0-decoy-wrong-switch\r\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const addr = server.address()
  decoy.port = typeof addr === 'object' && addr !== null ? addr.port : port
  decoy.close = () => closeServer(server, sockets)
  return decoy
}

export interface LabSwitchInNs {
  host: '127.0.0.1'
  port: number
  username: string
  password: string
  hostname: string
  /** `<type> <base64>`. */
  hostPublicKey: string
}

export interface JumpLab {
  ns: string
  /** The bastion as the host sees it: 127.0.0.1:port (a relay into the namespace). */
  bastion: SshdHandle & {innerPort: number}
  /** Connections the host made to the bastion (through the relay), and how many are still open. */
  readonly bastionConnections: number
  readonly bastionOpen: number
  /** Cut every open connection to the bastion (as a link going down would). */
  dropBastion(): void
  /** A second hop, reachable only from inside the namespace (password login enabled, root has no password). */
  core: SshdHandle
  sw: LabSwitchInNs
  /** Host listeners on the core's and the switch's address:port. */
  decoys: {core: Decoy; sw: Decoy}
  /** A temp dir removed by destroy(). */
  dir: string
  destroy(): Promise<void>
}

/** The lab switch inside the namespace on 127.0.0.1:port. */
async function startSwitchIn(ns: string, port: number): Promise<{sw: LabSwitchInNs; child: ChildProcess}> {
  const script = `
    import {startLabSwitch} from './src/lab/switch/index.ts'
    const lab = await startLabSwitch({port: ${port}, hostname: 'tor-7', timeScale: 0.01})
    console.log(JSON.stringify({port: lab.port, hostPublicKey: lab.hostPublicKey}))
    process.on('SIGTERM', () => void lab.close().then(() => process.exit(0)))
  `
  const {line, child} = await spawnNodeIn(ns, script)
  const info = JSON.parse(line) as {port: number; hostPublicKey: string}
  return {
    sw: {host: '127.0.0.1', username: 'admin', password: 'admin', hostname: 'tor-7', port: info.port, hostPublicKey: info.hostPublicKey},
    child,
  }
}

/** Build the lab. On any failure it tears down what it made and rethrows. */
export async function createJumpLab(): Promise<JumpLab> {
  hookExit()
  const ns = `njump-${randomBytes(3).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'netops-jump-'))
  const cleanups: Array<() => Promise<void>> = []
  const destroy = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
    cleanups.length = 0
    if (liveNamespaces.has(ns)) {
      await must(['ip', 'netns', 'delete', ns]).catch(() => {})
      liveNamespaces.delete(ns)
    }
    rmSync(dir, {recursive: true, force: true})
  }
  try {
    await must(['ip', 'netns', 'add', ns])
    liveNamespaces.add(ns)
    await must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'])

    const swDecoy = await startDecoy()
    cleanups.push(() => swDecoy.close())
    const {sw, child} = await startSwitchIn(ns, swDecoy.port)
    cleanups.push(() => stopChild(child))

    const bastionSshd = await startSshd({netns: ns})
    cleanups.push(() => bastionSshd.stop())
    const relay = await relayInto(ns, bastionSshd.port, dir)
    cleanups.push(() => relay.close())

    const core = await startSshd({netns: ns, extraConfig: ['PasswordAuthentication yes']})
    cleanups.push(() => core.stop())
    const coreDecoy = await startDecoy(core.port)
    cleanups.push(() => coreDecoy.close())

    const bastion = {...bastionSshd, port: relay.port, innerPort: bastionSshd.port}
    return {
      ns,
      bastion,
      get bastionConnections() {
        return relay.connections()
      },
      get bastionOpen() {
        return relay.open()
      },
      dropBastion: () => relay.drop(),
      core,
      sw,
      decoys: {core: coreDecoy, sw: swDecoy},
      dir,
      destroy,
    }
  } catch (err) {
    await destroy()
    throw err
  }
}
