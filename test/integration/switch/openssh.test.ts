import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {SwitchDevice} from '../../../src/switch/device.js'
import {diagnose} from '../../../src/switch/diagnose.js'
import {fixLoop} from '../../../src/switch/fix-loop.js'
import {REPO} from '../../helpers/cli.js'
import {startSshd, sshdSkip, type SshdHandle} from '../../helpers/sshd.js'

/**
 * The SSH layer against a server that is not ssh2's own: OpenSSH's sshd, whose ForceCommand runs
 * the lab switch CLI on the PTY (state kept in a file across logins).
 */
const skip = sshdSkip()
const stdioEntry = join(REPO, 'dist/src/lab/switch/stdio.js')

describe('switch through real OpenSSH sshd', {skip}, () => {
  let dir: string
  before(() => {
    if (!existsSync(stdioEntry)) throw new Error(`${stdioEntry} is missing: run npm run build first`)
    dir = mkdtempSync(join(tmpdir(), 'netops-openssh-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  async function run(sshd: SshdHandle, legacySsh: boolean): Promise<void> {
    const dev = await SwitchDevice.open({
      target: {
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        identityFile: sshd.identityFile,
        knownHostsFile: join(dir, `known_hosts-${legacySsh}`),
        sshConfigFile: null,
        legacySsh,
        timeoutMs: 15_000,
      },
      enablePassword: 'cisco',
      platform: 'auto',
      timeoutMs: 15_000,
    })
    try {
      const d = diagnose(await dev.readPort('19'), dev.platform)
      assert.equal(d.verdict, 'keepalive-loopback')
      const r = await fixLoop(dev, {
        port: '19',
        intervalSeconds: 300,
        dryRun: false,
        bounce: true,
        save: true,
        wait: false,
        waitTimeoutMs: 10_000,
        pollIntervalMs: 200,
        confirm: () => Promise.resolve(true),
      })
      assert.equal(r.verified, true)
      assert.equal(r.after?.status, 'connected')
    } finally {
      await dev.close()
    }
  }

  for (const legacy of [false, true]) {
    test(`diagnose and fix-loop over OpenSSH${legacy ? ' offering only classic IOS algorithms, with --legacy-ssh' : ''}`, async () => {
      const state = join(dir, `state-${legacy}.json`)
      const sshd = await startSshd({
        forceCommand: `${process.execPath} ${stdioEntry} --state-file ${state} --time-scale 0.01`,
        legacyOnly: legacy,
      })
      try {
        await run(sshd, legacy)
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- sshd log ---\n${sshd.log().slice(-2000)}`, {cause: error})
      } finally {
        await sshd.stop()
      }
    })
  }
})
