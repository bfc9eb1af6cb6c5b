import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Readable} from 'node:stream'
import type {IncomingMessage} from 'node:http'
import {parse} from 'yaml'
import {handleCallback, vmText, type CallbackCounters} from '../../../../src/metadata/progress/callbacks.js'
import {ProgressTracker} from '../../../../src/metadata/progress/tracker.js'
import {
  appendPart,
  isCloudInitUserData,
  progressCloudConfig,
  withProgressVendorData,
} from '../../../../src/metadata/progress/vendor-data.js'
import type {Requester} from '../../../../src/metadata/identity.js'
import {sampleInstances} from '../../../helpers/metadata.js'

const [waf, ips] = sampleInstances()
const req = (body: string) => Readable.from([Buffer.from(body)]) as unknown as IncomingMessage
const from = (instance: typeof waf, ip = instance?.ip ?? '127.0.0.99'): Requester => ({peer: ip, ip, via: 'address', instance})

describe('phone-home and reporting callbacks', () => {
  test("phone-home from the VM's own address marks it done", async () => {
    const p = new ProgressTracker()
    const c: CallbackCounters = {callbacks: {}}
    const r = await handleCallback(req('instance_id=waf-01&hostname=waf-01&fqdn=N%2FA'), from(waf), '/phone-home/waf-01', p, c)
    assert.equal(r.status, 200)
    assert.equal(p.stateOf('waf-01'), 'done')
    assert.deepEqual(c.callbacks, {'phone-home|accepted': 1})
  })

  test('a phone-home naming another VM, or from an address in no record, is refused (403) and counted as forged', async () => {
    const p = new ProgressTracker()
    const c: CallbackCounters = {callbacks: {}}
    assert.equal((await handleCallback(req('instance_id=waf-01'), from(ips), '/phone-home/waf-01', p, c)).status, 403)
    assert.equal((await handleCallback(req(''), from(undefined, '127.0.0.99'), '/phone-home/waf-01', p, c)).status, 403)
    assert.equal(
      (await handleCallback(req('instance_id=ips-02'), from(waf), '/phone-home/waf-01', p, c)).status,
      403,
      'body contradicting the address',
    )
    assert.equal(p.stateOf('waf-01'), 'waiting')
    assert.equal(p.forged, 3)
    assert.deepEqual(c.callbacks, {'phone-home|forged': 3})
  })

  test('a reporting event is recorded; a body that is not an event is a 400', async () => {
    const p = new ProgressTracker()
    const c: CallbackCounters = {callbacks: {}}
    const ev = {
      name: 'modules-final',
      description: 'running modules for final',
      event_type: 'finish',
      origin: 'cloudinit',
      timestamp: 1.5e9,
      result: 'SUCCESS',
    }
    assert.equal((await handleCallback(req(JSON.stringify(ev)), from(waf), '/report', p, c)).status, 200)
    assert.equal(p.stateOf('waf-01'), 'done')
    assert.equal((await handleCallback(req('not json'), from(waf), '/report', p, c)).status, 400)
    assert.equal((await handleCallback(req(JSON.stringify(ev)), from(undefined, '10.9.9.9'), '/report', p, c)).status, 403)
  })

  test('text a VM sends is data: ESC sequences and control characters are stripped and lengths bounded before it is stored', async () => {
    const p = new ProgressTracker()
    const c: CallbackCounters = {callbacks: {}}
    const hostile = {
      name: '\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]2;title\x1b\\ALL VMS DONE\r\n\x9b31m\x9d8;;x\x9c\x7f\x00' + 'x'.repeat(500),
      event_type: 'finish\x1b[K',
      result: 'SUCCESS\x1bc',
    }
    assert.equal((await handleCallback(req(JSON.stringify(hostile)), from(waf), '/report', p, c)).status, 200)
    const step = p.get('waf-01')?.lastStep ?? ''
    assert.doesNotMatch(step, /[\x00-\x1f\x7f-\x9f]/)
    assert.ok(step.startsWith('ALL VMS DONE' + 'x'.repeat(188) + ' finish'), step)
  })
})

describe('vmText', () => {
  for (const [name, input, expected] of [
    ['CSI: clear screen, cursor home, colours', '\x1b[2J\x1b[Ha\x1b[1;31mb\x1b[0m', 'ab'],
    ['OSC window title ended by BEL or ST', '\x1b]0;evil\x07a\x1b]2;evil\x1b\\b', 'ab'],
    ['8-bit C1 CSI and OSC', '\x9b2Ja\x9d0;evil\x9cb', 'ab'],
    ['other C0, DEL, lone ESC at the end', 'a\r\n\tb\x7f\x1b', 'ab'],
    ['printable Unicode is kept', 'réseau — 網路 🚀', 'réseau — 網路 🚀'],
  ] as const)
    test(`strips ${name}`, () => assert.equal(vmText(input, 100), expected))

  test('bounds by whole code points', () => assert.equal(vmText('🚀🚀🚀', 2), '🚀🚀'))
})

describe('--phone-home vendor-data', () => {
  test('the cloud-config part enables phone_home with $INSTANCE_ID and a webhook reporter', () => {
    const cfg = parse(progressCloudConfig('http://169.254.169.254/')) as {
      phone_home: {url: string; post: string[]}
      reporting: {netops: {type: string; endpoint: string}}
    }
    assert.equal(cfg.phone_home.url, 'http://169.254.169.254/phone-home/$INSTANCE_ID')
    assert.ok(cfg.phone_home.post.includes('instance_id'))
    assert.deepEqual(cfg.reporting.netops, {type: 'webhook', endpoint: 'http://169.254.169.254/report', timeout: 5, retries: 2})
  })

  test('no vendor-data → the part; plain → multipart of both; multipart → one more part before the closing boundary', () => {
    const part = progressCloudConfig()
    assert.equal(appendPart(undefined, part), part)
    const two = appendPart('#cloud-config\ntimezone: UTC\n', part)
    assert.match(two, /^Content-Type: multipart\/mixed; boundary="([^"]+)"/)
    assert.equal(two.match(/^Content-Type: text\/cloud-config/gm)?.length, 2)
    const three = appendPart(two, '#cloud-config\nntp: {enabled: true}\n', 'extra')
    const boundary = /boundary="([^"]+)"/.exec(three)![1]!
    assert.equal(three.split(`--${boundary}\n`).length - 1, 3, 'three parts')
    assert.ok(three.trimEnd().endsWith(`--${boundary}--`))
    const all = withProgressVendorData([waf!, ips!])
    assert.match(all[0]!.vendorData!, /timezone: UTC[\s\S]*phone_home:/)
    assert.equal(all[1]!.vendorData, part)
  })

  test("EC2 / CloudStack get the part in user-data (their datasource reads no vendor-data), only when it is cloud-init's", () => {
    for (const u of [
      '#cloud-config\n',
      '#!/bin/sh\necho hi\n',
      '#include\nhttp://x\n',
      '## template: jinja\n#cloud-config\n',
      'Content-Type: multipart/mixed; boundary="b"\n',
    ]) {
      assert.equal(isCloudInitUserData(u), true, u)
    }
    for (const u of [undefined, '', 'config system global\n  set hostname waf\nend\n', '{"hostname": "ips"}', ' #cloud-config']) {
      assert.equal(isCloudInitUserData(u), false, String(u))
    }
    const script = {...waf!, userData: '#!/bin/sh\necho up\n'}
    const appliance = {...ips!, userData: 'config system global\nend\n'}
    const [s, a] = withProgressVendorData([script, appliance])
    assert.equal(s!.userData, script.userData, 'the user-data other flavours serve is untouched')
    assert.match(s!.ec2UserData!, /^Content-Type: multipart\/mixed/)
    assert.match(
      s!.ec2UserData!,
      /Content-Type: text\/x-shellscript[\s\S]*echo up[\s\S]*Content-Type: text\/cloud-config[\s\S]*phone_home:/,
    )
    assert.equal(a!.ec2UserData, undefined, "an appliance's own configuration is served as it is")
    assert.equal(a!.userData, appliance.userData)
  })
})
