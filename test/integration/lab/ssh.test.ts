/**
 * The lab switch over real SSH (ssh2's Client on 127.0.0.1): authentication methods, legacy
 * algorithms, exec, shared state across sessions, faults, a 200-switch fleet, and the stdio
 * front-end in a child process with a state file.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {connect as tcpConnect} from 'node:net'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {after, test} from 'node:test'
import ssh2 from 'ssh2'
import type {ClientChannel, ConnectConfig} from 'ssh2'
import {startLabFleet, startLabSwitch, type LabSwitch, type LabSwitchOptions} from '../../../src/lab/switch/index.js'
import {generateSshKeyPair} from '../../../src/ssh/keys.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..')
const open: LabSwitch[] = []
after(async () => {
  await Promise.all(open.map((s) => s.close()))
})

async function lab(opts: LabSwitchOptions = {}): Promise<LabSwitch> {
  const sw = await startLabSwitch({saveDelayMs: 5, ...opts})
  open.push(sw)
  return sw
}

function connect(sw: LabSwitch, extra: {[K in keyof ConnectConfig]?: ConnectConfig[K] | undefined} = {}): Promise<ssh2.Client> {
  return new Promise((res, rej) => {
    const c = new ssh2.Client()
    c.once('ready', () => res(c))
    c.once('error', rej)
    const cfg: Record<string, unknown> = {
      host: sw.host,
      port: sw.port,
      username: sw.username,
      password: sw.password,
      readyTimeout: 10_000,
      ...extra,
    }
    for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k]
    c.connect(cfg)
  })
}

/** An interactive shell with a PTY; `run(line, until)` sends a line and reads until the regex matches. */
async function shell(
  c: ssh2.Client,
): Promise<{run(text: string, until: RegExp): Promise<string>; stream: ClientChannel; buffer(): string}> {
  const stream = await new Promise<ClientChannel>((res, rej) =>
    c.shell({term: 'vt100', rows: 24, cols: 80}, (e, s) => (e ? rej(e) : res(s))),
  )
  let buf = ''
  let waiter: (() => void) | undefined
  stream.on('data', (d: Buffer) => {
    buf += d.toString('latin1')
    waiter?.()
  })
  const waitFor = (re: RegExp, from: number): Promise<string> =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timeout waiting for ${re} in ${JSON.stringify(buf.slice(from))}`)), 5000)
      const check = (): void => {
        const text = buf.slice(from)
        if (re.test(text)) {
          clearTimeout(timer)
          waiter = undefined
          res(text)
        }
      }
      waiter = check
      check()
    })
  await waitFor(/sw1[>#] ?$/, 0)
  return {
    stream,
    buffer: () => buf,
    async run(text: string, until: RegExp) {
      const from = buf.length
      stream.write(text)
      return waitFor(until, from)
    },
  }
}

test('password login: banner, sw1>, enable with the secret, then the err-disabled port 19 of the loop scenario', async () => {
  const sw = await lab()
  const c = await connect(sw)
  try {
    const sh = await shell(c)
    assert.match(sh.buffer(), /SIMULATED Cisco IOS-XE[\s\S]*\r\nsw1>$/)
    assert.match(await sh.run('enable\r', /Password: $/), /Password: $/)
    await sh.run('cisco\r', /sw1#$/)
    const out = await sh.run('show interfaces status err-disabled\r', /sw1#$/)
    assert.match(out, /\r\nGi1\/0\/19 {5}compute-19 e err-disabled loopback\r\n/)
  } finally {
    c.end()
  }
})

test('a wrong password is refused at the SSH layer', async () => {
  const sw = await lab()
  await assert.rejects(connect(sw, {password: 'wrong'}), (e: Error & {level?: string}) => e.level === 'client-authentication')
})

test('keyboard-interactive login answers the Password: prompt; a wrong answer is refused', async () => {
  const sw = await lab()
  const kbd = (answer: string): Promise<{client: ssh2.Client; prompt: string}> =>
    new Promise((res, rej) => {
      let prompt = ''
      const cl = new ssh2.Client()
      cl.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => {
        prompt = prompts[0]?.prompt ?? ''
        finish([answer])
      })
      cl.once('ready', () => res({client: cl, prompt}))
      cl.once('error', rej)
      cl.connect({
        host: sw.host,
        port: sw.port,
        username: sw.username,
        tryKeyboard: true,
        authHandler: ['keyboard-interactive'],
        readyTimeout: 10_000,
      })
    })
  const {client, prompt} = await kbd(sw.password)
  assert.equal(prompt, 'Password: ')
  client.end()
  await assert.rejects(kbd('wrong'), /authentication methods failed/)
})

test('publickey login works for an authorized key and not for another key', async () => {
  const good = generateSshKeyPair('ed25519')
  const bad = generateSshKeyPair('ed25519')
  const sw = await lab({authorizedKeys: [good.public]})
  const c = await connect(sw, {password: undefined, privateKey: good.private})
  c.end()
  await assert.rejects(connect(sw, {password: undefined, privateKey: bad.private}), /authentication methods failed/)
})

function readIdent(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const s = tcpConnect(port, '127.0.0.1')
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      const i = buf.indexOf('\r\n')
      if (i >= 0) {
        s.destroy()
        res(buf.slice(0, i))
      }
    })
    s.on('error', rej)
  })
}

test('legacy SSH: ident SSH-2.0-Cisco-1.25, RSA host key, and only SHA-1 DH, CBC and hmac-sha1 are accepted (ssh2 client)', async () => {
  const sw = await lab({legacySsh: true})
  assert.equal(await readIdent(sw.port), 'SSH-2.0-Cisco-1.25')
  assert.match(sw.hostPublicKey, /^ssh-rsa /)
  // a client with only modern algorithms cannot agree on anything
  await assert.rejects(connect(sw), /no matching|handshake failed|Handshake failed/i)
  // (diffie-hellman-group-exchange-sha1 is not offered: ssh2's server cannot do group exchange)
  for (const kex of ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'] as const) {
    for (const cipher of ['aes128-cbc', '3des-cbc', 'aes192-cbc', 'aes256-cbc'] as const) {
      let negotiated: {kex: string; serverHostKey: string; cs: {cipher: string; mac: string}} | undefined
      const c = await new Promise<ssh2.Client>((res, rej) => {
        const cl = new ssh2.Client()
        cl.on('handshake', (n) => {
          negotiated = n
        })
        cl.once('ready', () => res(cl))
        cl.once('error', rej)
        cl.connect({
          host: sw.host,
          port: sw.port,
          username: sw.username,
          password: sw.password,
          readyTimeout: 10_000,
          algorithms: {kex: [kex], cipher: [cipher], serverHostKey: ['ssh-rsa'], hmac: ['hmac-sha1']},
        })
      })
      assert.deepEqual(
        {kex: negotiated?.kex, key: negotiated?.serverHostKey, cipher: negotiated?.cs.cipher, mac: negotiated?.cs.mac},
        {kex, key: 'ssh-rsa', cipher, mac: 'hmac-sha1'},
      )
      c.end()
    }
  }
})

test('the modern server offers ed25519 and its fingerprint is the one reported', async () => {
  const sw = await lab()
  let seen = ''
  const c = await connect(sw, {
    hostVerifier: (key: Buffer) => {
      seen = 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '')
      return true
    },
  })
  c.end()
  assert.equal(seen, sw.hostKeyFingerprint)
  assert.match(sw.hostPublicKey, /^ssh-ed25519 /)
})

test('legacy SSH with the OpenSSH client: group14-sha1 + ssh-rsa + aes128-cbc + hmac-sha1 logs in; its default algorithms do not', async () => {
  if (!existsSync('/usr/bin/ssh')) {
    if (process.env.CI === 'true') assert.fail('/usr/bin/ssh (openssh-client) is missing; under CI=true this fails')
    return
  }
  const key = generateSshKeyPair('ed25519')
  const dir = mkdtempSync(join(tmpdir(), 'netops-lab-key-'))
  try {
    writeFileSync(join(dir, 'id'), key.private, {mode: 0o600})
    const sw = await lab({legacySsh: true, authorizedKeys: [key.public]})
    const ssh = (algos: string[]): Promise<{code: number | null; out: string}> =>
      new Promise((res) => {
        execFile(
          '/usr/bin/ssh',
          [
            '-F',
            '/dev/null',
            '-i',
            join(dir, 'id'),
            '-o',
            'IdentitiesOnly=yes',
            '-o',
            'BatchMode=yes',
            '-o',
            'StrictHostKeyChecking=no',
            '-o',
            'UserKnownHostsFile=/dev/null',
            '-o',
            'LogLevel=ERROR',
            ...algos.flatMap((a) => ['-o', a]),
            '-p',
            String(sw.port),
            `${sw.username}@127.0.0.1`,
            'show clock',
          ],
          {timeout: 15_000},
          (e, stdout) => res({code: e ? ((e as {code?: number}).code ?? 1) : 0, out: stdout}),
        )
      })
    const ok = await ssh(['KexAlgorithms=diffie-hellman-group14-sha1', 'HostKeyAlgorithms=ssh-rsa', 'Ciphers=aes128-cbc', 'MACs=hmac-sha1'])
    assert.equal(ok.code, 0)
    assert.match(ok.out, /^\d\d:\d\d:\d\d\.\d{3} UTC /)
    const modern = await ssh([])
    assert.notEqual(modern.code, 0)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('an exec request runs one command and returns only its output, then the channel closes', async () => {
  const sw = await lab()
  const c = await connect(sw)
  try {
    const out = await new Promise<string>((res, rej) => {
      c.exec('show version', (e, st) => {
        if (e) return rej(e)
        let b = ''
        st.on('data', (d: Buffer) => (b += d.toString()))
        st.on('close', () => res(b))
      })
    })
    assert.match(out, /^Cisco IOS XE Software, Version 16\.12\.04\r\n/)
    assert.doesNotMatch(out, /sw1[#>]\s*$/)
  } finally {
    c.end()
  }
})

test('state is shared: a change made in one SSH session shows in another, and in the device model', async () => {
  const sw = await lab()
  const [a, b] = await Promise.all([connect(sw), connect(sw)])
  try {
    const s1 = await shell(a)
    await s1.run('enable\r', /Password: $/)
    await s1.run('cisco\r', /#$/)
    await s1.run('configure terminal\rinterface Gi1/0/19\rno keepalive\rend\r', /sw1#$/)
    const s2 = await shell(b)
    await s2.run('enable\rcisco\r', /sw1#$/)
    assert.match(await s2.run('show interfaces Gi1/0/19 | include Keepalive\r', /sw1#$/), /Keepalive not set/)
    assert.equal(sw.device.port('Gi1/0/19').keepalive, null)
  } finally {
    a.end()
    b.end()
  }
})

test('fault dropAfter: the connection closes right after that command, which took effect', async () => {
  const sw = await lab({faults: {dropAfter: 'no keepalive'}})
  const c = await connect(sw)
  const sh = await shell(c)
  await sh.run('enable\rcisco\rconf t\rint gi1/0/19\r', /\(config-if\)#$/)
  const closed = new Promise<void>((res) => c.once('close', () => res()))
  sh.stream.write('no keepalive\r')
  await closed
  assert.equal(sw.device.port('Gi1/0/19').keepalive, null)
})

test('a fleet of 200 switches starts in under 5 s on distinct ports with one shared host key, and each answers', async () => {
  const t0 = Date.now()
  const fleet = await startLabFleet(200, {timeScale: 0.01})
  const elapsed = Date.now() - t0
  try {
    assert.ok(elapsed < 5000, `fleet start took ${elapsed} ms`)
    assert.equal(new Set(fleet.switches.map((s) => s.port)).size, 200)
    assert.equal(new Set(fleet.switches.map((s) => s.hostKeyFingerprint)).size, 1)
    assert.equal(fleet.switches[199]!.device.hostname, 'sw200')
    for (const sw of [fleet.switches[0]!, fleet.switches[123]!]) {
      const c = await connect(sw)
      const sh = await new Promise<string>((res, rej) =>
        c.exec('show running-config | include hostname', (e, st) => {
          if (e) return rej(e)
          let b = ''
          st.on('data', (d: Buffer) => (b += d.toString()))
          st.on('close', () => res(b))
        }),
      )
      assert.equal(sh.trim(), `hostname ${sw.device.hostname}`)
      c.end()
    }
  } finally {
    await fleet.close()
  }
})

test('the stdio front-end runs the same CLI in a child process and keeps the device in a state file across runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-lab-'))
  const stateFile = join(dir, 'sw1.json')
  const run = (input: string): Promise<string> =>
    new Promise((res, rej) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/lab/switch/stdio.ts'), '--state-file', stateFile], {
        cwd: REPO,
        stdio: ['pipe', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.on('error', rej)
      child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`exit ${code}: ${out}`))))
      child.stdin.end(input)
    })
  try {
    const first = await run('enable\ncisco\nconf t\nint gi1/0/19\nno keepalive\nend\nexit\n')
    assert.match(first, /sw1\(config-if\)#no keepalive\r\n/)
    assert.ok(existsSync(stateFile))
    const second = await run('enable\ncisco\nshow running-config interface Gi1/0/19\nexit\n')
    assert.match(second, /\r\n no keepalive\r\n/)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
