/**
 * Flags and IO of `netops loop ...` (issue 13): one switch (--switch, --port, the switch
 * connection flags of `switch diagnose` without --host/--inventory/--concurrency), one node
 * (--node HOST|local with its own --node-* SSH flags, --sudo/--db/--target as `ovs --host` has
 * them); --known-hosts, --host-key-policy and --timeout are shared by both.
 */
import {hostname} from 'node:os'
import {Flags} from '@oclif/core'
import {switchConnectionFlags} from './flags.js'
import {debugTranscript} from './switch-command.js'
import {sshTargetFromFlags, type SshFlagValues} from './ssh-options.js'
import {UsageError} from '../errors.js'
import type {TraceIo, TraceRunOptions} from '../loop/trace.js'
import {LocalExecutor, SshExecutor, type Executor} from '../ovs/executor.js'
import type {PlatformName} from '../platforms/types.js'
import {SwitchDevice} from '../switch/device.js'
import {quoteArg} from '../ssh/quote.js'
import {resolveTarget} from '../ssh/target.js'
import type {AskSecret} from '../ssh/types.js'

// the switch flags of `switch diagnose` minus the multi-host ones
const {host: _host, concurrency: _concurrency, ...switchOnly} = switchConnectionFlags

export const loopTraceFlags = {
  ...switchOnly,
  switch: Flags.string({
    required: true,
    description: 'the switch: address, name or ~/.ssh/config alias (the switch connection flags apply to it)',
  }),
  port: Flags.string({
    required: true,
    description: 'the switch port the loop came back on: 19, gi1/0/19, GigabitEthernet1/0/19, Eth1/19 (a bare number must match one port)',
  }),
  node: Flags.string({
    description:
      'the node: an ssh host or ~/.ssh/config alias, or `local` for this machine (default: identified from the LLDP/CDP neighbour on the port or its VLAN peers)',
  }),
  'node-ssh-port': Flags.integer({min: 1, max: 65535, description: 'SSH port of the node (default: ~/.ssh/config Port, else 22)'}),
  'node-user': Flags.string({description: 'SSH user on the node (default: ~/.ssh/config User, else $USER)'}),
  'node-identity-file': Flags.string({description: 'private key for the node (default: ~/.ssh/config IdentityFile)'}),
  'node-jump': Flags.string({
    description: 'reach the node through these jump hosts, like ssh -J: [user@]host[:port][,...]; none = directly',
  }),
  'node-password': Flags.string({
    env: 'NETOPS_NODE_PASSWORD',
    noCacheDefault: true,
    description: 'SSH password of the node (prefer the NETOPS_NODE_PASSWORD env var)',
  }),
  sudo: Flags.boolean({
    default: false,
    description: 'on a remote node, run ovs-vsctl/ovs-appctl through `sudo -n` (needs passwordless sudo for them)',
  }),
  db: Flags.string({description: 'OVS database on the node for ovs-vsctl --db (default: $OVS_RUNDIR/db.sock)'}),
  target: Flags.string({description: 'ovs-vswitchd control socket on the node for ovs-appctl --target'}),
}

/** The parsed values of loopTraceFlags. */
export interface LoopTraceFlagValues extends Omit<SshFlagValues, 'host'> {
  switch: string
  port: string
  'enable-password'?: string | undefined
  platform: 'auto' | PlatformName
  node?: string | undefined
  'node-ssh-port'?: number | undefined
  'node-user'?: string | undefined
  'node-identity-file'?: string | undefined
  'node-jump'?: string | undefined
  'node-password'?: string | undefined
  sudo: boolean
  db?: string | undefined
  target?: string | undefined
}

/** `--sudo` needs a remote node; `--node local --sudo` is refused as `ovs` commands refuse it. */
export function checkLoopFlags(flags: LoopTraceFlagValues): void {
  if (flags.sudo && flags.node === 'local') {
    throw new UsageError('--sudo applies to a remote node only; for --node local, run netops itself as root (or with sudo)', {
      suggestions: ['sudo netops loop trace ... --node local'],
    })
  }
}

/** How the IO reports: connection warnings, and (on a terminal) asking for a missing secret. */
export interface LoopIoHooks {
  warn: (message: string) => void
  progress?: (message: string) => void
  askSecret?: AskSecret | undefined
}

/** The node's SSH flags in the shape sshTargetFromFlags reads. */
function nodeSshFlags(flags: LoopTraceFlagValues): SshFlagValues {
  return {
    'ssh-port': flags['node-ssh-port'],
    username: flags['node-user'],
    password: flags['node-password'],
    'identity-file': flags['node-identity-file'],
    jump: flags['node-jump'],
    'host-key-policy': flags['host-key-policy'],
    'known-hosts': flags['known-hosts'],
    'legacy-ssh': false,
    timeout: flags.timeout,
  }
}

/**
 * The TraceIo of the command: switches opened with the switch flags (switches other than the
 * traced one without --ssh-port and --platform: ~/.ssh/config Port or 22, and `show version`),
 * the node locally or over SSH with the --node-* flags.
 */
export function loopTraceIo(flags: LoopTraceFlagValues, env: NodeJS.ProcessEnv, hooks: LoopIoHooks): TraceIo {
  return {
    async openSwitch(host, {traced}) {
      const target = sshTargetFromFlags(host, {...flags, 'ssh-port': traced ? flags['ssh-port'] : undefined}, env, hooks.askSecret)
      const device = await SwitchDevice.open({
        target,
        enablePassword: flags['enable-password'],
        platform: traced ? flags.platform : 'auto',
        timeoutMs: flags.timeout * 1000,
        ...(env.NETOPS_DEBUG ? {log: debugTranscript(host)} : {}),
      })
      for (const w of device.warnings) hooks.warn(`${host}: ${w}`)
      const c = device.platformConflict
      if (c !== null) {
        hooks.warn(
          `${device.describeConflict(c)}: reading it with the ${device.platform.displayName} dialect as asked; ` +
            `the trace may be wrong (drop --platform, or pass --platform ${c.detected})`,
        )
      }
      return device
    },
    async openNode(host): Promise<Executor> {
      if (host === 'local') return new LocalExecutor({env: {...env}})
      const {SshTransport} = await import('../ssh/transport.js')
      const transport = await SshTransport.connect(sshTargetFromFlags(host, nodeSshFlags(flags), env, hooks.askSecret))
      for (const w of transport.warnings) hooks.warn(`${host}: ${w}`)
      return new SshExecutor(transport, {where: host, sudo: flags.sudo})
    },
    async sshConfigHostName(name) {
      try {
        const t = await resolveTarget(sshTargetFromFlags(name, {'legacy-ssh': false, timeout: flags.timeout}, env))
        return t.origins?.['hostname'] === undefined ? undefined : t.host
      } catch {
        return undefined // a name ssh would refuse, or an ssh_config it cannot read: no Host entry for it
      }
    },
    localHostname: () => hostname(),
    ...(hooks.progress === undefined ? {} : {progress: hooks.progress}),
  }
}

/** traceLoop's options from the flags, with the flags the plan's command lines carry. */
export function loopTraceOptions(flags: LoopTraceFlagValues): TraceRunOptions {
  const pairs = (list: Array<[string, string | number | undefined]>): string[] =>
    list.flatMap(([flag, value]) => (value === undefined ? [] : [`${flag} ${quoteArg(String(value))}`]))
  const switchFlags = pairs([
    ['--host', flags.switch],
    ['--ssh-port', flags['ssh-port']],
    ['--username', flags.username],
    ['--platform', flags.platform === 'auto' ? undefined : flags.platform],
  ])
  const nodeFlags = pairs([
    ['--ssh-port', flags['node-ssh-port']],
    ['--username', flags['node-user']],
    ['--db', flags.db],
    ['--target', flags.target],
  ])
  if (flags.sudo) nodeFlags.push('--sudo')
  return {
    switch: flags.switch,
    port: flags.port,
    ...(flags.node === undefined ? {} : {node: flags.node}),
    vsctl: {
      timeoutSec: flags.timeout,
      ...(flags.db === undefined ? {} : {db: flags.db}),
      ...(flags.target === undefined ? {} : {target: flags.target}),
    },
    switchFlags: switchFlags.join(' '),
    nodeFlags,
  }
}
