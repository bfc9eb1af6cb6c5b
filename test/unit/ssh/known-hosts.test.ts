import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  appendKnownHost,
  checkHostKey,
  defaultKnownHostsFile,
  entryMatchesHost,
  fingerprint,
  hostToken,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
  readKnownHostsFile,
} from '../../../src/ssh/known-hosts.js'

// Generated with ssh-keygen (OpenSSH 9.2): `ssh-keygen -t ed25519`, `ssh-keygen -lf`, `ssh-keygen -H`.
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIOX6Mj3aQqRuDRCOobXKkV+m80P6f8ndsYlHJyVoDe8L'
const KEY_FP = 'SHA256:j2oBcEJlgYoLMTVrL7aIImHCmDEV1n8Bb6KfYknWLF4'
const HASHED_SW1 = '|1|KDWIRfkZKomOvgcNrrtk/8g7QHs=|svqtEHJdgflAD3kEEgeAOea0GtM=' // sw1.lab
const HASHED_PORT = '|1|VSuBGVKaP6LL96gVbkx5flUMZsk=|SFaycPl91IGyzqont+yN/rRMzjs=' // [10.0.0.5]:2222
const blob = Buffer.from(KEY, 'base64')
/** The same key with one byte flipped: a different key of the same type. */
function mutated(fromEnd: number): Buffer {
  const b = Buffer.from(KEY, 'base64')
  const i = b.length - fromEnd
  b.writeUInt8((b.readUInt8(i) ^ 0xff) & 0xff, i)
  return b
}
const OTHER = mutated(1)
const THIRD = mutated(2)

test('fingerprint and key type match what ssh-keygen -lf prints', () => {
  assert.equal(fingerprint(blob), KEY_FP)
  assert.equal(keyTypeOf(blob), 'ssh-ed25519')
  assert.equal(keyTypeOf(Buffer.from([0, 0])), 'unknown')
})

test('hashed |1|salt|hash entries match their host, plain and [host]:port', () => {
  assert.ok(entryMatchesHost(HASHED_SW1, 'sw1.lab', 22))
  assert.ok(entryMatchesHost(HASHED_SW1, 'SW1.lab', 22))
  assert.ok(!entryMatchesHost(HASHED_SW1, 'sw2.lab', 22))
  assert.ok(!entryMatchesHost(HASHED_SW1, 'sw1.lab', 2222))
  assert.ok(entryMatchesHost(HASHED_PORT, '10.0.0.5', 2222))
  assert.ok(!entryMatchesHost(HASHED_PORT, '10.0.0.5', 22))
})

test('[host]:port entries only match that port; plain names only port 22', () => {
  assert.equal(hostToken('h', 22), 'h')
  assert.equal(hostToken('h', 830), '[h]:830')
  assert.ok(entryMatchesHost('[10.0.0.7]:2222', '10.0.0.7', 2222))
  assert.ok(!entryMatchesHost('[10.0.0.7]:2222', '10.0.0.7', 22))
  assert.ok(!entryMatchesHost('10.0.0.7', '10.0.0.7', 2222))
})

test('comma lists with wildcards and negation', () => {
  assert.ok(entryMatchesHost('sw1,sw2,10.0.0.1', 'sw2', 22))
  assert.ok(entryMatchesHost('*.lab,!evil.lab', 'good.lab', 22))
  assert.ok(!entryMatchesHost('*.lab,!evil.lab', 'evil.lab', 22))
})

const FILE = [
  '# comment',
  '',
  `${HASHED_SW1} ssh-ed25519 ${KEY}`,
  `sw2.lab,10.0.0.2 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7`,
  `@cert-authority *.lab ssh-ed25519 ${KEY}`,
  `@revoked bad.lab ssh-ed25519 ${OTHER.toString('base64')}`,
  `@weird-marker sw3.lab ssh-ed25519 ${KEY}`,
  'garbage line',
  `[sw4.lab]:2222 ssh-ed25519 ${KEY} comment here`,
].join('\n')

test('parseKnownHosts keeps line numbers, markers and skips junk', () => {
  const entries = parseKnownHosts(FILE)
  assert.deepEqual(
    entries.map((e) => [e.line, e.marker ?? '', e.hosts, e.keyType]),
    [
      [3, '', HASHED_SW1, 'ssh-ed25519'],
      [4, '', 'sw2.lab,10.0.0.2', 'ssh-rsa'],
      [5, 'cert-authority', '*.lab', 'ssh-ed25519'],
      [6, 'revoked', 'bad.lab', 'ssh-ed25519'],
      [9, '', '[sw4.lab]:2222', 'ssh-ed25519'],
    ],
  )
})

test('checkHostKey: known, unknown, changed (with the old line) and revoked', () => {
  const entries = parseKnownHosts(FILE)
  assert.deepEqual(checkHostKey(entries, 'sw1.lab', 22, blob), {status: 'known', entry: entries[0]})
  assert.equal(checkHostKey(entries, 'sw4.lab', 2222, blob).status, 'known')
  assert.equal(checkHostKey(entries, 'new.lab', 22, blob).status, 'unknown') // @cert-authority *.lab is not a key for new.lab
  const changed = checkHostKey(entries, 'sw1.lab', 22, THIRD)
  assert.equal(changed.status, 'changed')
  assert.equal(changed.status === 'changed' ? changed.entry.line : 0, 3)
  // different key type recorded for the host: still refused as changed (no silent downgrade)
  const typeChange = checkHostKey(entries, '10.0.0.2', 22, blob)
  assert.equal(typeChange.status, 'changed')
  // a revoked key is refused for every host (conservative: OpenSSH's RevokedHostKeys is global too)
  assert.equal(checkHostKey(entries, 'anything', 22, OTHER).status, 'revoked')
  assert.equal(checkHostKey(entries, 'sw1.lab', 22, OTHER).status, 'revoked')
  // a marker we do not know is ignored rather than trusted
  assert.equal(checkHostKey(entries, 'sw3.lab', 22, blob).status, 'unknown')
})

test('knownKeyTypes lists the key types recorded for a host', () => {
  const entries = parseKnownHosts(FILE)
  assert.deepEqual(knownKeyTypes(entries, '10.0.0.2', 22), ['ssh-rsa'])
  assert.deepEqual(knownKeyTypes(entries, 'nowhere', 22), [])
})

test('appendKnownHost creates the directory and file (0600) and the entry reads back as known', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-kh-'))
  try {
    const file = join(dir, 'deep', 'netops', 'known_hosts')
    appendKnownHost(file, 'Sw9.Lab', 2222, blob)
    writeFileSync(file, readFileSync(file, 'utf8').trimEnd()) // no trailing newline: the next append must still start a new line
    appendKnownHost(file, '10.0.0.9', 22, blob)
    assert.equal(readFileSync(file, 'utf8'), `[sw9.lab]:2222 ssh-ed25519 ${KEY}\n10.0.0.9 ssh-ed25519 ${KEY}\n`)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(checkHostKey(readKnownHostsFile(file), 'sw9.lab', 2222, blob).status, 'known')
    assert.deepEqual(readKnownHostsFile(join(dir, 'absent')), [])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('defaultKnownHostsFile uses XDG_CONFIG_HOME when given, else ~/.config', () => {
  assert.equal(defaultKnownHostsFile({configDir: '/x/cfg', homeDir: '/home/op'}), '/x/cfg/netops/known_hosts')
  assert.equal(defaultKnownHostsFile({configDir: '', homeDir: '/home/op'}), '/home/op/.config/netops/known_hosts')
  assert.equal(defaultKnownHostsFile({homeDir: '/home/op'}), '/home/op/.config/netops/known_hosts')
})
