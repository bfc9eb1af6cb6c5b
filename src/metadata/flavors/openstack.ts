import type {FlavorContext, FlavorResponse, Instance, InstanceInterface} from '../types.js'
import {netmaskV4, splitCidr} from '../ip.js'
import {json, lookup, ok, OCTETS, userDataBody, type Documents} from './common.js'

/**
 * OpenStack flavour: `/openstack` lists the dated versions cloud-init knows (up to 2018-08-27)
 * and `latest`; each version serves meta_data.json, user_data, vendor_data.json,
 * vendor_data2.json and network_data.json. An optional file with nothing in it is a 404 and is
 * not listed: cloud-init 22.4 fails the datasource on an empty or invalid 200.
 * (The EC2 tree at /latest/ that the OpenStack datasource also crawls comes from ec2.ts.)
 */
export const OPENSTACK_VERSIONS = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  'latest',
] as const

/** Nova keeps `meta` values as strings. */
function stringMeta(meta: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(meta)) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
  return out
}

export function openstackMetaData(instance: Instance, ctx: FlavorContext = {}): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    uuid: instance.uuid,
    hostname: instance.hostname,
    name: instance.hostname,
    launch_index: ctx.launchIndex ?? 0,
    availability_zone: instance.availabilityZone,
    meta: stringMeta(instance.meta),
  }
  if (instance.publicKeys.length > 0) {
    doc['public_keys'] = Object.fromEntries(instance.publicKeys.map((k) => [k.name, k.key]))
    doc['keys'] = instance.publicKeys.map((k) => ({name: k.name, type: 'ssh', data: k.key}))
  }
  return doc
}

function linkId(nic: InstanceInterface): string {
  return `tap-${nic.name}`
}

/** network_data.json: links by MAC, static v4/v6 or DHCP networks, routes, DNS services. */
function openstackNetworkData(instance: Instance): Record<string, unknown> | undefined {
  if (instance.interfaces.length === 0) return undefined
  const links = instance.interfaces.map((nic) => ({
    id: linkId(nic),
    type: 'phy',
    ethernet_mac_address: nic.mac,
    mtu: nic.mtu ?? null,
    vif_id: `${instance.id}-${nic.name}`,
  }))
  const networks: Array<Record<string, unknown>> = []
  const dns = new Set<string>()
  for (const nic of instance.interfaces) {
    for (const d of nic.dns) dns.add(d)
    let n = 0
    const id = () => `network-${nic.name}-${n++}`
    for (const cidr of nic.addresses) {
      const {address, prefix, v6} = splitCidr(cidr)
      const gateway = v6 ? nic.gateway6 : nic.gateway
      const routes: Array<Record<string, string>> = []
      if (gateway !== undefined) {
        routes.push(v6 ? {network: '::', netmask: '::', gateway} : {network: '0.0.0.0', netmask: '0.0.0.0', gateway})
      }
      for (const r of nic.routes) {
        const to = splitCidr(r.to)
        if (to.v6 !== v6) continue
        routes.push({network: to.address, netmask: v6 ? String(to.prefix) : netmaskV4(to.prefix), gateway: r.via})
      }
      networks.push({
        id: id(),
        type: v6 ? 'ipv6' : 'ipv4',
        link: linkId(nic),
        ip_address: address,
        netmask: v6 ? String(prefix) : netmaskV4(prefix),
        routes,
        network_id: `${instance.id}-${nic.name}`,
        services: nic.dns.map((d) => ({type: 'dns', address: d})),
      })
    }
    if (nic.dhcp4) networks.push({id: id(), type: 'ipv4_dhcp', link: linkId(nic), network_id: `${instance.id}-${nic.name}`})
    if (nic.dhcp6) networks.push({id: id(), type: 'ipv6_dhcp', link: linkId(nic), network_id: `${instance.id}-${nic.name}`})
  }
  return {links, networks, services: [...dns].map((address) => ({type: 'dns', address}))}
}

/** The files of one OpenStack version directory (only those that have content). */
function openstackFiles(instance: Instance, ctx: FlavorContext = {}): Map<string, FlavorResponse> {
  const files = new Map<string, FlavorResponse>()
  files.set('meta_data.json', json(openstackMetaData(instance, ctx)))
  if (instance.userData !== undefined) files.set('user_data', ok(userDataBody(instance, instance.userData), OCTETS))
  if (instance.vendorData !== undefined) files.set('vendor_data.json', json({'cloud-init': instance.vendorData}))
  if (instance.vendorData !== undefined) files.set('vendor_data2.json', json({netops: {'cloud-init': instance.vendorData}}))
  const net = openstackNetworkData(instance)
  if (net !== undefined) files.set('network_data.json', json(net))
  return files
}

export function buildOpenstack(instance: Instance, ctx: FlavorContext = {}): Documents {
  const docs: Documents = new Map()
  const versions = ok(OPENSTACK_VERSIONS.join('\n'))
  docs.set('/openstack', versions)
  docs.set('/openstack/', versions)
  const files = openstackFiles(instance, ctx)
  const listing = ok([...files.keys()].join('\n'))
  for (const version of OPENSTACK_VERSIONS) {
    docs.set(`/openstack/${version}`, listing)
    docs.set(`/openstack/${version}/`, listing)
    for (const [name, response] of files) docs.set(`/openstack/${version}/${name}`, response)
  }
  return docs
}

export function openstack(instance: Instance, path: string, ctx: FlavorContext = {}): FlavorResponse {
  return lookup(buildOpenstack(instance, ctx), path)
}
