/**
 * `netops lab switch --topology FILE` as a user runs it (bin/dev.js): one SSH port per switch of the file, and
 * the layer-2 show commands answered over SSH in the IOS-XE and NX-OS layouts the topology describes; a bad file
 * exits 2 with FILE:LINE:COLUMN.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {test} from 'node:test'
import ssh2 from 'ssh2'

const REPO = resolve(import.meta.dirname, '..', '..', '..')

function execOver(port: number, command: string): Promise<string> {
  return new Promise((res, rej) => {
    const c = new ssh2.Client()
    c.once('ready', () =>
      c.exec(command, (e, st) => {
        if (e) return rej(e)
        let b = ''
        st.on('data', (d: Buffer) => (b += d.toString()))
        st.on('close', () => {
          c.end()
          res(b.replace(/\r\n/g, '\n'))
        })
      }),
    )
    c.once('error', rej)
    c.connect({host: '127.0.0.1', port, username: 'admin', password: 'admin', readyTimeout: 10_000})
  })
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now()
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

test('two cabled switches over SSH: IOS-XE sw1 and NX-OS sw2 answer MAC table, LLDP, CDP and VLAN commands per the topology', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--no-warnings', 'bin/dev.js', 'lab', 'switch', '--json', '--topology', 'test/fixtures/lab/two-switches.yaml'],
    {cwd: REPO, env: {...process.env, NO_COLOR: '1'}},
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
  try {
    await until('the JSON document', () => {
      try {
        JSON.parse(out)
        return true
      } catch {
        return false
      }
    })
    const doc = JSON.parse(out) as {
      switches: Array<{hostname: string; port: number; platform?: string}>
      platform: string
      topology?: string
    }
    assert.deepEqual(
      doc.switches.map((s) => s.hostname),
      ['sw1', 'sw2'],
    )
    assert.equal(doc.platform, 'ios')
    assert.equal(doc.topology, 'test/fixtures/lab/two-switches.yaml')
    assert.deepEqual(
      doc.switches.map((s) => s.platform),
      ['ios', 'nxos'],
    )
    const [sw1, sw2] = doc.switches.map((s) => s.port) as [number, number]
    assert.notEqual(sw1, sw2)

    // IOS-XE
    const mac = await execOver(sw1, 'show mac address-table interface GigabitEthernet1/0/19')
    assert.match(mac, /^Vlan {4}Mac Address {7}Type {8}Ports$/m)
    assert.match(mac, /^ {2}10 {4}5254\.00aa\.bb01 {4}DYNAMIC {5}Gi1\/0\/19$/m)
    assert.match(mac, /^ {2}10 {4}5254\.00cc\.dd01 {4}DYNAMIC {5}Gi1\/0\/19$/m)
    assert.match(mac, /^Total Mac Addresses for this criterion: 2$/m)
    const lldp = await execOver(sw1, 'show lldp neighbors gi1/0/19 detail')
    assert.match(
      lldp,
      /^Local Intf: Gi1\/0\/19\nChassis id: 5254\.00aa\.bb01\nPort id: 5254\.00aa\.bb01\nPort Description: eth0\nSystem Name: node1$/m,
    )
    assert.match(lldp, /^ {4}IP: 192\.0\.2\.21$/m)
    assert.match(lldp, /^Total entries displayed: 1$/m)
    assert.match(await execOver(sw1, 'show lldp neighbors gi1/0/20 detail'), /^Total entries displayed: 0$/m)
    const cdp = await execOver(sw1, 'sh cdp nei gi1/0/19 det')
    assert.match(cdp, /^Device ID: node1$/m)
    assert.match(cdp, /^Interface: GigabitEthernet1\/0\/19, {2}Port ID \(outgoing port\): eth0$/m)
    assert.match(cdp, /^Total cdp entries displayed : 1$/m)
    assert.match(await execOver(sw1, 'show cdp neighbors gi1/0/24 detail'), /^Device ID: sw2\(FDO21120U5D\)$/m)
    assert.match(await execOver(sw1, 'show vlan brief'), /^10 {3}compute {26}active {4}Gi1\/0\/19$/m)
    assert.match(await execOver(sw1, 'show interfaces gi1/0/24 switchport'), /^Administrative Mode: trunk\nOperational Mode: trunk$/m)
    assert.match(await execOver(sw1, 'show mac address-table vlan 10'), /^Total Mac Addresses for this criterion: 2$/m)

    // NX-OS
    const nxMac = await execOver(sw2, 'show mac address-table interface ethernet1/20')
    assert.match(nxMac, /^ {3}VLAN {5}MAC Address {6}Type {6}age {5}Secure NTFY Ports$/m)
    assert.match(nxMac, /^\* {3}10 {5}5254\.00aa\.bb02 {3}dynamic {2}0 {9}F {6}F {4}Eth1\/20$/m)
    const nxLldp = await execOver(sw2, 'show lldp neighbors interface ethernet1/20 detail')
    assert.match(nxLldp, /^Chassis id: 5254\.00aa\.bb01\nPort id: 5254\.00aa\.bb02\nLocal Port id: Eth1\/20\nPort Description: eth1$/m)
    assert.match(nxLldp, /^Total entries displayed: 1$/m)
    const nxUplink = await execOver(sw2, 'show lldp neighbors interface ethernet1/1 detail')
    assert.match(nxUplink, /^Port id: Gi1\/0\/24\nLocal Port id: Eth1\/1\nPort Description: GigabitEthernet1\/0\/24\nSystem Name: sw1$/m)
    assert.match(await execOver(sw2, 'show cdp neighbors interface ethernet1/1 detail'), /^Device ID:sw1$/m)
    assert.equal(await execOver(sw2, 'show cdp neighbors interface ethernet1/20 detail'), '')
    assert.match(await execOver(sw2, 'show vlan brief'), /^10 {3}compute {26}active {4}Eth1\/20$/m)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  assert.doesNotMatch(err, /error/i)
})

test('a bad topology file exits 2 naming FILE:LINE:COLUMN, nothing listens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-topo-'))
  try {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'switches:\n  - hostname: sw1\n    ports:\n      Gi1/0/19: {vlan: 10, cable: {node: n1, nic: eth0, mac: nope}}\n')
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', 'bin/dev.js', 'lab', 'switch', '--topology', file], {
      cwd: REPO,
      env: {...process.env, NO_COLOR: '1'},
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(r.status, 2)
    assert.equal(r.stdout, '')
    assert.match(
      r.stderr,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:62: switches\\[0\\]\\.ports\\.Gi1/0/19\\.cable\\.mac: expected a MAC address`,
      ),
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
