import assert from 'node:assert/strict'
import {test} from 'node:test'
import {InventoryError} from '../../../src/errors.js'
import {formatIssue, parseInventory, type InventoryIssue} from '../../../src/metadata/inventory.js'

const issuesOf = (text: string): string[] => {
  try {
    parseInventory([{file: 'steps.yaml', text}])
  } catch (err) {
    assert.ok(err instanceof InventoryError)
    return (err.details?.['issues'] as InventoryIssue[]).map(formatIssue)
  }
  assert.fail('the inventory was accepted')
}

test('every validation step reports at the value it is about (file:line:column), in source order', () => {
  const text = `instances:
  - id: a
    ip: 10.0.0.2
    interfaces:
      - name: x
        mac: "52:54:00:00:00:01"
        address: 10.0.0.5
        gateway: fd00::1
        gateway6: 10.0.0.1
        dns: [1.1.1.1, nope]
        dhcp: yes
        mtu: 20
        routes: [{to: 10.2.0.0/16, via: fd00::1}]
        device: way-too-long-device-name
      - {name: y, mac: 525400000002, mode: weird, routes: 5}
      - {name: z, mac: "52:54:00:00:00:03", mode: inline, address: 10.1.0.5/24}
    mac: [1]
    public_keys: {ops: "ssh-ed25519 AAAA ops@x", bad: 3}
    password: 5
    meta_data: [1]
  - {id: "b c", ip: 10.0.0.2/24, hostname: "-bad"}
  - {id: b, ip: 10.0.0.2, interfaces: [{name: m, mac: "52:54:00:00:00:01"}]}
`
  assert.deepEqual(issuesOf(text), [
    'steps.yaml:7:18: address `10.0.0.5` of interface `x` is not in CIDR form (add the prefix length, e.g. 10.0.0.5/24)',
    'steps.yaml:8:18: gateway `fd00::1` of interface `x` is not an IPv4 address (e.g. gateway: 10.1.0.1 (use gateway6 for IPv6))',
    'steps.yaml:9:19: gateway6 `10.0.0.1` of interface `x` is not an IPv6 address (e.g. gateway6: fd00:1::1)',
    'steps.yaml:10:14: dns entry `nope` is not an IP address (e.g. dns: [10.0.0.1, 1.1.1.1])',
    'steps.yaml:11:15: dhcp must be true or false',
    'steps.yaml:12:14: mtu must be an integer 68-65535 (e.g. mtu: 9000)',
    'steps.yaml:13:18: a route needs `to:` (CIDR) and `via:` (an address of the same family) (e.g. - {to: 10.2.0.0/16, via: 10.1.0.1})',
    'steps.yaml:14:17: device `way-too-long-device-name` is not a Linux interface name (1-15 characters, e.g. eth1 or ens4)',
    'steps.yaml:15:24: mac `525400000002` of interface `y` is not a MAC address (quote it: YAML read it as a number (sexagesimal); mac: "52:54:00:00:01:01")',
    'steps.yaml:15:44: mode `weird` is not known (mode is `routed` (default) or `inline` (an L2 port with no address))',
    'steps.yaml:15:59: routes must be a list (e.g. routes: [{to: 10.2.0.0/16, via: 10.1.0.1}])',
    'steps.yaml:16:51: interface `z` is inline but has an address (an inline port carries no address: drop address/dhcp or the mode)',
    'steps.yaml:17:10: mac `[1]` is not a MAC address (e.g. 52:54:00:00:00:01)',
    'steps.yaml:18:55: a public key must be an OpenSSH public key line (e.g. "ssh-ed25519 AAAAC3Nz… ops@bastion")',
    'steps.yaml:19:15: password must be a string (it is served once by the CloudStack password server)',
    'steps.yaml:20:16: meta_data must be a mapping (e.g. meta_data: {role: waf, rack: b12})',
    'steps.yaml:21:10: id `b c` has characters an instance-id cannot carry (letters, digits and . _ : - (no spaces or slashes), e.g. waf-01)',
    'steps.yaml:21:21: ip `10.0.0.2/24` is not an IPv4 or IPv6 address (write the bare address: ip: 10.0.0.2)',
    'steps.yaml:21:44: hostname `-bad` is not a valid host name (letters, digits and -, labels of 1-63 characters, e.g. waf-01)',
    "steps.yaml:22:17: ip 10.0.0.2 is already used by another instance (first at steps.yaml:3:9; two VMs on one address would get each other's data)",
    'steps.yaml:22:55: mac 52:54:00:00:00:01 is already used by instance `a` (first at steps.yaml:6:14; MACs must be unique)',
  ])
})
