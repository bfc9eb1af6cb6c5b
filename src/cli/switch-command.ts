import {Flags} from '@oclif/core'
import {BaseCommand} from './base-command.js'
import {switchConnectionFlags} from './flags.js'
import {findRepeats, runTargets, type TargetsOutcome} from './multi-host.js'
import {ask, canPrompt} from './prompt.js'
import {sshTargetFromFlags, type SshFlagValues} from './ssh-options.js'
import {InputError, UsageError} from '../errors.js'
import type {PlatformName} from '../platforms/types.js'
import {SwitchDevice} from '../switch/device.js'
import {DEFAULT_RECOVERY_INTERVAL} from '../switch/planner.js'
import type {SessionLogEntry} from '../session/cli-session.js'
import {endpointKeys} from '../ssh/endpoint.js'
import {resolveTarget} from '../ssh/target.js'
import type {AskSecret} from '../ssh/types.js'

export const switchFlags = {
  ...switchConnectionFlags,
  port: Flags.string({
    required: false,
    description: 'switch port: 19, gi1/0/19, GigabitEthernet1/0/19, Eth1/19 (a bare number must match one port)',
  }),
  inventory: Flags.string({
    description:
      'YAML file listing switches (host, port, ssh_port, username, platform, groups per entry; `defaults:` and `groups:` for several); check it with `netops switch inventory validate FILE`',
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
  /** Where it was given: `--host`, or the inventory's `file:line:column`. */
  source: string
}

/** Shared plumbing of `netops switch ...`: hosts, credentials, parallel runs, per-host table. */
export abstract class SwitchCommand extends BaseCommand {
  protected async jobsFrom(flags: SwitchFlagValues): Promise<SwitchJob[]> {
    const entries: Array<Partial<SwitchJob> & {host: string; source: string}> = []
    for (const h of flags.host ?? []) entries.push({host: h, source: '--host'})
    if (flags.inventory) {
      // yaml and zod are loaded for --inventory only, not at start-up
      const {readSwitchInventory} = await import('../switch/inventory.js')
      for (const s of readSwitchInventory(flags.inventory)) {
        entries.push({
          host: s.host,
          source: s.source,
          ...(s.port === undefined ? {} : {port: s.port}),
          ...(s.sshPort === undefined ? {} : {sshPort: s.sshPort}),
          ...(s.username === undefined ? {} : {username: s.username}),
          ...(s.platform === undefined ? {} : {platform: s.platform}),
        })
      }
    }
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
      const job: SwitchJob = {host: e.host, port, platform: e.platform ?? flags.platform, source: e.source}
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

  /**
   * The switches to work on (see jobsFrom), each device once. The same device (same address and SSH
   * port after ssh_config and a DNS lookup: see endpointKeys) listed twice is refused with exit 2 when
   * the command `changes` it (two sessions would configure and save it at once); for a read-only
   * command the same device and switch port runs once, with a warning.
   */
  protected async switchJobs(flags: SwitchFlagValues, {changes}: {changes: boolean}): Promise<SwitchJob[]> {
    const jobs = await this.jobsFrom(flags)
    if (jobs.length < 2) return jobs // nothing to compare: no ssh_config or DNS lookup ahead of the connection
    const keys = await Promise.all(jobs.map((j) => this.endpointOf(flags, j)))
    if (changes) {
      const repeats = findRepeats(keys)
      if (repeats.length > 0) throw duplicateSwitchesError(jobs, repeats, this.id ?? 'switch')
      return jobs
    }
    const repeats = findRepeats(keys.map((k, i) => k.map((key) => `${key} port ${jobs[i]!.port.toLowerCase()}`)))
    const dropped = new Set(repeats.map((r) => r.index))
    for (const r of repeats) {
      const [job, first] = [jobs[r.index]!, jobs[r.firstIndex]!]
      const same = jobLabel(job) === jobLabel(first) ? '' : ` (the same switch as ${jobLabel(first)})`
      this.warnLine(`${jobLabel(job)} port ${job.port} listed more than once: running it once${same}`)
    }
    return jobs.filter((_, i) => !dropped.has(i))
  }

  /** The device a job reaches (see endpointKeys); by its name as given when it cannot be resolved (the connection reports why). */
  private async endpointOf(flags: SwitchFlagValues, job: SwitchJob): Promise<string[]> {
    try {
      const target = await resolveTarget(
        sshTargetFromFlags(job.host, {...flags, 'ssh-port': job.sshPort, username: job.username}, process.env),
      )
      return await endpointKeys(target)
    } catch {
      return [`unresolved|${job.host.toLowerCase()}:${job.sshPort ?? flags['ssh-port'] ?? ''}`]
    }
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

/** Exit 2: the same switch listed more than once for a command that would configure it. */
function duplicateSwitchesError(jobs: SwitchJob[], repeats: Array<{index: number; firstIndex: number}>, commandId: string): InputError {
  const command = commandId.replace(/:/g, ' ')
  const lines = repeats.map(({index, firstIndex}) => {
    const [job, first] = [jobs[index]!, jobs[firstIndex]!]
    return `  ${jobLabel(job)} port ${job.port} (${job.source}) is the same switch as ${jobLabel(first)} port ${first.port} (${first.source})`
  })
  return new InputError(
    `the same switch is listed more than once; ${command} would configure it from several sessions at once:\n${lines.join('\n')}`,
    {
      suggestions: [
        'list each switch once (same address and SSH port, after ~/.ssh/config and DNS: localhost is 127.0.0.1)',
        `several ports of one switch: run ${command} once per port`,
        'read-only runs (--dry-run, switch diagnose) run a repeated switch once, with a warning',
      ],
      details: {
        duplicates: repeats.map(({index, firstIndex}) => ({
          host: jobs[index]!.host,
          source: jobs[index]!.source,
          sameAs: jobs[firstIndex]!.host,
          sameAsSource: jobs[firstIndex]!.source,
        })),
      },
    },
  )
}

/** NETOPS_DEBUG=1: a switch's CLI transcript on stderr (the session layer already masks secrets). */
export function debugTranscript(host: string): (e: SessionLogEntry) => void {
  return (e) => {
    process.stderr.write(`[${host}] ${e.direction === 'sent' ? '>>' : '<<'} ${JSON.stringify(e.text)}\n`)
  }
}
