#!/usr/bin/env node
// `npm run demo:loop` (needs root, Open vSwitch, OpenSSH sshd and iproute2; run after `npm run build`):
//
//   npm run build && node --import tsx scripts/demo-loop.js
//
// The story of src/lab/switch/examples/loop-two-nics.yaml, for real on the node side: node1 is a network
// namespace with its own Open vSwitch (user space) whose br0 bridges eth0 and eth1 with STP off; the
// NICs are veths with the example's MACs, their far ends meet in a bridge without STP (the switch's
// VLAN 10), and node1 is reached over a real OpenSSH sshd. The switch is `netops lab switch --topology`
// with the example file. The demo runs `netops loop trace`, then the fix (`--apply --yes --bounce`), then
// the trace again, and tears everything down (also on Ctrl-C).
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = join(repo, 'bin', 'run.js')
const example = join(repo, 'src/lab/switch/examples/loop-two-nics.yaml')

if (!existsSync(join(repo, 'dist/commands/loop/trace.js'))) {
  console.error('demo:loop: the built CLI has no `loop trace` command (dist/commands/loop/trace.js): run `npm run build` first')
  process.exit(1)
}
// The lab helpers are TypeScript: this script runs under `node --import tsx`.
const lab = await import('../test/helpers/loop-lab.ts').catch((error) => {
  console.error(`demo:loop: cannot load the lab helpers (${error.message}); run it as: node --import tsx scripts/demo-loop.js`)
  process.exit(1)
})
const {readTopology} = await import('../src/lab/switch/topology.ts')

const missing = lab.loopLabMissingReason()
if (missing !== undefined) {
  console.error(`demo:loop cannot run here: ${missing}`)
  console.error('On Debian/Ubuntu: sudo apt-get install openvswitch-switch openssh-server openssh-client iproute2, then run as root.')
  process.exit(1)
}

// node1's NICs as the example cables them.
const macs = {}
for (const sw of readTopology(example))
  for (const p of sw.ports) if (p.far?.kind === 'node' && p.far.node === 'node1') macs[p.far.nic] = p.far.mac
if (!macs.eth0 || !macs.eth1) {
  console.error(`demo:loop: ${example} no longer cables node1 eth0 and eth1`)
  process.exit(1)
}

const bold = process.stdout.isTTY && !process.env.NO_COLOR
const say = (text) => console.log(bold ? `\n\x1b[1m${text}\x1b[0m` : `\n${text}`)

say('# bringing up node1 (network namespace, Open vSwitch in user space, br0 = eth0 + eth1 with STP off, sshd)')
const t0 = Date.now()
process.on('exit', (code) => {
  if (code >= 128) console.error('\ninterrupted: the lab switch, sshd, Open vSwitch and the namespaces are removed')
})
const world = await lab.createLoopLab({node: 'node1', macs: {eth0: macs.eth0, eth1: macs.eth1}})
await world.node.setBridge('loop')

/** `netops lab switch --topology <example> --json`: resolves with its report once it listens. */
function startLabSwitch() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'lab', 'switch', '--topology', example, '--time-scale', '0.05', '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    process.once('exit', () => child.kill('SIGKILL'))
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      let info
      try {
        info = JSON.parse(out)
      } catch {
        return // the document is not complete yet
      }
      if (info.error) reject(new Error(`lab switch: ${info.error.message}`))
      else resolve({child, info})
    })
    child.on('exit', (code) => reject(new Error(`lab switch exited with ${code}`)))
  })
}

const labSwitch = await startLabSwitch()
for (const sw of labSwitch.info.switches) world.addHost(sw.hostname, ['HostName 127.0.0.1', `Port ${sw.port}`, 'User admin'])
console.log(
  `node1: sshd on 127.0.0.1:${world.node.port} (ssh_config Host node1); ` +
    `${labSwitch.info.switches.map((s) => `${s.hostname} on 127.0.0.1:${s.port}`).join(', ')} (lab switch --topology); ` +
    `up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
)

/** Run the built CLI with the lab's ssh_config (asynchronously: this process relays node1's sshd). */
function netops(title, args) {
  say(`# ${title}`)
  console.log(`$ netops ${args.join(' ')}`)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {env: {...process.env, ...world.env}, stdio: ['inherit', 'inherit', 'inherit']})
    const stop = () => child.kill('SIGTERM')
    process.once('exit', stop)
    child.on('exit', (code) => {
      process.removeListener('exit', stop)
      resolve(code ?? 1)
    })
  })
}

let failed = 0
const trace = ['loop', 'trace', '--switch', 'sw1', '--port', '19']
failed += (await netops('1. why does sw1 see its own keepalive come back on port 19? (read-only)', trace)) === 0 ? 0 : 1
failed +=
  (await netops('2. fix both ends: STP on br0 first, then the switch port (no keepalive, recovery, bounce)', [
    ...trace,
    '--apply',
    '--yes',
    '--bounce',
  ])) === 0
    ? 0
    : 1
failed += (await netops('3. after: br0 blocks one NIC, port 19 is up', trace)) === 0 ? 0 : 1

say('# tearing down (lab switch, sshd, Open vSwitch, namespaces)')
labSwitch.child.kill('SIGTERM')
await world.destroy()
console.log(failed === 0 ? 'done' : `done: ${failed} step(s) failed`)
process.exit(failed === 0 ? 0 : 1)
