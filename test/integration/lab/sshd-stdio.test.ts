/**
 * The stdio front-end as an OpenSSH ForceCommand: a real sshd (test/helpers/sshd.ts) runs the lab
 * CLI for every login (PTY, so stdin is a TTY in raw mode and the simulator does the echo), and the
 * device survives from one login to the next through --state-file.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {test} from 'node:test'
import ssh2 from 'ssh2'
import type {ClientChannel} from 'ssh2'
import {sshdSkip, startSshd} from '../../helpers/sshd.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..')

async function login(host: string, port: number, username: string, key: string, script: Array<[string, RegExp]>): Promise<string> {
  const c = await new Promise<ssh2.Client>((res, rej) => {
    const cl = new ssh2.Client()
    cl.once('ready', () => res(cl))
    cl.once('error', rej)
    cl.connect({host, port, username, privateKey: key, readyTimeout: 15_000})
  })
  try {
    const st = await new Promise<ClientChannel>((res, rej) => c.shell({term: 'vt100'}, (e, s) => (e ? rej(e) : res(s))))
    let buf = ''
    st.on('data', (d: Buffer) => (buf += d.toString('latin1')))
    const waitFor = async (re: RegExp, from: number): Promise<void> => {
      const t0 = Date.now()
      while (!re.test(buf.slice(from))) {
        if (Date.now() - t0 > 15_000) throw new Error(`timeout waiting for ${re}; got ${JSON.stringify(buf.slice(from))}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await waitFor(/sw1>$/, 0)
    for (const [line, until] of script) {
      const from = buf.length
      st.write(line)
      await waitFor(until, from)
    }
    return buf
  } finally {
    c.end()
  }
}

test(
  'through a real sshd: echo by the simulator (no double echo), no-echo enable secret, and state kept across logins',
  {skip: sshdSkip()},
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netops-lab-sshd-'))
    const stateFile = join(dir, 'sw1.json')
    const sshd = await startSshd({
      forceCommand: `cd ${REPO} && exec ${process.execPath} --import tsx src/lab/switch/stdio.ts --state-file ${stateFile}`,
    })
    try {
      const key = readFileSync(sshd.identityFile, 'utf8')
      const first = await login(sshd.host, sshd.port, sshd.user, key, [
        ['enable\r', /Password: $/],
        ['cisco\r', /sw1#$/],
        ['configure terminal\r', /\(config\)#$/],
        ['interface Gi1/0/19\r', /\(config-if\)#$/],
        ['no keepalive\r', /\(config-if\)#$/],
        ['end\r', /sw1#$/],
      ])
      assert.match(
        first,
        /\r\nsw1#configure terminal\r\nEnter configuration commands, one per line\. {2}End with CNTL\/Z\.\r\nsw1\(config\)#/,
      )
      assert.doesNotMatch(first, /cisco/) // the secret is not echoed
      assert.doesNotMatch(first, /ccoonnff/) // the PTY does not echo on top of the simulator
      const second = await login(sshd.host, sshd.port, sshd.user, key, [
        ['enable\r', /Password: $/],
        ['cisco\r', /sw1#$/],
        ['show running-config interface Gi1/0/19\r', /sw1#$/],
      ])
      assert.match(second, /\r\n no keepalive\r\n/)
    } finally {
      await sshd.stop()
      rmSync(dir, {recursive: true, force: true})
    }
  },
)
