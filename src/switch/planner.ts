import {InputError} from '../errors.js'
import type {PlatformSpec} from '../platforms/types.js'
import type {PortFacts} from './types.js'

export const DEFAULT_RECOVERY_INTERVAL = 300

export interface PlanOptions {
  intervalSeconds: number
  /** Recover the port now with shutdown / no shutdown. */
  bounce: boolean
}

interface PlannedLine {
  line: string
  /** What the line is for, for the human plan view. */
  purpose: string
}

export interface SkippedLine {
  line: string
  reason: string
}

export interface FixPlan {
  /** Config-mode lines, in the order they are sent (interface block first: it is the actual fix). */
  config: PlannedLine[]
  /** Lines that recover the port now (sent in config mode after `config`), empty without --bounce. */
  bounce: PlannedLine[]
  /** Fix lines not needed because the device already has them, or not supported. */
  skipped: SkippedLine[]
  /** Notes for the operator (NX-OS has no keepalive, ...). */
  notes: string[]
}

function checkInterval(platform: PlatformSpec, seconds: number): void {
  const {min, max} = platform.recoveryIntervalRange
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new InputError(`--interval ${seconds} is out of range for ${platform.displayName} (${min}-${max} seconds)`, {
      suggestions: [`use a value from ${min} to ${max}; ${DEFAULT_RECOVERY_INTERVAL} is the usual choice`],
    })
  }
}

/**
 * Plan only what is missing for: keepalive off on the port (where the platform has one),
 * `errdisable recovery cause loopback`, and `errdisable recovery interval N`.
 * Pure: the same facts give the same plan, and a fixed device gives an empty plan.
 */
export function planFix(facts: PortFacts, platform: PlatformSpec, options: PlanOptions): FixPlan {
  checkInterval(platform, options.intervalSeconds)
  const config: PlannedLine[] = []
  const skipped: SkippedLine[] = []
  const notes: string[] = []
  const ifLine = `interface ${facts.interface}`

  if (!platform.hasEthernetKeepalive) {
    notes.push(
      `${platform.displayName} has no Ethernet keepalive to turn off on ${facts.interface}: the plan is err-disable recovery only.`,
    )
    skipped.push({line: 'no keepalive', reason: `not a ${platform.displayName} interface command`})
  } else if (facts.keepalive === true) {
    config.push({line: ifLine, purpose: `select ${facts.interface}`})
    config.push({line: 'no keepalive', purpose: 'stop the keepalive frames that loop back and trigger err-disable'})
    config.push({line: 'exit', purpose: 'back to global configuration'})
  } else if (facts.keepalive === false) {
    skipped.push({line: 'no keepalive', reason: `keepalive is already off on ${facts.interface}`})
  } else {
    skipped.push({line: 'no keepalive', reason: `${facts.interface} reports no keepalive setting (Keepalive not supported)`})
  }

  if (!facts.recovery.loopbackCauseSupported) {
    skipped.push({line: 'errdisable recovery cause loopback', reason: 'this device lists no `loopback` recovery cause'})
    notes.push('This release has no automatic recovery for loopback err-disable; recover the port with --bounce.')
  } else if (facts.recovery.loopback) {
    skipped.push({line: 'errdisable recovery cause loopback', reason: 'loopback recovery is already enabled'})
  } else {
    config.push({line: 'errdisable recovery cause loopback', purpose: 'bring loopback err-disabled ports back automatically'})
  }

  const intervalLine = `errdisable recovery interval ${options.intervalSeconds}`
  if (facts.recovery.intervalSeconds === options.intervalSeconds) {
    skipped.push({line: intervalLine, reason: `the recovery timer is already ${options.intervalSeconds} s`})
  } else {
    config.push({
      line: intervalLine,
      purpose:
        `retry err-disabled ports after ${options.intervalSeconds} s` +
        (facts.recovery.intervalSeconds === null ? '' : ` (now ${facts.recovery.intervalSeconds} s)`),
    })
  }

  const bounce: PlannedLine[] = []
  if (options.bounce) {
    if (facts.status === 'err-disabled' || facts.adminDown) {
      bounce.push({line: ifLine, purpose: `select ${facts.interface}`})
      bounce.push({line: 'shutdown', purpose: 'clear the err-disabled state'})
      bounce.push({line: 'no shutdown', purpose: 'bring the port up now'})
    } else {
      skipped.push({line: 'shutdown / no shutdown', reason: `${facts.interface} is ${facts.status}, not err-disabled: no bounce needed`})
    }
  }
  return {config, bounce, skipped, notes}
}

/** The exact lines, in sending order. */
export function planLines(plan: FixPlan): string[] {
  return [...plan.config, ...plan.bounce].map((p) => p.line)
}
