/**
 * Flags and target handling shared by `netops ovs ...` commands: local runs (honouring
 * OVS_RUNDIR from the environment, which is read HERE and passed down) or one executor per
 * --host over SSH, several hosts in parallel through runMany.
 */
import {Flags} from '@oclif/core'
import {sshFlags} from './flags.js'
import {sshTargetFromFlags, type SshFlagValues} from './ssh-options.js'
import {LocalExecutor, SshExecutor, type Executor, type RemoteShell} from '../ovs/executor.js'
import {Vsctl} from '../ovs/vsctl.js'
import type {AskSecret, SshTargetOptions} from '../ssh/types.js'
import {writeWarning} from './base-command.js'
import {runTargets, uniqueTargets, type TargetsOutcome} from './multi-host.js'
import {UsageError} from '../errors.js'
import {renderPlan} from './render/ovs.js'
import {validateStpOptions, type StpOnOptions, type StpPlan} from '../ovs/stp.js'

export const ovsFlags = {
  ...sshFlags,
  sudo: Flags.boolean({
    default: false,
    description: 'on --host, run ovs-vsctl/ovs-appctl through `sudo -n` (needs passwordless sudo for them)',
  }),
  db: Flags.string({description: 'OVS database for ovs-vsctl --db, e.g. unix:/var/run/openvswitch/db.sock (default: $OVS_RUNDIR/db.sock)'}),
  target: Flags.string({description: 'ovs-vswitchd control socket for ovs-appctl --target (default: from $OVS_RUNDIR/ovs-vswitchd.pid)'}),
}

export interface OvsFlagValues extends SshFlagValues {
  concurrency: number
  sudo: boolean
  db?: string | undefined
  target?: string | undefined
}

/** Connects the SSH engineer's transport (loaded lazily: local runs never load ssh2). */
async function connectShell(opts: SshTargetOptions, warn: (message: string) => void): Promise<RemoteShell> {
  const {SshTransport} = await import('../ssh/transport.js')
  const transport = await SshTransport.connect(opts)
  for (const w of transport.warnings) warn(`${opts.host}: ${w}`)
  return transport
}

async function openExecutor(host: string | undefined, flags: OvsFlagValues, env: NodeJS.ProcessEnv, io: TargetIo): Promise<Executor> {
  if (host === undefined) return new LocalExecutor({env: {...env}})
  const shell = await connectShell(sshTargetFromFlags(host, flags, env, io.askSecret), io.warn)
  return new SshExecutor(shell, {where: host, sudo: flags.sudo})
}

/** How target handling talks to the user: warnings, and (on a terminal) asking for a missing SSH secret. */
export interface TargetIo {
  warn: (message: string) => void
  askSecret?: AskSecret | undefined
}

function vsctlFor(exec: Executor, flags: OvsFlagValues): Vsctl {
  return new Vsctl(exec, {
    timeoutSec: flags.timeout,
    ...(flags.db === undefined ? {} : {db: flags.db}),
    ...(flags.target === undefined ? {} : {target: flags.target}),
  })
}

/** Run `fn` with a Vsctl for `host` (undefined = local); the executor is always closed. */
async function withVsctl<T>(
  host: string | undefined,
  flags: OvsFlagValues,
  env: NodeJS.ProcessEnv,
  fn: (v: Vsctl) => Promise<T>,
  io: TargetIo,
): Promise<T> {
  const exec = await openExecutor(host, flags, env, io)
  try {
    return await fn(vsctlFor(exec, flags))
  } finally {
    await exec.close().catch(() => undefined)
  }
}

/**
 * No --host: local. One --host: that host (errors propagate as they are). Several: in parallel,
 * at most --concurrency at once; every host's outcome is returned. A host given twice runs once.
 */
export async function onTargets<T>(
  flags: OvsFlagValues,
  env: NodeJS.ProcessEnv,
  /** `prefix` is `host: ` when several hosts run at once (for lines that must say which), else ''. */
  fn: (v: Vsctl, prefix: string) => Promise<T>,
  io: Partial<TargetIo> = {},
): Promise<TargetsOutcome<T>> {
  const full: TargetIo = {warn: io.warn ?? writeWarning, askSecret: io.askSecret}
  const hosts = uniqueTargets(flags.host ?? [], (h) => h, full.warn)
  if (flags.sudo && hosts.length === 0) {
    throw new UsageError('--sudo applies to --host only; locally, run netops itself as root (or with sudo)', {
      suggestions: ['sudo netops ovs stp ...'],
    })
  }
  if (hosts.length === 0) return {multi: false, value: await withVsctl(undefined, flags, env, (v) => fn(v, ''), full)}
  const prefix = (h: string) => (hosts.length > 1 ? `${h}: ` : '')
  return runTargets(hosts, {label: (h) => h, concurrency: flags.concurrency}, (h) =>
    withVsctl(h, flags, env, (v) => fn(v, prefix(h)), full),
  )
}

/**
 * Shows a change's plan (the exact ovs-vsctl line) and its warnings as soon as they are known,
 * then any warnings the result adds; `prefix` names the host when several run at once.
 */
export function planAnnouncer(prefix: string, info: (m: string) => void, warn: (m: string) => void) {
  const shown = new Set<string>()
  return {
    onPlan(plan: StpPlan): void {
      if (plan.changed) info(prefix + renderPlan(plan))
      for (const w of plan.warnings) {
        shown.add(w)
        warn(prefix + w)
      }
    },
    after(result: {warnings: string[]}): void {
      for (const w of result.warnings) if (!shown.has(w)) warn(prefix + w)
    },
  }
}

/**
 * The spanning-tree options of `netops ovs stp on`. `dependsOn` (`netops loop trace` passes ['apply']): every
 * one of them needs those flags, and the booleans have no default (a defaulted flag always counts as given).
 */
export function stpOnFlagsWith(o: {dependsOn?: string[]} = {}) {
  const needs = o.dependsOn === undefined ? {} : {dependsOn: o.dependsOn, helpGroup: 'APPLY'}
  const off = o.dependsOn === undefined ? {default: false} : {}
  return {
    priority: Flags.integer({
      ...needs,
      description: 'bridge priority, a multiple of 4096 from 0 to 61440 (lower wins the root election; default 32768)',
    }),
    'forward-delay': Flags.integer({
      ...needs,
      description: 'seconds in listening and in learning, 4-30 (default 15); needs 2 x (forward-delay - 1) >= max-age',
    }),
    'hello-time': Flags.integer({...needs, description: 'seconds between BPDUs, 1-10 (default 2; STP only)'}),
    'max-age': Flags.integer({...needs, description: 'seconds a BPDU stays valid, 6-40 (default 20)'}),
    rstp: Flags.boolean({...needs, ...off, exclusive: ['force'], description: 'enable RSTP instead of STP (and turn STP off)'}),
    force: Flags.boolean({...needs, ...off, description: 'RSTP is on: turn it off and run STP instead'}),
  }
}

export const stpOnFlags = stpOnFlagsWith()

/** The values of stpOnFlags as parsed. */
export interface StpOnFlagValues {
  priority?: number | undefined
  'forward-delay'?: number | undefined
  'hello-time'?: number | undefined
  'max-age'?: number | undefined
  rstp?: boolean | undefined
  force?: boolean | undefined
}

/** StpOnOptions from stpOnFlags, validated (ranges, multiples of 4096, RSTP without hello-time): InputError before anything is sent. */
export function stpOnOptions(flags: StpOnFlagValues): StpOnOptions {
  const opts: StpOnOptions = {rstp: flags.rstp === true, force: flags.force === true}
  if (flags.priority !== undefined) opts.priority = flags.priority
  if (flags['forward-delay'] !== undefined) opts.forwardDelay = flags['forward-delay']
  if (flags['hello-time'] !== undefined) opts.helloTime = flags['hello-time']
  if (flags['max-age'] !== undefined) opts.maxAge = flags['max-age']
  validateStpOptions(opts)
  return opts
}
