/**
 * Drive the lab switch CLI engine over an in-memory stream (no SSH):
 *
 *   const d = labCli({scenario: 'loop'})           // Device on a FakeClock + SimulatedCli, banner written
 *   const out = await d.send('show clock\r')       // keystrokes in; what the terminal showed since, CRLF → LF
 */
import {FakeClock} from '../../src/lab/clock.js'
import {SimulatedCli, type SimulatedCliOptions} from '../../src/lab/switch/cli.js'
import {Device, type DeviceOptions} from '../../src/lab/switch/device.js'

export interface LabCli {
  device: Device
  clock: FakeClock
  session: SimulatedCli
  /** Everything written so far (raw, CRLF). */
  readonly raw: string
  readonly closed: boolean
  /** Feed keystrokes; resolves when the session waits for input again, with the new output (CRLF → LF). */
  send(keys: string): Promise<string>
}

export function labCli(
  opts: DeviceOptions & Partial<Pick<SimulatedCliOptions, 'faults' | 'enablePassword' | 'username' | 'saveDelayMs' | 'banner'>> = {},
): LabCli {
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock()
  const device = new Device({...opts, clock})
  let raw = ''
  let closed = false
  const session = new SimulatedCli({
    device,
    username: opts.username ?? 'admin',
    enablePassword: opts.enablePassword ?? 'cisco',
    saveDelayMs: opts.saveDelayMs ?? 0,
    ...(opts.faults ? {faults: opts.faults} : {}),
    ...(opts.banner === undefined ? {} : {banner: opts.banner}),
    write: (d) => {
      raw += d
    },
    close: () => {
      closed = true
    },
  })
  session.start()
  return {
    device,
    clock,
    session,
    get raw() {
      return raw
    },
    get closed() {
      return closed
    },
    async send(keys: string) {
      const mark = raw.length
      session.feed(keys)
      // type-ahead and async handlers (save delays, faults) run until the session waits for input again
      await session.whenIdle()
      await new Promise((r) => setImmediate(r))
      await session.whenIdle()
      return raw.slice(mark).replace(/\r\n/g, '\n')
    },
  }
}
