import {readFileSync} from 'node:fs'
import {Flags} from '@oclif/core'
import type * as Yaml from 'yaml'
import {BaseCommand} from './base-command.js'
import {switchConnectionFlags} from './flags.js'
import {multiHostJson, type MultiHostResult} from './multi-host.js'
import {ask, canPrompt} from './prompt.js'
import {renderHostTable} from './render/table.js'
import {sshTargetFromFlags, type SshFlagValues} from './ssh-options.js'
import {InputError, UsageError} from '../errors.js'
import type {PlatformName} from '../platforms/types.js'
import {SwitchDevice} from '../switch/device.js'
import {DEFAULT_RECOVERY_INTERVAL} from '../switch/planner.js'
import type {SessionLogEntry} from '../session/cli-session.js'
import {lazyRequire} from '../util/lazy-require.js'
import {runMany} from '../util/run-many.js'

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
    else if (e.port !== undefined) job.port = JSON.stringify(e.port) // not a port: named as written in the error
    if (e.ssh_port !== undefined) job.sshPort = Number(e.ssh_port)
    if (typeof e.username === 'string') job.username = e.username
    if (e.platform === 'ios' || e.platform === 'nxos' || e.platform === 'auto') job.platform = e.platform
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

  /** Open each switch, run `fn`, close it. One host: its result (errors thrown). Several: a per-host document, exit 10 on any failure. */
  protected async onSwitches<T>(
    flags: SwitchFlagValues,
    fn: (device: SwitchDevice, job: SwitchJob) => Promise<T>,
    describe: (value: T) => string,
  ): Promise<T | MultiHostResult<T>> {
    const jobs = this.jobsFrom(flags)
    await this.ensurePassword(flags)
    const runOne = async (job: SwitchJob): Promise<T> => {
      const target = sshTargetFromFlags(job.host, {...flags, 'ssh-port': job.sshPort, username: job.username})
      const debug = Boolean(process.env.NETOPS_DEBUG)
      const device = await SwitchDevice.open({
        target,
        enablePassword: flags['enable-password'],
        platform: job.platform,
        timeoutMs: flags.timeout * 1000,
        // NETOPS_DEBUG=1: the CLI transcript on stderr (the session layer already masks secrets).
        ...(debug
          ? {
              log: (e: SessionLogEntry) =>
                process.stderr.write(`[${job.host}] ${e.direction === 'sent' ? '>>' : '<<'} ${JSON.stringify(e.text)}\n`),
            }
          : {}),
      })
      for (const w of device.warnings) this.warnLine(`${job.host}: ${w}`)
      try {
        return await fn(device, job)
      } finally {
        await device.close()
      }
    }
    if (jobs.length === 1) {
      return runOne(jobs[0] as SwitchJob)
    }
    const labels = jobs.map((j) => (j.sshPort === undefined ? j.host : `${j.host}:${j.sshPort}`))
    const results = await runMany(labels, flags.concurrency, (_host, i) => runOne(jobs[i] as SwitchJob))
    this.render(() => renderHostTable(results, describe), null)
    return this.settleMany(multiHostJson(results))
  }
}
