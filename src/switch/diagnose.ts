import type {PlatformSpec} from '../platforms/types.js'
import {DEFAULT_RECOVERY_INTERVAL, planFix, planLines} from './planner.js'
import type {Diagnosis, FlapSummary, PortEvent, PortFacts, Verdict} from './types.js'

/** What each err-disable cause means and what to do about it (operator language). */
const CAUSE_EXPLANATIONS: Record<string, string> = {
  loopback: 'the switch received its own keepalive frame back on this port (a loop on the far side); `no keepalive` stops the detection',
  bpduguard:
    'a BPDU arrived on a port with BPDU guard (portfast edge port): the node is sending spanning-tree frames; if you turned STP on for the node bridge (netops ovs stp on), turn it off there (netops ovs stp off br0) or remove bpduguard on this port',
  loopdetect:
    'Loop Detection Guard (the `loopdetect` interface feature) saw its own loop-detect frame: remove or tune `loopdetect` on the port; keepalive is not involved',
  'link-flap': 'the link went up and down too often (cabling, NIC or optics on the node)',
  linkflaperr: 'the link went up and down too often (cabling, NIC or optics on the node)',
  'psecure-violation': 'port security saw a MAC address it does not allow',
  'security-violation': 'port security saw a MAC address it does not allow',
  'storm-control': 'broadcast / multicast storm control shut the port',
  udld: 'UDLD found a unidirectional link (fiber pair or optics)',
  'channel-misconfig': 'EtherChannel misconfiguration between the switch and the node bond',
  'dhcp-rate-limit': 'DHCP snooping rate limit exceeded',
  'arp-inspection': 'dynamic ARP inspection rate limit exceeded',
}

export function explainCause(cause: string): string {
  return CAUSE_EXPLANATIONS[cause.toLowerCase()] ?? `err-disabled for \`${cause}\` (see the platform documentation for this cause)`
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

/** Count err-disable → recover → err-disable cycles for one cause. */
export function summariseFlaps(events: PortEvent[], cause = 'loopback'): FlapSummary {
  let errDisables = 0
  let recoveries = 0
  let cycles = 0
  let lastRecovery: PortEvent | null = null
  const upTimes: number[] = []
  for (const e of events) {
    const reason = e.reason ?? cause
    if (e.kind === 'err-disabled' && reason === cause) {
      errDisables++
      if (lastRecovery) {
        cycles++
        const a = lastRecovery.seconds
        const b = e.seconds
        if (a !== null && b !== null && b >= a) upTimes.push(Math.round(b - a))
        lastRecovery = null
      }
    } else if (e.kind === 'recovered' && reason === cause) {
      recoveries++
      lastRecovery = e
    }
  }
  return {cycles, errDisables, recoveries, secondsUpAfterRecovery: median(upTimes)}
}

/** Turn the facts read from a switch into a verdict, an explanation and the fix plan. Pure. */
export function diagnose(facts: PortFacts, platform: PlatformSpec, intervalSeconds = DEFAULT_RECOVERY_INTERVAL): Diagnosis {
  const reason = facts.errDisabledReason?.toLowerCase() ?? null
  const errDisabled = facts.status === 'err-disabled'
  const loopbackHistory = facts.events.some(
    (e) => e.kind === 'loopback-detected' || (e.kind === 'err-disabled' && (e.reason ?? 'loopback') === 'loopback'),
  )
  const flaps = summariseFlaps(facts.events)
  const flapping = flaps.cycles >= 2 ? flaps : null
  const findings: string[] = []
  let verdict: Verdict
  let summary: string
  const port = facts.interface
  const interval = facts.recovery.intervalSeconds

  if (errDisabled && reason === null) {
    verdict = 'err-disabled-other'
    summary = `${port} is err-disabled but the device names no cause and its log shows no loop-back; check \`show interfaces status err-disabled\` by hand.`
  } else if (errDisabled && reason !== 'loopback') {
    verdict = 'err-disabled-other'
    summary = `${port} is err-disabled for ${reason}, not for a keepalive loop-back: ${explainCause(reason ?? '')}.`
  } else if (errDisabled || loopbackHistory) {
    if (facts.keepalive === true) {
      verdict = 'keepalive-loopback'
      summary = errDisabled
        ? `${port} is err-disabled because its keepalive frames come back to it (loop-back detected). ` +
          'While keepalive stays on, the port is err-disabled again each time it comes up.'
        : `${port} is up now, but its log shows keepalive loop-back err-disables: it will go down again while keepalive is on.`
    } else if (facts.keepalive === false) {
      verdict = 'loopback-awaiting-recovery'
      summary = errDisabled
        ? `${port} was err-disabled by a keepalive loop-back; keepalive is already off, so it only needs to be recovered ` +
          '(by the recovery timer, or now with shutdown / no shutdown).'
        : `${port} had keepalive loop-back err-disables in the past; keepalive is off now, so they should not recur.`
      if (!errDisabled) verdict = 'healthy'
    } else {
      verdict = 'loopback-no-keepalive-control'
      summary =
        `${port} is ${errDisabled ? 'err-disabled' : 'logged as err-disabled'} for loopback. ` +
        `${platform.displayName} has no Ethernet keepalive to turn off, so netops can only enable automatic recovery; ` +
        'find the loop on the node side.'
    }
    if (flapping) {
      findings.push(
        `Flapping: ${flapping.cycles} err-disable → recover → err-disable cycles in the log` +
          (flapping.secondsUpAfterRecovery === null ? '' : `; each time the port stayed up about ${flapping.secondsUpAfterRecovery} s`) +
          '. Recovery is configured but the cause (keepalive) was not removed.',
      )
    }
  } else if (facts.adminDown || facts.status === 'disabled') {
    verdict = 'admin-down'
    summary = `${port} is administratively down (shutdown); no err-disable involved.`
  } else {
    verdict = 'healthy'
    summary = `${port} is ${facts.status}; no loop-back err-disable found.`
  }

  if (facts.keepalive === true) findings.push(`Keepalive is on (${facts.keepaliveSeconds ?? 10} s) on ${port}.`)
  if (facts.keepalive === false) findings.push(`Keepalive is off on ${port}.`)
  findings.push(
    facts.recovery.loopback
      ? `Automatic recovery for loopback is on (timer ${interval ?? 'unknown'} s).`
      : 'Automatic recovery for loopback is off: the port stays err-disabled until someone bounces it.',
  )
  if (facts.recovery.secondsUntilRecovery !== null) {
    findings.push(`The recovery timer re-enables ${port} in ${facts.recovery.secondsUntilRecovery} s.`)
  }

  const plan = planFix(facts, platform, {intervalSeconds, bounce: false})
  if (verdict === 'err-disabled-other') {
    findings.push(`fix-loop refuses this port: the fix for ${reason} is different (see above).`)
  }
  return {
    host: facts.host,
    hostname: facts.hostname,
    platform: facts.platform,
    software: facts.software,
    interface: facts.interface,
    status: facts.status,
    errDisabledReason: errDisabled ? reason : null,
    keepalive: facts.keepalive,
    recovery: {loopback: facts.recovery.loopback, intervalSeconds: interval},
    secondsUntilRecovery: facts.recovery.secondsUntilRecovery,
    events: facts.events,
    flapping,
    verdict,
    summary,
    findings,
    plan: verdict === 'err-disabled-other' ? [] : planLines(plan),
    notes: [...plan.notes, ...plan.skipped.map((s) => `${s.line}: ${s.reason}`)],
  }
}
