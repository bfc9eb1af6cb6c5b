/**
 * The `netops lab switch` result: what is listening where, with which credentials and host key.
 * Passwords appear only when they are the public lab defaults (admin / admin, enable `cisco`);
 * credentials given on the command line are the caller's secrets and are left out.
 */
import {SCENARIO_PORT, type Scenario} from './device.js'
import {LAB_DEFAULTS, type LabSwitch} from './index.js'
import type {PlatformName} from '../../platforms/types.js'

export interface LabSwitchReport {
  host: string
  /** Port of the first (or only) switch. */
  port: number
  /** Ports of all switches (one unless --count). */
  ports: number[]
  platform: PlatformName
  model: 'single' | 'stack'
  scenario: Scenario
  timeScale: number
  legacySsh: boolean
  username: string
  /** 'lab-defaults' when the passwords below are the public defaults, 'custom' when given by flags (then omitted). */
  credentials: 'lab-defaults' | 'custom'
  password?: string
  enablePassword?: string
  hostKeyType: string
  hostKeyFingerprint: string
  hostPublicKey: string
  /** The port the scenario is about, with its current status. */
  scenarioPort: {interface: string; status: string; errDisabledReason: string | null}
  switches: Array<{hostname: string; host: string; port: number; platform?: PlatformName}>
  /** `--topology FILE`: the file the switches were cabled from (each switch then also names its platform). */
  topology?: string
  startedAt: string
}

export function describeLab(
  switches: LabSwitch[],
  meta: {scenario: Scenario; timeScale: number; legacySsh: boolean; model: 'single' | 'stack'; now?: Date; topology?: string},
): LabSwitchReport {
  const first = switches[0]
  if (!first) throw new Error('no switches')
  const defaults = first.password === LAB_DEFAULTS.password && first.enablePassword === LAB_DEFAULTS.enablePassword
  const port = first.device.port(SCENARIO_PORT[first.platform])
  return {
    host: first.host,
    port: first.port,
    ports: switches.map((s) => s.port),
    platform: first.platform,
    model: first.device.model,
    scenario: meta.scenario,
    timeScale: meta.timeScale,
    legacySsh: meta.legacySsh,
    username: first.username,
    credentials: defaults ? 'lab-defaults' : 'custom',
    ...(defaults ? {password: first.password, enablePassword: first.enablePassword} : {}),
    hostKeyType: first.hostPublicKey.split(' ')[0] ?? '',
    hostKeyFingerprint: first.hostKeyFingerprint,
    hostPublicKey: first.hostPublicKey,
    scenarioPort: {interface: port.name, status: first.device.status(port), errDisabledReason: port.errDisabled},
    switches: switches.map((s) => ({
      hostname: s.device.hostname,
      host: s.host,
      port: s.port,
      ...(meta.topology === undefined ? {} : {platform: s.platform}),
    })),
    ...(meta.topology === undefined ? {} : {topology: meta.topology}),
    startedAt: (meta.now ?? new Date()).toISOString(),
  }
}
