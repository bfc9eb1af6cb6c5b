/**
 * Real clients: Debian 12's cloud-init 22.4.2 datasource code (Ec2, OpenStack, NoCloud-net,
 * CloudStack) crawling `startMetadataServer`, several VMs at once, each from its own loopback
 * address. Every VM must get exactly its own instance-id, hostname, keys, user-data, vendor-data,
 * network config (and CloudStack password), and nothing of any other VM.
 *
 * Needs scripts/fetch-cloud-init.sh (run by scripts/install-test-deps.sh); skipped with the
 * reason when it has not run, and FAILS under CI=true.
 */
import assert from 'node:assert/strict'
import {createHash, generateKeyPairSync} from 'node:crypto'
import {afterEach, beforeEach, describe, test} from 'node:test'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/index.js'
import {cloudInitSkip, crawl, userDataText, type CrawlFlavor, type CrawlResult} from '../../helpers/cloud-init.js'

/** A real OpenSSH ed25519 public key line (the inventory validates the shape). */
function sshKey(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({type: 'spki', format: 'der'})
  const raw = der.subarray(der.length - 32)
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    return Buffer.concat([len, b])
  }
  const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)])
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`
}

interface Vm {
  id: string
  uuid: string
  hostname: string
  ip: string
  macs: [string, string]
  addrs: [string, string]
  key: string
  password: string
}

// Names, addresses and MACs chosen so that no VM's token is a substring of another's.
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'] as const
const VMS: Vm[] = NAMES.map((name, i) => ({
  id: `ci-${name}`,
  uuid: `6f1e${i}a2c-7d4b-4c1e-9a3f-00000000a${i}b${i}`,
  hostname: `host-${name}`,
  ip: `127.77.${i + 1}.${i + 11}`,
  macs: [`52:54:00:7${i}:00:0a`, `52:54:00:7${i}:01:0b`],
  addrs: [`10.${i + 41}.0.5`, `172.${i + 21}.9.7`],
  key: sshKey(`ops-${name}@bastion`),
  password: `pw-${name}-${i}x`,
}))
const NICS = (vm: Vm): Record<string, string> => ({[vm.macs[0]]: 'eth0', [vm.macs[1]]: 'eth1'})

const INVENTORY = {
  profiles: {
    waf: {
      user_data: '#!/bin/sh\necho "{{ hostname }} ready" > /run/netops-booted\n',
      vendor_data: '#cloud-config\nruncmd: [echo "vendor {{ id }}"]\n',
      meta_data: {role: 'waf'},
    },
  },
  instances: VMS.map((vm) => ({
    id: vm.id,
    uuid: vm.uuid,
    hostname: vm.hostname,
    ip: vm.ip,
    mac: vm.macs[0],
    profile: 'waf',
    public_keys: [vm.key],
    password: vm.password,
    meta_data: {rack: `rack-${vm.id}`},
    interfaces: [
      {name: 'mgmt', mac: vm.macs[0], address: `${vm.addrs[0]}/24`, gateway: vm.addrs[0].replace(/\.5$/, '.1'), dns: ['10.99.0.53']},
      {name: 'inside', mac: vm.macs[1], address: `${vm.addrs[1]}/16`},
    ],
  })),
}

const expectedUserData = (vm: Vm) => `#!/bin/sh\necho "${vm.hostname} ready" > /run/netops-booted\n`
const expectedVendorData = (vm: Vm) => `#cloud-config\nruncmd: [echo "vendor ${vm.id}"]\n`

/** Strings that belong to one VM only: none may appear in another VM's crawl. */
function tokens(vm: Vm): string[] {
  return [vm.id, vm.uuid, vm.hostname, vm.ip, ...vm.macs, ...vm.addrs, vm.key.split(' ')[1]!, `rack-${vm.id}`]
}

function assertNoLeak(vm: Vm, r: CrawlResult): void {
  const seen = JSON.stringify({...r, userData: userDataText(r)})
  for (const other of VMS) {
    if (other === vm) continue
    for (const t of tokens(other)) assert.ok(!seen.includes(t), `${vm.id} (${r.flavor}) received ${other.id}'s ${t}`)
  }
}

/** Static IPv4 addresses of the NICs, the MACs and the DNS servers of a v1 or v2 network config. */
function netFacts(cfg: unknown): {addresses: string[]; macs: string[]; dns: string[]} {
  const addresses = new Set<string>()
  const macs = new Set<string>()
  const dns = new Set<string>()
  const walk = (v: unknown, key?: string, inDns = false): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key, inDns))
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      const nameserver = o['type'] === 'nameserver' // v1: {type: nameserver, address: ...}
      for (const [k, x] of Object.entries(o)) walk(x, k, inDns || nameserver || /^(dns_nameservers|nameservers)$/.test(k))
    } else if (typeof v === 'string') {
      if (inDns && /^(address|addresses|dns_nameservers)$/.test(key ?? '')) dns.add(v)
      else if ((key === 'address' || key === 'addresses') && /^\d+\.\d+\.\d+\.\d+/.test(v)) addresses.add(v.split('/')[0]!)
      if (key === 'mac_address' || key === 'macaddress') macs.add(v.toLowerCase())
    }
  }
  walk(cfg)
  return {addresses: [...addresses].sort(), macs: [...macs].sort(), dns: [...dns].sort()}
}

function assertVm(vm: Vm, r: CrawlResult): void {
  const where = `${vm.id} via ${r.flavor} from ${vm.ip}`
  assert.equal(r.ok, true, `${where}: ${r.error ?? ''}\n${(r.log ?? []).join('\n')}`)
  assert.equal(r.exitCode, 0)
  // OpenStack's instance-id is meta_data.json's uuid.
  assert.equal(r.instanceId, r.flavor === 'openstack' ? vm.uuid : vm.id, where)
  assert.equal(r.localHostname, vm.hostname, where)
  assert.deepEqual(r.publicKeys, [vm.key], where)
  assert.equal(userDataText(r), expectedUserData(vm), where)
  assert.deepEqual(r.warnings, [], `${where}: cloud-init warned`)
  const net = netFacts(r.networkConfig)
  switch (r.flavor) {
    case 'ec2':
      // EC2 metadata can only say "DHCP on the NICs I know": both real MACs, nothing else.
      assert.deepEqual(net.macs, [...vm.macs].sort(), where)
      break
    case 'openstack':
      assert.equal(r.vendorData, expectedVendorData(vm), where)
      assert.deepEqual(net.macs, [...vm.macs].sort(), where)
      assert.deepEqual(net.addresses, [...vm.addrs].sort(), where)
      assert.deepEqual(net.dns, ['10.99.0.53'], where)
      break
    case 'nocloud':
      assert.equal(r.vendorData, expectedVendorData(vm), where)
      assert.deepEqual(net.addresses, [...vm.addrs].sort(), where)
      assert.deepEqual(net.dns, ['10.99.0.53'], where)
      assert.equal(r.metadata?.['rack'], `rack-${vm.id}`, where)
      break
    case 'cloudstack':
      assert.equal(r.passwordSha256, createHash('sha256').update(vm.password).digest('hex'), `${where}: password`)
      assert.equal(typeof r.availabilityZone, 'string', where)
      break
  }
  assertNoLeak(vm, r)
}

const FLAVORS: CrawlFlavor[] = ['ec2', 'openstack', 'nocloud', 'cloudstack']
const skip = cloudInitSkip()

describe('cloud-init 22.4 (Debian 12) datasources against the metadata server', {skip}, () => {
  // A fresh server per test: the CloudStack password is served once (acknowledged with saved_password).
  let server: StartedMetadataServer | undefined
  let target: {server: string; passwordServer: string}

  beforeEach(async () => {
    server = await startMetadataServer({inventory: INVENTORY, host: '127.0.0.1', port: 0, passwordPort: 0})
    target = {server: `127.0.0.1:${server.port}`, passwordServer: `127.0.0.1:${server.passwordPort}`}
  })
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  for (const flavor of FLAVORS) {
    test(`${flavor}: ${VMS.length} VMs crawling at once each get exactly their own hostname, keys, user-data and network config`, async () => {
      const results = await Promise.all(VMS.map((vm) => crawl({flavor, ...target, source: vm.ip, nics: NICS(vm), deadlineS: 60})))
      results.forEach((r, i) => assertVm(VMS[i]!, r))
    })
  }

  test('all four flavours at once: 24 concurrent crawls, zero cross-VM leaks', async () => {
    const jobs = FLAVORS.flatMap((flavor) => VMS.map((vm) => ({flavor, vm})))
    const results = await Promise.all(jobs.map(({flavor, vm}) => crawl({flavor, ...target, source: vm.ip, nics: NICS(vm), deadlineS: 90})))
    results.forEach((r, i) => assertVm(jobs[i]!.vm, r))
  })

  test('the Ec2 crawl is the 22.4 sequence: discovery, version probe, user-data, then the meta-data tree', async () => {
    const vm = VMS[0]!
    const r = await crawl({flavor: 'ec2', ...target, source: vm.ip, nics: NICS(vm)})
    assertVm(vm, r)
    const paths = r.requests.map(([m, url, status]) => `${m} ${new URL(url).pathname} ${status}`)
    assert.equal(paths[0], 'GET /2009-04-04/meta-data/instance-id 200')
    assert.equal(paths[1], 'GET /2021-03-23/meta-data/instance-id 200', 'the newest version cloud-init knows is served')
    assert.equal(paths[2], 'GET /2021-03-23/user-data 200')
    assert.equal(paths[3], 'GET /2021-03-23/meta-data/ 200')
    assert.deepEqual(
      paths.filter((p) => !p.endsWith(' 200')),
      [],
      'no listed entry answers anything but 200',
    )
  })

  test('an AWS-identified VM (fake ec2 SMBIOS) crawls with an IMDSv2 token where the server requires one', async () => {
    await server!.close()
    server = await startMetadataServer({inventory: INVENTORY, host: '127.0.0.1', port: 0, imdsv2: 'required'})
    const vm = VMS[1]!
    const r = await crawl({flavor: 'ec2', server: `127.0.0.1:${server.port}`, source: vm.ip, nics: NICS(vm), imdsv2: true, deadlineS: 12})
    const failed = r.requests.filter(([, , status]) => status !== 200)
    assert.equal(
      r.ok,
      true,
      `${r.error ?? ''}; ${failed.length} of ${r.requests.length} requests failed, e.g. ${JSON.stringify(failed[0])}`,
    )
    assert.equal(r.cloudName, 'aws')
    assert.deepEqual(r.requests[0]?.slice(0, 2), ['PUT', 'http://169.254.169.254/latest/api/token'])
    // With imdsv2 'required', any GET without the token would be a 401.
    assert.deepEqual(
      r.requests.filter(([, , status]) => status !== 200),
      [],
      'every request answered 200',
    )
    assertVm(vm, r)
    assert.ok(r.elapsedS < 5, `the crawl took ${r.elapsedS} s`)
  })

  test('without a token, the same server refuses an unidentified VM (IMDSv1) with 401 and cloud-init does not claim it', async () => {
    await server!.close()
    server = await startMetadataServer({inventory: INVENTORY, host: '127.0.0.1', port: 0, imdsv2: 'required'})
    const vm = VMS[1]!
    const r = await crawl({flavor: 'ec2', server: `127.0.0.1:${server.port}`, source: vm.ip, nics: NICS(vm), maxWaitS: 2, deadlineS: 30})
    assert.equal(r.ok, false)
    assert.ok(r.requests.length > 0 && r.requests.every(([, , status]) => status === 401), JSON.stringify(r.requests))
    assertNoLeak(vm, r)
  })

  test('an address missing from the inventory gets no VM data: Ec2 and OpenStack do not claim it', async () => {
    for (const flavor of ['ec2', 'openstack'] as const) {
      const r = await crawl({flavor, ...target, source: '127.77.200.200', nics: {'52:54:00:99:99:99': 'eth0'}, maxWaitS: 3, deadlineS: 30})
      assert.equal(r.ok, false, `${flavor} claimed an unknown VM as ${r.instanceId}`)
      assert.equal(r.exitCode, 3)
      for (const vm of VMS) for (const t of tokens(vm)) assert.ok(!JSON.stringify(r).includes(t), `unknown VM received ${vm.id}'s ${t}`)
      assert.ok(r.requests.length > 0 && r.requests.every(([, , status]) => status === 404), `${flavor}: ${JSON.stringify(r.requests)}`)
    }
  })
})
