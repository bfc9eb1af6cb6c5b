import type {FlavorContext, FlavorResponse, Instance} from '../types.js'
import {networkV4, networkV6, splitCidr} from '../ip.js'
import {addTree, dir, JSON_TYPE, lookup, ok, OCTETS, userDataBody, type Dir, type Documents} from './common.js'

/**
 * EC2 flavour: `/` lists the versions; each version has `meta-data/` and (when there is one)
 * `user-data`. Every listed entry is served (cloud-init's crawler discards all meta-data when one
 * listed leaf 404s), directories answer with and without their trailing slash, user-data is raw.
 */
export const EC2_VERSIONS = ['2009-04-04', '2016-09-02', '2018-09-24', '2021-03-23', 'latest'] as const

/** The `meta-data/` tree of one VM (shared with the CloudStack flavour, which adds leaves). */
export function ec2MetaTree(instance: Instance): Dir {
  const v4 = !instance.ip.includes(':')
  const keys = instance.publicKeys
  const publicKeys =
    keys.length === 0
      ? undefined
      : dir(
          keys.map((k, i): [string, Dir] => [String(i), dir([['openssh-key', k.key]])]),
          keys.map((k, i) => `${i}=${k.name}`),
        )
  const macs = instance.interfaces.map((nic, index): [string, Dir] => {
    const v4s = nic.addresses.filter((a) => !a.includes(':'))
    const v6s = nic.addresses.filter((a) => a.includes(':'))
    return [
      nic.mac,
      dir([
        ['device-number', String(index)],
        ['interface-id', `eni-${instance.id}-${nic.name}`],
        ['local-hostname', instance.hostname],
        ['local-ipv4s', v4s.length > 0 ? v4s.map((a) => splitCidr(a).address).join('\n') : undefined],
        ['ipv6s', v6s.length > 0 ? v6s.map((a) => splitCidr(a).address).join('\n') : undefined],
        ['mac', nic.mac],
        ['subnet-ipv4-cidr-block', v4s[0] === undefined ? undefined : networkV4(v4s[0])],
        ['subnet-ipv6-cidr-blocks', v6s.length > 0 ? v6s.map((a) => networkV6(a)).join('\n') : undefined],
      ]),
    ]
  })
  return dir([
    ['hostname', instance.hostname],
    ['instance-id', instance.id],
    ['local-hostname', instance.hostname],
    ['local-ipv4', v4 ? instance.ip : undefined],
    ['ipv6', v4 ? undefined : instance.ip],
    ['mac', instance.mac],
    ['network', macs.length === 0 ? undefined : dir([['interfaces', dir([['macs', dir(macs)]])]])],
    ['placement', dir([['availability-zone', instance.availabilityZone]])],
    ['public-keys', publicKeys],
  ])
}

/** Every EC2 document of one VM, by request path. */
export function buildEc2(instance: Instance, _ctx: FlavorContext = {}): Documents {
  const docs: Documents = new Map()
  const root = ok(EC2_VERSIONS.join('\n'))
  docs.set('/', root)
  const meta = ec2MetaTree(instance)
  for (const version of EC2_VERSIONS) addVersion(docs, `/${version}`, meta, instance)
  return docs
}

/**
 * `dynamic/instance-identity/document`: cloud-init crawls it only on AWS-identified VMs (and then
 * retries every 404). Unsigned: `pkcs7`/`signature` are not listed because they cannot be served.
 */
function identityDocument(instance: Instance): Record<string, unknown> {
  const region = typeof instance.meta['region'] === 'string' ? instance.meta['region'] : instance.availabilityZone
  return {
    accountId: 'netops',
    architecture: 'x86_64',
    availabilityZone: instance.availabilityZone,
    imageId: typeof instance.meta['image_id'] === 'string' ? instance.meta['image_id'] : 'netops-image',
    instanceId: instance.id,
    instanceType: typeof instance.meta['instance_type'] === 'string' ? instance.meta['instance_type'] : (instance.profile ?? 'netops'),
    privateIp: instance.ip,
    region,
    version: '2017-09-30',
  }
}

export function addVersion(docs: Documents, base: string, meta: Dir, instance: Instance): void {
  const userData = instance.ec2UserData ?? instance.userData
  const hasUserData = userData !== undefined
  const listing = ok(hasUserData ? 'dynamic/\nmeta-data/\nuser-data' : 'dynamic/\nmeta-data/')
  docs.set(base, listing)
  docs.set(base + '/', listing)
  addTree(docs, `${base}/meta-data`, meta)
  addTree(docs, `${base}/dynamic`, dir([['instance-identity', dir([['document', JSON.stringify(identityDocument(instance))]])]]))
  docs.set(`${base}/dynamic/instance-identity/document`, ok(JSON.stringify(identityDocument(instance)), JSON_TYPE))
  if (hasUserData) docs.set(`${base}/user-data`, ok(userDataBody(instance, userData), OCTETS))
}

/** Pure flavour function: what `path` answers for this VM (404 when nothing is there). */
export function ec2(instance: Instance, path: string, ctx: FlavorContext = {}): FlavorResponse {
  return lookup(buildEc2(instance, ctx), path)
}
