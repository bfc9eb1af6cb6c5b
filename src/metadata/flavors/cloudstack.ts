import type {FlavorContext, FlavorResponse, Instance} from '../types.js'
import {dir, lookup, type Dir, type Documents} from './common.js'
import {addVersion, ec2MetaTree} from './ec2.js'

/**
 * CloudStack flavour: the virtual router's `latest/meta-data/` (EC2-style, plus the top-level
 * leaves CloudStack adds; cloud-init 22.4 *requires* `availability-zone` there) and
 * `latest/user-data`. The password server on :8080 lives in ../password-server.ts.
 *
 * The server serves this tree at `/latest/`: it is a superset of the EC2 `latest` tree, so an
 * EC2 crawler reading `/latest/` sees a few extra leaves, all of which answer 200.
 */
function cloudstackMetaTree(instance: Instance): Dir {
  const base = ec2MetaTree(instance)
  const entries = new Map(base.entries)
  const extra = dir([
    ['availability-zone', instance.availabilityZone],
    ['cloud-identifier', `CloudStack-{netops}-${instance.id}`],
    ['vm-id', instance.uuid],
    ['service-offering', typeof instance.meta['service_offering'] === 'string' ? instance.meta['service_offering'] : instance.profile],
  ])
  for (const [k, v] of extra.entries) entries.set(k, v)
  return {entries: new Map([...entries].sort(([a], [b]) => a.localeCompare(b)))}
}

export function buildCloudstack(instance: Instance, _ctx: FlavorContext = {}): Documents {
  const docs: Documents = new Map()
  addVersion(docs, '/latest', cloudstackMetaTree(instance), instance)
  return docs
}

export function cloudstack(instance: Instance, path: string, ctx: FlavorContext = {}): FlavorResponse {
  return lookup(buildCloudstack(instance, ctx), path)
}
