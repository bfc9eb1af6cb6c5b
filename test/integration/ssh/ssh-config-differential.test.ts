/**
 * Differential proof: every config of the corpus is resolved by netops and by OpenSSH's `ssh -G`,
 * and the fields netops uses must agree. Without `ssh` the test skips locally and fails under CI=true.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {dirname, join} from 'node:path'
import {parseJumpList, resolveSshConfig, SshConfigError, type SshConfigResult} from '../../../src/ssh/config/resolver.js'
import {resolveTarget} from '../../../src/ssh/target.js'
import {CORPUS} from '../../fixtures/ssh-config/corpus.js'

const FIELDS = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'identityagent',
  'userknownhostsfile',
  'stricthostkeychecking',
  'connecttimeout',
  'proxyjump',
  'proxycommand',
  'hostkeyalgorithms',
  'kexalgorithms',
  'ciphers',
  'macs',
] as const

const sshVersion = spawnSync('ssh', ['-V'], {encoding: 'utf8'})
const haveSsh = sshVersion.error === undefined && sshVersion.status === 0
if (!haveSsh && process.env.CI === 'true') {
  test('ssh is installed (the ssh_config differential needs `ssh -G`)', () => {
    assert.fail('`ssh` (OpenSSH client) is missing: install openssh-client')
  })
}

const pw = userInfo()

/** `ssh -G` output as keyword → values (identityfile repeats). */
function sshG(
  file: string,
  home: string,
  dest: {host: string; user?: string; port?: number},
): {ok: true; fields: Map<string, string[]>} | {ok: false; stderr: string} {
  const args = ['-G', '-F', file]
  if (dest.user !== undefined) args.push('-l', dest.user)
  if (dest.port !== undefined) args.push('-p', String(dest.port))
  args.push('--', dest.host)
  const r = spawnSync('ssh', args, {encoding: 'utf8', env: {...process.env, HOME: home}, stdio: ['ignore', 'pipe', 'pipe']})
  if (r.status !== 0) return {ok: false, stderr: r.stderr}
  const fields = new Map<string, string[]>()
  for (const line of r.stdout.split('\n')) {
    const sp = line.indexOf(' ')
    if (sp === -1) continue
    const k = line.slice(0, sp)
    fields.set(k, [...(fields.get(k) ?? []), line.slice(sp + 1)])
  }
  return {ok: true, fields}
}

const STRICT_AS_SSH_G = {yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new'} as const

/** netops' result in `ssh -G` terms. */
function asSshG(r: SshConfigResult, home: string): Map<string, string[]> {
  const m = new Map<string, string[]>()
  m.set('hostname', [r.hostName])
  m.set('user', [r.user])
  m.set('port', [String(r.port)])
  m.set(
    'identityfile',
    r.identityFiles.map((f) => f.raw),
  )
  m.set('identitiesonly', [r.identitiesOnly ? 'yes' : 'no'])
  if (r.identityAgent !== undefined) m.set('identityagent', [r.identityAgent])
  m.set('userknownhostsfile', [(r.userKnownHostsFiles ?? [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`]).join(' ')])
  m.set('stricthostkeychecking', [STRICT_AS_SSH_G[r.strictHostKeyChecking ?? 'ask']])
  m.set('connecttimeout', [r.connectTimeout === undefined ? 'none' : String(r.connectTimeout)])
  if (r.proxyJump !== undefined) m.set('proxyjump', [r.proxyJump])
  if (r.proxyCommand !== undefined) m.set('proxycommand', [r.proxyCommand.raw])
  for (const k of ['hostkeyalgorithms', 'kexalgorithms', 'ciphers', 'macs'] as const) m.set(k, [r.algorithms[k].join(',')])
  return m
}

let agreed = 0
for (const c of CORPUS) {
  test(`ssh -G agrees: ${c.name}`, {skip: haveSsh ? false : 'ssh is not installed'}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'netops-sshg-'))
    try {
      const sub = (s: string): string => s.replaceAll('@D@', dir).replaceAll('@U@', pw.username)
      mkdirSync(join(dir, '.ssh'), {recursive: true, mode: 0o700})
      for (const [rel, text] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(dir, rel)), {recursive: true})
        writeFileSync(join(dir, rel), sub(text), {mode: 0o644})
      }
      const file = join(dir, 'config')
      writeFileSync(file, sub(c.config), {mode: 0o644})
      for (const h of c.hosts) {
        const dest = typeof h === 'string' ? {host: h} : h
        const ssh = sshG(file, dir, dest)
        let ours: SshConfigResult | SshConfigError
        try {
          ours = resolveSshConfig(file, dest, {
            homeDir: pw.homedir,
            includeHomeDir: dir,
            localUser: pw.username,
            uid: pw.uid,
            env: {...process.env, HOME: dir},
          })
        } catch (e) {
          if (!(e instanceof SshConfigError)) throw e
          ours = e
        }
        const label = `${c.name} / ${dest.host}`
        if (!ssh.ok) {
          assert.ok(ours instanceof SshConfigError, `${label}: ssh rejects the config (${ssh.stderr.trim()}) but netops accepted it`)
          assert.equal(c.error, true, `${label}: ssh rejected a config the corpus expects to be valid: ${ssh.stderr.trim()}`)
          continue
        }
        assert.ok(
          !(ours instanceof SshConfigError),
          `${label}: netops rejected what ssh accepts: ${ours instanceof Error ? ours.message : ''}`,
        )
        assert.notEqual(c.error, true, `${label}: the corpus expects an error but ssh accepted it`)
        const mine = asSshG(ours, pw.homedir)
        for (const f of FIELDS) {
          assert.deepEqual(mine.get(f), ssh.fields.get(f), `${label}: field ${f}`)
        }
      }
      agreed++
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
}

test(
  'each jump hop resolves as the ssh that ProxyJump runs for it (ssh -l user -p port hop)',
  {skip: haveSsh ? false : 'ssh is not installed'},
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netops-sshg-'))
    try {
      const file = join(dir, 'config')
      writeFileSync(
        file,
        [
          'Host tor-7\n  HostName 127.0.0.1\n  Port 22001\n  ProxyJump bastion,ops@inner:2200,[2001:db8::5]\n',
          'Host bastion\n  HostName 192.0.2.1\n  User jump\n  ProxyJump edge\n',
          'Host inner\n  HostName Inner.Example\n  User ignored\n',
          'Host edge\n  HostName 198.51.100.1\n  Port 2022\n',
          'Match host 2001:db8::5\n  User v6jump\n',
        ].join(''),
      )
      const t = await resolveTarget({
        host: 'tor-7',
        homeDir: pw.homedir,
        localUser: pw.username,
        sshConfigFile: file,
        env: {...process.env, HOME: dir},
      })
      // ssh runs `ssh [-l user] [-p port] [-J earlier hops] hop` for the last hop, recursively; the first hop's own ProxyJump goes first
      const hops = [...(parseJumpList('edge') ?? []), ...(parseJumpList('bastion,ops@inner:2200,[2001:db8::5]') ?? [])]
      assert.equal(t.jumps?.length, hops.length)
      hops.forEach((hop, i) => {
        const ssh = sshG(file, dir, {
          host: hop.host,
          ...(hop.user === undefined ? {} : {user: hop.user}),
          ...(hop.port === undefined ? {} : {port: hop.port}),
        })
        assert.ok(ssh.ok)
        const mine = t.jumps?.[i]
        assert.deepEqual(
          [mine?.host, mine?.username, String(mine?.port)],
          [ssh.fields.get('hostname')?.[0], ssh.fields.get('user')?.[0], ssh.fields.get('port')?.[0]],
          `hop ${i}`,
        )
      })
      // the prepended hops are exactly the first hop's own ProxyJump as ssh -G shows it
      const bastion = sshG(file, dir, {host: 'bastion'})
      assert.ok(bastion.ok)
      assert.deepEqual(bastion.fields.get('proxyjump'), ['edge'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  },
)

test('the corpus has at least 40 configs and every one agreed', {skip: haveSsh ? false : 'ssh is not installed'}, () => {
  assert.ok(CORPUS.length >= 40, `only ${CORPUS.length} configs`)
  assert.equal(agreed, CORPUS.length)
})
