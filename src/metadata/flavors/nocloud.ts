import {stringify} from 'yaml'
import type {FlavorContext, FlavorResponse, Instance} from '../types.js'
import {netmaskV4, splitCidr} from '../ip.js'
import {lookup, ok, OCTETS, userDataBody, YAML_TYPE, type Documents} from './common.js'

/**
 * NoCloud flavour at `/nocloud/`: meta-data (YAML with instance-id, local-hostname, public-keys
 * and, for cloud-init 22.4 which never fetches network-config over HTTP, `network-interfaces`
 * in ENI form), user-data, vendor-data and network-config (v2). Always 200, even when empty:
 * cloud-init retries every NoCloud error 10 times and fails on a missing meta-data/user-data.
 */
const NOCLOUD_PREFIX = '/nocloud/'

/** ENI text for cloud-init 22.4's `network-interfaces` meta-data key. */
function eniFor(instance: Instance): string | undefined {
  if (instance.interfaces.length === 0) return undefined
  const out = ['auto lo', 'iface lo inet loopback']
  for (const nic of instance.interfaces) {
    out.push('', `auto ${nic.device}`)
    const v4 = nic.addresses.filter((a) => !a.includes(':'))
    const v6 = nic.addresses.filter((a) => a.includes(':'))
    const family: string[] = []
    if (v4.length === 0 && !nic.dhcp4) {
      family.push(`iface ${nic.device} inet manual`, `    hwaddress ether ${nic.mac}`)
      if (nic.mtu !== undefined) family.push(`    mtu ${nic.mtu}`)
    }
    if (nic.dhcp4) family.push(`iface ${nic.device} inet dhcp`, `    hwaddress ether ${nic.mac}`)
    v4.forEach((cidr, i) => {
      const {address, prefix} = splitCidr(cidr)
      family.push(
        `iface ${nic.device} inet static`,
        `    hwaddress ether ${nic.mac}`,
        `    address ${address}`,
        `    netmask ${netmaskV4(prefix)}`,
      )
      if (i === 0 && nic.gateway !== undefined) family.push(`    gateway ${nic.gateway}`)
      if (i === 0 && nic.dns.length > 0) family.push(`    dns-nameservers ${nic.dns.join(' ')}`)
      if (i === 0 && nic.mtu !== undefined) family.push(`    mtu ${nic.mtu}`)
    })
    for (const cidr of v6) {
      const {address, prefix} = splitCidr(cidr)
      family.push(`iface ${nic.device} inet6 static`, `    address ${address}`, `    netmask ${prefix}`)
      if (nic.gateway6 !== undefined) family.push(`    gateway ${nic.gateway6}`)
    }
    if (nic.dhcp6) family.push(`iface ${nic.device} inet6 dhcp`)
    out.push(...family)
  }
  return out.join('\n') + '\n'
}

function nocloudMetaData(instance: Instance): Record<string, unknown> {
  const doc: Record<string, unknown> = {'instance-id': instance.id, 'local-hostname': instance.hostname}
  for (const [k, v] of Object.entries(instance.meta)) if (!(k in doc) && k !== 'public-keys' && k !== 'network-interfaces') doc[k] = v
  if (instance.publicKeys.length > 0) doc['public-keys'] = instance.publicKeys.map((k) => k.key)
  const eni = eniFor(instance)
  if (eni !== undefined) doc['network-interfaces'] = eni
  return doc
}

/** Network config version 2 (fetched over HTTP by cloud-init 24.3+). Empty when there are no NICs. */
function networkConfigV2(instance: Instance): Record<string, unknown> | undefined {
  if (instance.interfaces.length === 0) return undefined
  const ethernets: Record<string, unknown> = {}
  for (const nic of instance.interfaces) {
    const e: Record<string, unknown> = {match: {macaddress: nic.mac}, 'set-name': nic.device}
    if (nic.addresses.length > 0) e['addresses'] = [...nic.addresses]
    e['dhcp4'] = nic.dhcp4
    if (nic.dhcp6) e['dhcp6'] = true
    const routes: Array<Record<string, string>> = []
    if (nic.gateway !== undefined) routes.push({to: '0.0.0.0/0', via: nic.gateway})
    if (nic.gateway6 !== undefined) routes.push({to: '::/0', via: nic.gateway6})
    for (const r of nic.routes) routes.push({to: r.to, via: r.via})
    if (routes.length > 0) e['routes'] = routes
    if (nic.dns.length > 0) e['nameservers'] = {addresses: [...nic.dns]}
    if (nic.mtu !== undefined) e['mtu'] = nic.mtu
    ethernets[nic.device] = e
  }
  return {version: 2, ethernets}
}

const YAML_OPTS = {lineWidth: 0} as const

export function buildNocloud(instance: Instance, _ctx: FlavorContext = {}): Documents {
  const docs: Documents = new Map()
  const net = networkConfigV2(instance)
  const files: Array<[string, FlavorResponse]> = [
    ['meta-data', ok(stringify(nocloudMetaData(instance), YAML_OPTS), YAML_TYPE)],
    ['user-data', ok(userDataBody(instance, instance.userData ?? ''), OCTETS)],
    ['vendor-data', ok(instance.vendorData ?? '', OCTETS)],
    ['network-config', ok(net === undefined ? '' : stringify(net, YAML_OPTS), YAML_TYPE)],
  ]
  const listing = ok(files.map(([n]) => n).join('\n'))
  docs.set('/nocloud', listing)
  docs.set(NOCLOUD_PREFIX, listing)
  for (const [name, response] of files) docs.set(NOCLOUD_PREFIX + name, response)
  return docs
}

export function nocloud(instance: Instance, path: string, ctx: FlavorContext = {}): FlavorResponse {
  return lookup(buildNocloud(instance, ctx), path)
}
