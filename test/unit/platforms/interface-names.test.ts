import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {matchPort, nearestPorts, normalizeInterface, sameInterface, splitRange} from '../../../src/platforms/interface-names.js'

describe('normalizeInterface', () => {
  const cases: [string, string, string, string][] = [
    // input, long, short, path
    ['gi1/0/19', 'GigabitEthernet1/0/19', 'Gi1/0/19', '1/0/19'],
    ['Gi1/0/19', 'GigabitEthernet1/0/19', 'Gi1/0/19', '1/0/19'],
    ['GigabitEthernet1/0/19', 'GigabitEthernet1/0/19', 'Gi1/0/19', '1/0/19'],
    ['g1/0/19', 'GigabitEthernet1/0/19', 'Gi1/0/19', '1/0/19'],
    ['GIGABITETHERNET0/19', 'GigabitEthernet0/19', 'Gi0/19', '0/19'],
    ['GigabitEthernet 1/0/19', 'GigabitEthernet1/0/19', 'Gi1/0/19', '1/0/19'],
    ['fa0/1', 'FastEthernet0/1', 'Fa0/1', '0/1'],
    ['FastEthernet1', 'FastEthernet1', 'Fa1', '1'],
    ['te1/1/1', 'TenGigabitEthernet1/1/1', 'Te1/1/1', '1/1/1'],
    ['Ten1/1', 'TenGigabitEthernet1/1', 'Te1/1', '1/1'],
    ['Twe1/0/1', 'TwentyFiveGigE1/0/1', 'Twe1/0/1', '1/0/1'],
    ['TwentyFiveGigE1/0/1', 'TwentyFiveGigE1/0/1', 'Twe1/0/1', '1/0/1'],
    ['Tw1/0/1', 'TwoGigabitEthernet1/0/1', 'Tw1/0/1', '1/0/1'],
    ['Fi1/7/0/1', 'FiveGigabitEthernet1/7/0/1', 'Fi1/7/0/1', '1/7/0/1'],
    ['Fo1/1/1', 'FortyGigabitEthernet1/1/1', 'Fo1/1/1', '1/1/1'],
    ['Hu1/0/49', 'HundredGigE1/0/49', 'Hu1/0/49', '1/0/49'],
    ['Po17', 'Port-channel17', 'Po17', '17'],
    ['port-channel5', 'Port-channel5', 'Po5', '5'],
    ['Eth1/19', 'Ethernet1/19', 'Eth1/19', '1/19'],
    ['Ethernet1/19', 'Ethernet1/19', 'Eth1/19', '1/19'],
    ['Ethernet104/1/23', 'Ethernet104/1/23', 'Eth104/1/23', '104/1/23'],
    ['Vlan10', 'Vlan10', 'Vl10', '10'],
    ['mgmt0', 'mgmt0', 'mgmt0', '0'],
    ['Gi2/0/4.223415', 'GigabitEthernet2/0/4.223415', 'Gi2/0/4.223415', '2/0/4.223415'],
    ['GigabitEthernet0/1.', 'GigabitEthernet0/1', 'Gi0/1', '0/1'],
  ]
  for (const [input, long, short, path] of cases) {
    test(`${input} → ${long} / ${short}`, () => {
      const n = normalizeInterface(input)
      assert.ok(n)
      assert.equal(n.long, long)
      assert.equal(n.short, short)
      assert.equal(n.path, path)
    })
  }

  test('NX-OS port channels keep their lower-case long form when asked', () => {
    assert.equal(normalizeInterface('Po5', {platform: 'nxos'})?.long, 'port-channel5')
  })

  test('bare numbers, free text and ambiguous one-letter types are not interface names', () => {
    assert.equal(normalizeInterface('19'), null)
    assert.equal(normalizeInterface('hello'), null)
    assert.equal(normalizeInterface('t1/0/1'), null, '`t` could be Te, Twe, Tw or Tunnel')
    assert.equal(normalizeInterface(''), null)
  })

  test('unknown but well-formed types are kept as written', () => {
    assert.deepEqual(normalizeInterface('Virtual-PPP2'), {long: 'Virtual-PPP2', short: 'Virtual-PPP2', type: 'Virtual-PPP', path: '2'})
  })
})

describe('sameInterface', () => {
  test('short, long and lower-case spellings of one port are the same interface', () => {
    assert.ok(sameInterface('Gi1/0/19', 'GigabitEthernet1/0/19'))
    assert.ok(sameInterface('gi1/0/19', 'g1/0/19'))
    assert.ok(sameInterface('Eth1/19', 'ethernet1/19'))
    assert.ok(sameInterface('Po5', 'port-channel5'))
  })
  test('different slots, ports or types are different interfaces', () => {
    assert.ok(!sameInterface('Gi1/0/19', 'Gi2/0/19'))
    assert.ok(!sameInterface('Gi1/0/19', 'Te1/0/19'))
    assert.ok(!sameInterface('Gi1/0/1', 'Gi1/0/19'))
  })
})

describe('matchPort', () => {
  const stack = ['Gi1/0/17', 'Gi1/0/18', 'Gi1/0/19', 'Gi1/0/20', 'Te1/1/1', 'Gi2/0/18', 'Gi2/0/19', 'Gi2/0/20', 'Te2/1/1', 'Po1']
  const single = ['Gi0/1', 'Gi0/18', 'Gi0/19', 'Gi0/20', 'Gi0/24']
  const nexus = ['mgmt0', 'Eth1/18', 'Eth1/19', 'Eth1/20', 'Po10']

  test('a bare number matching one port is exact', () => {
    assert.deepEqual(matchPort('19', single), {kind: 'exact', name: 'Gi0/19'})
    assert.deepEqual(matchPort('19', nexus), {kind: 'exact', name: 'Eth1/19'})
  })
  test('a bare number matching a port on two stack members is ambiguous and lists both', () => {
    assert.deepEqual(matchPort('19', stack), {kind: 'ambiguous', candidates: ['Gi1/0/19', 'Gi2/0/19']})
  })
  test('a full or abbreviated name picks the stack member', () => {
    assert.deepEqual(matchPort('gi2/0/19', stack), {kind: 'exact', name: 'Gi2/0/19'})
    assert.deepEqual(matchPort('GigabitEthernet1/0/19', stack), {kind: 'exact', name: 'Gi1/0/19'})
    assert.deepEqual(matchPort('ethernet1/19', nexus), {kind: 'exact', name: 'Eth1/19'})
  })
  test('a path without a type matches by path', () => {
    assert.deepEqual(matchPort('2/0/19', stack), {kind: 'exact', name: 'Gi2/0/19'})
  })
  test('an unknown port is refused with up to five nearest real ports, same type and nearby numbers first', () => {
    const m = matchPort('Gi1/0/21', stack)
    assert.equal(m.kind, 'none')
    assert.ok(m.kind === 'none')
    assert.equal(m.nearest.length, 5)
    assert.deepEqual(m.nearest.slice(0, 3), ['Gi1/0/20', 'Gi1/0/19', 'Gi1/0/18'])
    const far = matchPort('99', single)
    assert.ok(far.kind === 'none')
    assert.equal(far.nearest[0], 'Gi0/24')
  })
  test('nearest ports handle typos that do not parse', () => {
    assert.ok(nearestPorts('Gx1/0/19', stack).includes('Gi1/0/19'))
  })
})

test('a spaced unknown word is not taken for an interface type', () => {
  assert.equal(normalizeInterface('Interface 1/0/19'), null)
  assert.equal(normalizeInterface('GigabitEthernet 1/0/19')?.long, 'GigabitEthernet1/0/19')
})

test('a range typed for --port is recognised as a range, with both ends; port-channel names are not ranges', () => {
  assert.deepEqual(splitRange('Gi1/0/19-20'), {first: 'Gi1/0/19', last: 'Gi1/0/20'})
  assert.deepEqual(splitRange('19-20'), {first: '19', last: '20'})
  assert.deepEqual(splitRange('Eth1/19 - 20'), {first: 'Eth1/19', last: 'Eth1/20'})
  assert.equal(splitRange('Port-channel5'), null)
  assert.equal(splitRange('Gi1/0/19'), null)
  assert.deepEqual(matchPort('Gi1/0/19-20', ['Gi1/0/10', 'Gi1/0/19', 'Gi1/0/20']), {kind: 'range', first: 'Gi1/0/19', last: 'Gi1/0/20'})
})

test('management ports are never suggested for --port', () => {
  const nexus = ['mgmt0', 'Eth1/1', 'Eth1/2', 'Eth1/19']
  const m = matchPort('Po1', nexus)
  assert.ok(m.kind === 'none')
  assert.ok(!m.nearest.includes('mgmt0'), m.nearest.join(', '))
  assert.ok(!nearestPorts('0', nexus).includes('mgmt0'))
})
