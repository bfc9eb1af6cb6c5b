import type {FlavorContext, FlavorName, FlavorResponse, Instance} from './types.js'
import type {Documents} from './flavors/common.js'
import {buildEc2} from './flavors/ec2.js'
import {buildCloudstack} from './flavors/cloudstack.js'
import {buildOpenstack} from './flavors/openstack.js'
import {buildNocloud} from './flavors/nocloud.js'
import {buildCustom} from './flavors/custom.js'

/** A response built once at load: the request path is looked up, nothing is computed per request. */
export interface Prebuilt {
  status: number
  flavor: FlavorName
  body: Buffer
  headers: Record<string, string | number>
}

const FLAVOR_BUILDERS: Record<FlavorName, (i: Instance, ctx: FlavorContext) => Documents> = {
  ec2: buildEc2,
  cloudstack: buildCloudstack,
  openstack: buildOpenstack,
  nocloud: buildNocloud,
  custom: buildCustom,
}

function prebuild(flavor: FlavorName, r: FlavorResponse): Prebuilt {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body
  return {
    status: r.status,
    flavor,
    body,
    headers: {'content-type': r.contentType, 'content-length': body.length, 'cache-control': 'no-store'},
  }
}

/** The order flavours are rendered in: a later flavour wins a path it shares with an earlier one. */
const FLAVOR_ORDER = ['ec2', 'cloudstack', 'openstack', 'nocloud', 'custom'] as const satisfies readonly FlavorName[]

/** Each flavour's documents of one VM, in FLAVOR_ORDER (before any path is overridden). */
export function flavorDocuments(instance: Instance, ctx: FlavorContext = {}): Documents[] {
  return FLAVOR_ORDER.map((flavor) => FLAVOR_BUILDERS[flavor](instance, ctx))
}

/**
 * The flavour a path of `sets[k]` is answered as (logs, /metrics): that flavour, except that the
 * tree EC2 and CloudStack share (CloudStack's superset wins it) counts as `ec2`: a request for a
 * shared path cannot say which it meant. CloudStack's own leaves (`vm-id`, ...) count as `cloudstack`.
 */
export function answeredAs(sets: readonly Documents[], k: number, path: string): FlavorName {
  const flavor = FLAVOR_ORDER[k]!
  return flavor === 'cloudstack' && sets[FLAVOR_ORDER.indexOf('ec2')]?.has(path) === true ? 'ec2' : flavor
}

/**
 * Every path one VM can fetch, all flavours on one port. Later flavours win on a shared path:
 * `/latest/...` is the CloudStack superset of the EC2 `latest` tree (extra leaves, all 200).
 */
export function renderAllDocuments(instance: Instance, ctx: FlavorContext = {}): Map<string, Prebuilt> {
  const out = new Map<string, Prebuilt>()
  const sets = flavorDocuments(instance, ctx)
  sets.forEach((docs, k) => {
    for (const [path, response] of docs) out.set(path, prebuild(answeredAs(sets, k, path), response))
  })
  return out
}
