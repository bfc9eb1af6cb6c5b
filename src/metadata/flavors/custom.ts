import type {FlavorContext, FlavorResponse, Instance} from '../types.js'
import {json, lookup, ok, OCTETS, userDataBody, type Documents} from './common.js'
import {openstackMetaData} from './openstack.js'

/**
 * A custom namespace for images that ship their own datasource (`--namespace nsfocus`):
 * `/<ns>/latest/meta_data.json` (the OpenStack document) and `/<ns>/latest/user_data`
 * (404 when there is none).
 */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/

/** Names the namespace may not take: they would shadow another flavour. */
export const RESERVED_NAMESPACES = ['openstack', 'nocloud', 'latest', 'api', ...['2009-04-04', '2016-09-02', '2018-09-24', '2021-03-23']]

export function buildCustom(instance: Instance, ctx: FlavorContext = {}): Documents {
  const docs: Documents = new Map()
  const ns = ctx.namespace
  if (ns === undefined) return docs
  const files = new Map<string, FlavorResponse>([['meta_data.json', json(openstackMetaData(instance, ctx))]])
  if (instance.userData !== undefined) files.set('user_data', ok(userDataBody(instance, instance.userData), OCTETS))
  const listing = ok([...files.keys()].join('\n'))
  docs.set(`/${ns}`, ok('latest'))
  docs.set(`/${ns}/`, ok('latest'))
  docs.set(`/${ns}/latest`, listing)
  docs.set(`/${ns}/latest/`, listing)
  for (const [name, response] of files) docs.set(`/${ns}/latest/${name}`, response)
  return docs
}

export function custom(instance: Instance, path: string, ctx: FlavorContext = {}): FlavorResponse {
  return lookup(buildCustom(instance, ctx), path)
}
