import {InstanceNotFoundError} from '../errors.js'
import {renderAllDocuments} from './documents.js'
import {normalizeIp} from './ip.js'
import {normalizeMac} from '../util/mac.js'
import {normalizePath} from './decide.js'
import type {FlavorName, Instance} from './types.js'

/** `metadata render`: exactly the documents one VM receives, for one flavour or one path. */
interface RenderedDocument {
  path: string
  status: number
  contentType: string
  bytes: number
  body: string
}

export interface RenderResult {
  instance: {id: string; ip: string; hostname: string; uuid: string; profile?: string}
  flavor: Exclude<FlavorName, 'custom'> | 'custom'
  documents: RenderedDocument[]
  /** CloudStack: whether the password server has a password for this VM (never the password). */
  passwordServer?: {hasPassword: boolean}
}

export type InstanceSelector = {instance: string} | {ip: string} | {mac: string}

export function selectInstance(instances: readonly Instance[], sel: InstanceSelector): Instance {
  let found: Instance | undefined
  let what: string
  if ('instance' in sel) {
    what = `id ${sel.instance}`
    found = instances.find((i) => i.id === sel.instance)
  } else if ('ip' in sel) {
    const ip = normalizeIp(sel.ip)
    what = `ip ${ip}`
    found = instances.find((i) => i.ip === ip)
  } else {
    const mac = normalizeMac(sel.mac) ?? sel.mac.toLowerCase()
    what = `mac ${mac}`
    found = instances.find((i) => i.mac === mac || i.interfaces.some((n) => n.mac === mac))
  }
  if (!found) {
    throw new InstanceNotFoundError(`no instance with ${what} in the inventory`, {
      suggestions: [
        'list them: netops metadata validate --inventory <file>',
        `known ids: ${instances
          .slice(0, 10)
          .map((i) => i.id)
          .join(', ')}${instances.length > 10 ? ', …' : ''}`,
      ],
    })
  }
  return found
}

const EC2_ROOT = /^\/(\d{4}-\d{2}-\d{2}|latest)(\/|$)/

function belongs(flavor: FlavorName, path: string, namespace: string | undefined): boolean {
  switch (flavor) {
    case 'ec2':
      return path === '/' || EC2_ROOT.test(path)
    case 'cloudstack':
      return path === '/latest' || path.startsWith('/latest/')
    case 'openstack':
      return path === '/openstack' || path.startsWith('/openstack/')
    case 'nocloud':
      return path === '/nocloud' || path.startsWith('/nocloud/')
    case 'custom':
      return namespace !== undefined && (path === `/${namespace}` || path.startsWith(`/${namespace}/`))
  }
}

export interface RenderOptions {
  flavor: FlavorName
  path?: string
  namespace?: string
  launchIndex?: number
}

export function renderInstance(instance: Instance, opts: RenderOptions): RenderResult {
  const all = renderAllDocuments(instance, {
    ...(opts.namespace === undefined ? {} : {namespace: opts.namespace}),
    ...(opts.launchIndex === undefined ? {} : {launchIndex: opts.launchIndex}),
  })
  const documents: RenderedDocument[] = []
  const toDoc = (
    path: string,
    p: {status: number; body: Buffer; headers: Record<string, string | number>} | undefined,
  ): RenderedDocument =>
    p === undefined
      ? {path, status: 404, contentType: 'text/plain; charset=utf-8', bytes: 10, body: 'Not Found\n'}
      : {path, status: p.status, contentType: String(p.headers['content-type']), bytes: p.body.length, body: p.body.toString('utf8')}
  if (opts.path !== undefined) {
    const raw = opts.path.startsWith('/') ? opts.path : `/${opts.path}`
    const path = normalizePath(raw) ?? raw
    documents.push(toDoc(path, all.get(path)))
  } else {
    for (const [path, p] of all) {
      if (!belongs(opts.flavor, path, opts.namespace)) continue
      // a directory is served with and without its slash: show it once, with the slash
      if (!path.endsWith('/') && all.has(path + '/')) continue
      documents.push(toDoc(path, p))
    }
  }
  return {
    instance: {
      id: instance.id,
      ip: instance.ip,
      hostname: instance.hostname,
      uuid: instance.uuid,
      ...(instance.profile ? {profile: instance.profile} : {}),
    },
    flavor: opts.flavor,
    documents,
    ...(opts.flavor === 'cloudstack' ? {passwordServer: {hasPassword: instance.password !== undefined}} : {}),
  }
}
