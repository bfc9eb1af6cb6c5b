/** Helpers for the metadata tests: requests from a chosen 127.x source address, inventories. */
import {request} from 'node:http'
import {connect} from 'node:net'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {inventoryFromObject} from '../../src/metadata/inventory.js'
import type {Instance} from '../../src/metadata/types.js'

export interface Reply {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

/** One HTTP request with a fixed source address (Node's fetch cannot choose one). New connection each time, like cloud-init. */
export function httpGet(
  url: string,
  opts: {from?: string; method?: string; headers?: Record<string, string>; agent?: false} = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false, ...(opts.from ? {localAddress: opts.from} : {})},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers}))
        res.on('error', reject)
      },
    )
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

/** Send raw bytes and collect whatever comes back until the server closes (or `waitMs`). */
export function rawExchange(
  port: number,
  payload: string,
  opts: {from?: string; waitMs?: number} = {},
): Promise<{data: string; closedByServer: boolean; ms: number}> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const sock = connect({port, host: '127.0.0.1', ...(opts.from ? {localAddress: opts.from} : {})})
    let data = ''
    let done = false
    const finish = (closedByServer: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      resolve({data, closedByServer, ms: Date.now() - started})
    }
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 5000)
    sock.on('connect', () => sock.write(payload))
    sock.on('data', (d) => (data += d.toString('latin1')))
    sock.on('end', () => finish(true))
    sock.on('close', () => finish(true))
    sock.on('error', (e) => (done ? undefined : reject(e)))
  })
}

/**
 * Crawl an EC2-style tree the way cloud-init's helper does: a line ending in `/` is a directory
 * (fetched with the slash), `N=name` becomes `N/openssh-key`, anything else is a leaf.
 * Returns path → body for every leaf; throws on any non-200.
 */
export async function crawlEc2(base: string, from: string, extra: Record<string, string> = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const walk = async (url: string): Promise<void> => {
    const r = await httpGet(url, {from, headers: extra})
    if (r.status !== 200) throw new Error(`${url} → ${r.status}`)
    for (const line of r.body.split('\n').filter(Boolean)) {
      if (line.endsWith('/')) await walk(url + line)
      else {
        const key = /^(\d+)=/.exec(line)
        const leaf = key ? `${url}${key[1]}/openssh-key` : url + line
        const lr = await httpGet(leaf, {from, headers: extra})
        if (lr.status !== 200) throw new Error(`listed ${leaf} → ${lr.status}`)
        out.set(leaf.slice(base.length), lr.body)
      }
    }
  }
  await walk(base)
  return out
}

export function tempDir(prefix = 'netops-md-'): {dir: string; write(name: string, text: string): string; cleanup(): void} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    write(name, text) {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    },
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}

export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOk0netopsTESTKEYxxxxxxxxxxxxxxxxxxxxxxxxxx ops@bastion'

/** A small valid inventory object: a WAF with 3 NICs (one inline), an IPS, a bare VM. */
export function sampleInventory(): Record<string, unknown> {
  return {
    profiles: {
      waf: {
        user_data: '#!/bin/sh\necho "{{ hostname }} ready in {{ rack | default(\'?\') }}" > /etc/motd\n',
        vendor_data: '#cloud-config\ntimezone: UTC\n',
        meta_data: {role: 'waf'},
        interfaces: [{name: 'mgmt'}, {name: 'inside'}, {name: 'inspect', mode: 'inline'}],
      },
    },
    instances: [
      {
        id: 'waf-01',
        hostname: 'waf-01',
        ip: '127.0.0.23',
        mac: '52:54:00:00:00:01',
        profile: 'waf',
        public_keys: [KEY],
        meta_data: {rack: 'b12'},
        interfaces: [
          {name: 'mgmt', mac: '52:54:00:00:00:01', address: '200.0.0.2/24', gateway: '200.0.0.1', dns: ['200.0.0.1']},
          {
            name: 'inside',
            mac: '52:54:00:00:01:01',
            addresses: ['10.1.0.5/24', 'fd00:1::5/64'],
            gateway6: 'fd00:1::1',
            routes: [{to: '10.2.0.0/16', via: '10.1.0.1'}],
          },
          {name: 'inspect', mac: '52:54:00:00:02:01'},
        ],
      },
      {
        id: 'ips-02',
        ip: '127.0.0.24',
        uuid: '6f1f3f1e-7d0b-4a4e-9a39-2c0d6c0d0002',
        public_keys: {ops: KEY},
        user_data: '#cloud-config\nhostname: {{ hostname }}\n',
        password: 's3cret-pw',
        interfaces: [{name: 'mgmt', mac: '52:54:00:00:00:18', dhcp: true}],
      },
      {id: 'bare-03', ip: '127.0.0.25'},
    ],
  }
}

export function sampleInstances(): Instance[] {
  return inventoryFromObject(sampleInventory()).instances
}
