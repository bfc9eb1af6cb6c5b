import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {
  ConnectionLostError,
  DeviceCommandError,
  EnableAuthError,
  InterruptedError,
  PortAmbiguousError,
  PortNotFoundError,
  SshAuthError,
  SshHostKeyChangedError,
  SshTimeoutError,
  WrongCauseError,
} from '../../../src/errors.js'
import {startLabSwitch, type LabSwitch, type LabSwitchOptions} from '../../../src/lab/switch/index.js'
import {SwitchDevice} from '../../../src/switch/device.js'
import {diagnose} from '../../../src/switch/diagnose.js'
import {fixLoop, type FixLoopOptions} from '../../../src/switch/fix-loop.js'

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'netops-switch-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

function open(
  lab: LabSwitch,
  over: {password?: string; enablePassword?: string; timeoutMs?: number; legacySsh?: boolean; knownHosts?: string} = {},
) {
  return SwitchDevice.open({
    target: {
      host: lab.host,
      port: lab.port,
      username: lab.username,
      password: over.password ?? lab.password,
      knownHostsFile: over.knownHosts ?? join(dir, 'known_hosts'),
      sshConfigFile: null,
      legacySsh: over.legacySsh ?? false,
      timeoutMs: over.timeoutMs ?? 10_000,
    },
    enablePassword: over.enablePassword ?? lab.enablePassword,
    platform: 'auto',
    timeoutMs: over.timeoutMs ?? 10_000,
  })
}

function fixOptions(over: Partial<FixLoopOptions> = {}): FixLoopOptions {
  return {
    port: '19',
    intervalSeconds: 300,
    dryRun: false,
    bounce: false,
    save: false,
    wait: false,
    waitTimeoutMs: 10_000,
    pollIntervalMs: 100,
    confirm: () => Promise.resolve(true),
    ...over,
  }
}

async function withLab<T>(opts: LabSwitchOptions, fn: (lab: LabSwitch) => Promise<T>): Promise<T> {
  const lab = await startLabSwitch({timeScale: 0.01, ...opts})
  try {
    return await fn(lab)
  } finally {
    await lab.close()
  }
}

describe('switch over SSH to the lab switch (IOS)', () => {
  test('diagnose finds the keepalive loop-back on port 19 and never enters config mode', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      const seen: string[] = []
      try {
        const d = diagnose(await dev.readPort('19'), dev.platform)
        assert.equal(d.interface, 'GigabitEthernet1/0/19')
        assert.equal(d.status, 'err-disabled')
        assert.equal(d.errDisabledReason, 'loopback')
        assert.equal(d.keepalive, true)
        assert.equal(d.verdict, 'keepalive-loopback')
        assert.ok(d.events.some((e) => e.kind === 'loopback-detected'))
        assert.ok(d.events.some((e) => e.kind === 'err-disabled' && e.reason === 'loopback'))
        assert.deepEqual(d.plan, ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback'])
        seen.push(dev.session.mode)
      } finally {
        await dev.close()
      }
      assert.deepEqual(seen, ['privileged'])
      assert.equal(lab.device.lastConfigChange, null)
    })
  })

  test('fix-loop applies only what is missing, bounces, saves, verifies; a second run sends nothing', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      try {
        const r = await fixLoop(dev, fixOptions({bounce: true, save: true}))
        assert.equal(r.changed, true)
        assert.deepEqual(r.applied, [
          'interface GigabitEthernet1/0/19',
          'no keepalive',
          'exit',
          'errdisable recovery cause loopback',
          'interface GigabitEthernet1/0/19',
          'shutdown',
          'no shutdown',
        ])
        assert.equal(r.saved, true)
        assert.equal(r.bounced, true)
        assert.equal(r.verified, true)
        assert.equal(r.before.status, 'err-disabled')
        assert.equal(r.after?.status, 'connected')
        assert.equal(r.after?.keepalive, false)
        assert.equal(r.after?.recovery.loopback, true)
        assert.ok(lab.device.startupConfig?.some((l) => l.trim() === 'no keepalive'))
        const again = await fixLoop(dev, fixOptions())
        assert.equal(again.changed, false)
        assert.deepEqual(again.applied, [])
      } finally {
        await dev.close()
      }
      // The loop is still physically there, but with keepalive off the port stays up.
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(lab.device.status(lab.device.port('Gi1/0/19')), 'connected')
    })
  })

  test('without --bounce the recovery timer brings the port back and --wait sees it come up', async () => {
    await withLab({timeScale: 0.005}, async (lab) => {
      const dev = await open(lab)
      try {
        const r = await fixLoop(dev, fixOptions({wait: true, waitTimeoutMs: 15_000}))
        assert.equal(r.bounced, false)
        assert.equal(r.waited?.up, true)
        assert.equal(r.after?.status, 'connected')
      } finally {
        await dev.close()
      }
    })
  })

  test('--dry-run plans and sends no configuration', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      try {
        const r = await fixLoop(dev, fixOptions({dryRun: true, confirm: () => assert.fail('dry run must not ask')}))
        assert.equal(r.dryRun, true)
        assert.equal(r.changed, false)
        assert.equal(r.plan.length, 4)
      } finally {
        await dev.close()
      }
      assert.equal(lab.device.lastConfigChange, null)
      assert.equal(lab.device.port('Gi1/0/19').keepalive, 10)
    })
  })

  test('a flapping port (recovery on, keepalive on) is diagnosed as flapping and fixed with no keepalive only', async () => {
    await withLab({scenario: 'flapping'}, async (lab) => {
      const dev = await open(lab)
      try {
        const d = diagnose(await dev.readPort('19'), dev.platform)
        assert.equal(d.verdict, 'keepalive-loopback')
        assert.ok((d.flapping?.cycles ?? 0) >= 2, `flapping cycles: ${JSON.stringify(d.flapping)}`)
        assert.deepEqual(d.plan, ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit'])
      } finally {
        await dev.close()
      }
    })
  })

  test('a port err-disabled for bpduguard is refused with the cause explained', async () => {
    await withLab({scenario: 'bpduguard'}, async (lab) => {
      const dev = await open(lab)
      try {
        await assert.rejects(fixLoop(dev, fixOptions()), (err: unknown) => {
          assert.ok(err instanceof WrongCauseError)
          assert.match(err.message, /bpduguard/)
          assert.match(err.suggestions.join(' '), /ovs stp off/)
          return true
        })
      } finally {
        await dev.close()
      }
      assert.equal(lab.device.lastConfigChange, null)
    })
  })

  test('a bare port number matching two stack members is refused with the candidates; an unknown one gets the nearest', async () => {
    await withLab({model: 'stack'}, async (lab) => {
      const dev = await open(lab)
      try {
        await assert.rejects(dev.readPort('19'), (err: unknown) => {
          assert.ok(err instanceof PortAmbiguousError)
          assert.match(err.message, /Gi1\/0\/19/)
          assert.match(err.message, /Gi2\/0\/19/)
          return true
        })
        await assert.rejects(dev.readPort('gi1/0/99'), (err: unknown) => {
          assert.ok(err instanceof PortNotFoundError)
          assert.match(err.message, /nearest/)
          return true
        })
        const d = diagnose(await dev.readPort('GigabitEthernet1/0/19'), dev.platform)
        assert.equal(d.interface, 'GigabitEthernet1/0/19')
      } finally {
        await dev.close()
      }
    })
  })

  test('% Invalid input mid-plan stops, names the line, reports what was applied, and leaves config mode', async () => {
    await withLab({faults: {rejectLines: ['errdisable recovery cause loopback']}}, async (lab) => {
      const dev = await open(lab)
      try {
        await assert.rejects(fixLoop(dev, fixOptions()), (err: unknown) => {
          assert.ok(err instanceof DeviceCommandError)
          assert.match(err.message, /errdisable recovery cause loopback/)
          assert.deepEqual(err.details?.applied, ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit'])
          return true
        })
        assert.equal(dev.session.mode, 'privileged')
        // The session is still usable after the error.
        const again = await dev.readPort('19')
        assert.equal(again.keepalive, false)
      } finally {
        await dev.close()
      }
    })
  })

  test('a connection dropped mid-plan is reported with exactly the lines applied', async () => {
    await withLab({faults: {dropAfter: 'no keepalive'}}, async (lab) => {
      const dev = await open(lab)
      try {
        await assert.rejects(fixLoop(dev, fixOptions()), (err: unknown) => {
          assert.ok(err instanceof ConnectionLostError)
          assert.deepEqual(err.details?.applied, ['interface GigabitEthernet1/0/19'])
          assert.deepEqual(err.details?.notApplied, ['no keepalive', 'exit', 'errdisable recovery cause loopback'])
          return true
        })
      } finally {
        await dev.close()
      }
    })
  })

  test('an interrupt after a line stops before the next one, leaves config mode, does not save, says what is missing', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      const controller = new AbortController()
      const states: string[][] = []
      try {
        await assert.rejects(
          fixLoop(
            dev,
            fixOptions({
              save: true,
              signal: controller.signal,
              onState: (s) => {
                states.push(s.applied)
                if (s.applied.at(-1) === 'no keepalive') controller.abort()
              },
            }),
          ),
          (err: unknown) => {
            assert.ok(err instanceof InterruptedError)
            assert.equal(err.exitCode, 15)
            assert.deepEqual(err.details?.applied, ['interface GigabitEthernet1/0/19', 'no keepalive'])
            assert.deepEqual(err.details?.notApplied, ['exit', 'errdisable recovery cause loopback'])
            assert.equal(err.details?.saved, false)
            assert.equal(
              err.details?.summary,
              'interrupted: applied 2 of 4 lines on 127.0.0.1 (interface GigabitEthernet1/0/19; no keepalive); not saved',
            )
            return true
          },
        )
        assert.deepEqual(states[0], [], 'the plan is told before anything is sent')
        assert.equal(dev.session.mode, 'privileged', 'config mode was left')
        assert.equal(lab.device.startupConfig, null)
        assert.ok(!lab.device.recoveryCauses.has('loopback'))
      } finally {
        await dev.close()
      }
    })
  })

  test('an interrupt between the bounce shutdown and no shutdown still sends no shutdown: the port is never left shut', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      const controller = new AbortController()
      try {
        await assert.rejects(
          fixLoop(
            dev,
            fixOptions({
              bounce: true,
              signal: controller.signal,
              onState: (s) => {
                if (s.applied.at(-1) === 'shutdown') controller.abort()
              },
            }),
          ),
          (err: unknown) => {
            assert.ok(err instanceof InterruptedError)
            assert.equal(err.details?.applied && (err.details.applied as string[]).at(-1), 'no shutdown')
            assert.deepEqual(err.details?.notApplied, [])
            return true
          },
        )
        assert.equal(lab.device.port('Gi1/0/19').shutdown, false)
      } finally {
        await dev.close()
      }
    })
  })

  test('an interrupt before anything is sent ends the run with nothing applied', async () => {
    await withLab({}, async (lab) => {
      const dev = await open(lab)
      const controller = new AbortController()
      controller.abort()
      try {
        await assert.rejects(fixLoop(dev, fixOptions({signal: controller.signal})), (err: unknown) => {
          assert.ok(err instanceof InterruptedError)
          assert.match(err.message, /nothing was applied; not saved/)
          assert.deepEqual(err.details?.applied, [])
          return true
        })
        assert.equal(lab.device.lastConfigChange, null)
      } finally {
        await dev.close()
      }
    })
  })

  test('a device slower than --timeout is a timeout naming the command', async () => {
    await withLab({faults: {delayMs: 1500}}, async (lab) => {
      await assert.rejects(open(lab, {timeoutMs: 500}), (err: unknown) => {
        assert.ok(err instanceof SshTimeoutError, String(err))
        return true
      })
    })
  })

  test('a wrong login password is an auth error that never shows the password', async () => {
    await withLab({}, async (lab) => {
      await assert.rejects(open(lab, {password: 'not-the-Pa55word'}), (err: unknown) => {
        assert.ok(err instanceof SshAuthError)
        assert.doesNotMatch(JSON.stringify({m: (err as Error).message, s: err.suggestions}), /not-the-Pa55word/)
        return true
      })
    })
  })

  test('a wrong enable secret is an EnableAuthError', async () => {
    await withLab({}, async (lab) => {
      await assert.rejects(open(lab, {enablePassword: 'wrong-secret'}), EnableAuthError)
    })
  })

  test('a changed host key on a known host is refused', async () => {
    const kh = join(dir, 'kh-change')
    const first = await startLabSwitch({timeScale: 0.01})
    const port = first.port
    const dev = await open(first, {knownHosts: kh})
    await dev.close()
    await first.close()
    const second = await startLabSwitch({timeScale: 0.01, port})
    try {
      await assert.rejects(open(second, {knownHosts: kh}), SshHostKeyChangedError)
    } finally {
      await second.close()
    }
  })

  test('paging stuck on is handled by answering --More--', async () => {
    await withLab({faults: {stuckPaging: true}}, async (lab) => {
      const dev = await open(lab)
      try {
        const f = await dev.readPort('19')
        assert.equal(f.status, 'err-disabled')
        assert.equal(f.recovery.intervalSeconds, 300)
      } finally {
        await dev.close()
      }
    })
  })

  test('--legacy-ssh reaches a switch that offers only classic IOS algorithms; without it the error says so', async () => {
    await withLab({legacySsh: true}, async (lab) => {
      await assert.rejects(open(lab, {knownHosts: join(dir, 'kh-legacy')}), (err: unknown) => {
        assert.match(`${(err as Error).message} ${(err as {suggestions?: string[]}).suggestions?.join(' ')}`, /--legacy-ssh/)
        return true
      })
      const dev = await open(lab, {legacySsh: true, knownHosts: join(dir, 'kh-legacy')})
      try {
        assert.equal((await dev.readPort('19')).status, 'err-disabled')
      } finally {
        await dev.close()
      }
    })
  })
})

describe('switch over SSH to the lab switch (NX-OS)', () => {
  test('the NX-OS plan is recovery only, says why, and applies', async () => {
    await withLab({platform: 'nxos'}, async (lab) => {
      const dev = await open(lab)
      try {
        assert.equal(dev.platform.name, 'nxos')
        const d = diagnose(await dev.readPort('Eth1/19'), dev.platform)
        assert.equal(d.interface, 'Ethernet1/19')
        assert.equal(d.verdict, 'loopback-no-keepalive-control')
        assert.deepEqual(d.plan, ['errdisable recovery cause loopback'])
        assert.match(d.notes.join(' '), /no Ethernet keepalive/)
        const r = await fixLoop(dev, fixOptions({port: 'Eth1/19', save: true}))
        assert.deepEqual(r.applied, ['errdisable recovery cause loopback'])
        assert.equal(r.saved, true)
        assert.equal(r.after?.recovery.loopback, true)
        assert.ok(!lab.device.log.some((e) => /keepalive/.test(e.text) && /Invalid/.test(e.text)))
      } finally {
        await dev.close()
      }
    })
  })
})
