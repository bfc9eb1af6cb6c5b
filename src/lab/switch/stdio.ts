/**
 * The lab switch CLI on stdin/stdout, for use as an OpenSSH ForceCommand (so tests can drive
 * the simulator through a real sshd) or by hand in a terminal:
 *
 *   node dist/src/lab/switch/stdio.js [--platform ios|nxos] [--state-file F] [--scenario loop]
 *        [--model single|stack] [--hostname sw1] [--time-scale 1] [--enable-password cisco] [--username admin]
 *
 * On a TTY stdin goes to raw mode (the simulator echoes, like a switch). Each login is a new
 * process, so `--state-file` keeps the device (config, port states, log) across logins.
 * This file is an entry point: it is the one place in src/lab that touches the process.
 */
import {realpathSync} from 'node:fs'
import {parseArgs} from 'node:util'
import {pathToFileURL} from 'node:url'
import {SimulatedCli} from './cli.js'
import {Device, SCENARIOS, type Scenario} from './device.js'
import {bindStateFile, readState} from './state-file.js'
import {isPlatformName, type PlatformName} from '../../platforms/types.js'

export interface StdioOptions {
  platform?: PlatformName
  stateFile?: string
  scenario?: Scenario
  model?: 'single' | 'stack'
  hostname?: string
  timeScale?: number
  username?: string
  enablePassword?: string
  /** Shown in the config log line (`... on vty0 (<remote>)`). */
  remoteAddress?: string
  input?: NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (raw: boolean) => unknown}
  output?: NodeJS.WritableStream & {isTTY?: boolean}
}

/** Run one CLI session on the given streams; resolves when the user exits or input ends. */
export function runStdio(o: StdioOptions = {}): Promise<void> {
  const input = o.input ?? process.stdin
  const output = o.output ?? process.stdout
  const ttyOut = Boolean(output.isTTY)
  const saved = o.stateFile ? readState(o.stateFile) : undefined
  const device = saved
    ? new Device({state: saved})
    : new Device({
        platform: o.platform ?? 'ios',
        scenario: o.scenario ?? 'loop',
        model: o.model ?? 'single',
        hostname: o.hostname ?? 'sw1',
        timeScale: o.timeScale ?? 1,
      })
  const binding = o.stateFile ? bindStateFile(o.stateFile, device) : undefined
  return new Promise((resolve) => {
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      binding?.stop()
      device.close()
      if (input.isTTY && input.setRawMode) input.setRawMode(false)
      input.removeListener('data', onData)
      input.removeListener('end', finish)
      if ('pause' in input && typeof input.pause === 'function') input.pause()
      resolve()
    }
    const cli = new SimulatedCli({
      device,
      username: o.username ?? 'admin',
      enablePassword: o.enablePassword ?? 'cisco',
      remoteAddress: o.remoteAddress ?? '127.0.0.1',
      // libuv's raw TTY mode keeps ONLCR (output \n → \r\n): on a TTY write bare \n so the client gets \r\n
      write: (d) => {
        output.write(ttyOut ? d.replace(/\r\n/g, '\n') : d)
      },
      close: finish,
      ...(binding ? {beforeCommand: () => binding.refresh()} : {}),
    })
    const onData = (d: Buffer | string): void => cli.feed(d)
    if (input.isTTY && input.setRawMode) input.setRawMode(true)
    input.on('data', onData)
    input.on('end', finish)
    cli.start()
  })
}

function main(): void {
  const {values} = parseArgs({
    options: {
      platform: {type: 'string', default: 'ios'},
      'state-file': {type: 'string'},
      scenario: {type: 'string', default: 'loop'},
      model: {type: 'string', default: 'single'},
      hostname: {type: 'string', default: 'sw1'},
      'time-scale': {type: 'string', default: '1'},
      username: {type: 'string', default: 'admin'},
      'enable-password': {type: 'string', default: 'cisco'},
    },
  })
  const platform = isPlatformName(values.platform) ? values.platform : 'ios'
  const scenario = (SCENARIOS as readonly string[]).includes(values.scenario ?? '') ? (values.scenario as Scenario) : 'loop'
  const remote = process.env.SSH_CLIENT?.split(' ')[0] ?? '127.0.0.1'
  void runStdio({
    platform,
    scenario,
    model: values.model === 'stack' ? 'stack' : 'single',
    hostname: values.hostname ?? 'sw1',
    timeScale: Number(values['time-scale'] ?? '1') || 1,
    username: values.username ?? 'admin',
    enablePassword: values['enable-password'] ?? 'cisco',
    remoteAddress: remote,
    ...(values['state-file'] ? {stateFile: values['state-file']} : {}),
  }).then(() => process.stdout.write('', () => process.exit(0)))
}

const entry = process.argv[1]
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) main()
