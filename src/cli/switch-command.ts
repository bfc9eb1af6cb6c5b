import {readFileSync} from 'node:fs'
import {Flags} from '@oclif/core'
import type * as Yaml from 'yaml'
import {BaseCommand} from './base-command.js'
import {switchConnectionFlags} from './flags.js'
import {runTargets, uniqueTargets, type TargetsOutcome} from './multi-host.js'
import {ask, canPrompt} from './prompt.js'
import {sshTargetFromFlags, type SshFlagValues} from './ssh-options.js'
import {InputError, UsageError} from '../errors.js'
import {isPlatformName, type PlatformName} from '../platforms/types.js'
import {SwitchDevice} from '../switch/device.js'
import {DEFAULT_RECOVERY_INTERVAL} from '../switch/planner.js'
import type {SessionLogEntry} from '../session/cli-session.js'
import {lazyRequire} from '../util/lazy-require.js'
import type {AskSecret} from '../ssh/types.js'

export const switchFlags = {
  ...switchConnectionFlags,
  port: Flags.string({
    required: false,
    description: 'switch port: 19, gi1/0/19, GigabitEthernet1/0/19, Eth1/19 (a bare number must match one port)',
  }),
  inventory: Flags.string({
    description: 'YAML file listing switches (host, ssh_port, username, platform, port per entry; `defaults:` for all)',
  }),
}

/** The recovery interval the plan aims for; checked per platform once the dialect is known. */
export const intervalFlag = Flags.integer({
  default: DEFAULT_RECOVERY_INTERVAL,
  min: 30,
  max: 86_400,
  description: 'errdisable recovery interval in seconds (IOS 30-86400, NX-OS 30-65535)',
})

export interface SwitchFlagValues extends SshFlagValues {
  'enable-password'?: string | undefined
  platform: 'auto' | PlatformName
  port?: string | undefined
  inventory?: string | undefined
  concurrency: number
}

/** One switch to work on, after merging --host / --inventory entries with the flags. */
export interface SwitchJob {
  host: string
  port: string
  sshPort?: number
  username?: string
  platform: 'auto' | PlatformName
}

/** yaml is only needed for --inventory: loaded then, not at start-up. */
const yaml = lazyRequire<typeof Yaml>('yaml')

/** Read a small switch inventory: `switches: [{host, port?, ssh_port?, username?, platform?}]`, `defaults: {...}`. */
function readSwitchInventory(file: string): Array<Partial<SwitchJob> & {host: string}> {
  let doc: unknown
  try {
    doc = yaml().parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InputError(`cannot read inventory ${file}: ${(error as Error).message}`, {
      suggestions: ['the file is YAML: `switches:` followed by a list of `- host: sw1` entries'],
    })
  }
  const root = (doc ?? {}) as {defaults?: Record<string, unknown>; switches?: unknown}
  if (!Array.isArray(root.switches)) {
    throw new InputError(`${file}: no \`switches:\` list`, {suggestions: ['write `switches:` then one `- host: NAME` line per switch']})
  }
  const defaults = root.defaults ?? {}
  return root.switches.map((entry, i) => {
    const e = {...defaults, ...(typeof entry === 'string' ? {host: entry} : (entry as Record<string, unknown>))}
    if (typeof e.host !== 'string' || e.host === '') {
      throw new InputError(`${file}: switches[${i}] has no host`, {suggestions: ['each entry needs `host: NAME_OR_ADDRESS`']})
    }
    const job: Partial<SwitchJob> & {host: string} = {host: e.host}
    if (typeof e.port === 'string' || typeof e.port === 'number') job.port = String(e.port)
    else if (e.port != null) {
      throw new InputError(`${file}: switches[${i}].port must be a port name or number`, {
        suggestions: ['e.g. `port: 19` or `port: Gi1/0/19`'],
      })
    }
    if (e.ssh_port !== undefined) job.sshPort = Number(e.ssh_port)
    if (typeof e.username === 'string') job.username = e.username
    if (e.platform === 'auto' || isPlatformName(e.platform)) job.platform = e.platform
    return job
  })
}

/** Shared plumbing of `netops switch ...`: hosts, credentials, parallel runs, per-host table. */
export abstract class SwitchCommand extends BaseCommand {
  protected jobsFrom(flags: SwitchFlagValues): SwitchJob[] {
    const entries: Array<Partial<SwitchJob> & {host: string}> = []
    for (const h of flags.host ?? []) entries.push({host: h})
    if (flags.inventory) entries.push(...readSwitchInventory(flags.inventory))
    if (entries.length === 0) {
      throw new UsageError('no switch given', {
        suggestions: [
          'pass --host ADDRESS (repeatable) or --inventory FILE',
          'try the lab: netops lab switch, then --host 127.0.0.1 --ssh-port PORT',
        ],
      })
    }
    return entries.map((e) => {
      const port = e.port ?? flags.port
      if (!port) {
        throw new UsageError(`no switch port given for ${e.host}`, {suggestions: ['pass --port 19 (or gi1/0/19, Eth1/19)']})
      }
      const job: SwitchJob = {host: e.host, port, platform: e.platform ?? flags.platform}
      const sshPort = e.sshPort ?? flags['ssh-port']
      if (sshPort !== undefined) job.sshPort = sshPort
      const username = e.username ?? flags.username
      if (username !== undefined) job.username = username
      return job
    })
  }

  /** Ask for the SSH password once when none is given and we are on a terminal. */
  protected async ensurePassword(flags: SwitchFlagValues): Promise<void> {
    if (flags.password || flags['identity-file'] || process.env.SSH_AUTH_SOCK || !canPrompt() || this.jsonEnabled()) return
    flags.password = await ask('SSH password: ', true)
  }

  /** The switches to work on (see jobsFrom), each once: the same host, SSH port and switch port listed twice runs once, with a warning. */
  protected switchJobs(flags: SwitchFlagValues): SwitchJob[] {
    return uniqueTargets(
      this.jobsFrom(flags),
      (j) => `${jobLabel(j)} port ${j.port}`,
      (m) => this.warnLine(m),
    )
  }

  /**
   * Open each switch, run `fn`, close it; finish with BaseCommand.finishTargets. One switch: its
   * value (errors thrown). Several: in parallel (--concurrency), every switch's outcome.
   */
  protected async onSwitches<T>(
    flags: SwitchFlagValues,
    jobs: SwitchJob[],
    fn: (device: SwitchDevice, job: SwitchJob) => Promise<T>,
  ): Promise<TargetsOutcome<T>> {
    await this.ensurePassword(flags)
    const askSecret = this.secretAsker()
    return runTargets(jobs, {label: jobLabel, concurrency: flags.concurrency}, (job) => this.withSwitch(flags, job, fn, askSecret))
  }

  /** Open one switch (its connection warnings on stderr), run `fn`, always close it. */
  private async withSwitch<T>(
    flags: SwitchFlagValues,
    job: SwitchJob,
    fn: (device: SwitchDevice, job: SwitchJob) => Promise<T>,
    askSecret: AskSecret | undefined,
  ): Promise<T> {
    const target = sshTargetFromFlags(job.host, {...flags, 'ssh-port': job.sshPort, username: job.username}, process.env, askSecret)
    const device = await SwitchDevice.open({
      target,
      enablePassword: flags['enable-password'],
      platform: job.platform,
      timeoutMs: flags.timeout * 1000,
      // NETOPS_DEBUG=1: the CLI transcript on stderr (the session layer already masks secrets).
      ...(process.env.NETOPS_DEBUG ? {log: debugTranscript(job.host)} : {}),
    })
    for (const w of device.warnings) this.warnLine(`${job.host}: ${w}`)
    try {
      return await fn(device, job)
    } finally {
      await device.close()
    }
  }
}

/** A switch's name in the per-host table and --json: `host`, or `host:sshPort` when an SSH port is given. */
export function jobLabel(job: SwitchJob): string {
  return job.sshPort === undefined ? job.host : `${job.host}:${job.sshPort}`
}

function debugTranscript(host: string): (e: SessionLogEntry) => void {
  return (e) => {
    process.stderr.write(`[${host}] ${e.direction === 'sent' ? '>>' : '<<'} ${JSON.stringify(e.text)}\n`)
  }
}
