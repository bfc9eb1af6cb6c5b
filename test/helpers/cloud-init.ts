/**
 * Real-client harness: cloud-init's own datasource code (Debian 12's cloud-init 22.4.2, unpacked
 * privately by scripts/fetch-cloud-init.sh) crawling a metadata server as one VM per process.
 *
 *   const tree = cloudInitTree()            // undefined → skip with cloudInitSkip()'s reason
 *   test('...', {skip: cloudInitSkip()}, async () => {
 *     const r = await crawl({flavor: 'ec2', server: '127.0.0.1:8807', source: '127.0.0.23',
 *                            nics: {'52:54:00:00:00:17': 'eth0'}})
 *     assert.equal(r.instanceId, 'waf-01')
 *   })
 *
 * Each crawl is one /usr/bin/python3 process (test/helpers/cloud-init/crawl.py) whose TCP
 * connections all come from `source` (a 127.x.y.z) and whose connections to 169.254.169.254:80
 * (and :8080) go to `server` (and `passwordServer`), like the host's DNAT. It never touches the
 * host: private paths, fake SMBIOS, simulated NICs, no DNS, loopback only.
 */
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const PYTHON = '/usr/bin/python3'
export const CRAWL_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'cloud-init', 'crawl.py')
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export type CrawlFlavor = 'ec2' | 'openstack' | 'nocloud' | 'cloudstack'

export interface CloudInitTree {
  /** PYTHONPATH that makes `import cloudinit` load the unpacked package. */
  pythonPath: string
  /** Debian package version, e.g. 22.4.2-1+deb12u4. */
  version: string
}

/** ${NETOPS_CACHE:-~/.cache/netops} — where fetch-cloud-init.sh and debootstrap-root.sh keep their output. */
export function netopsCacheDir(): string {
  return process.env['NETOPS_CACHE'] || join(homedir(), '.cache', 'netops')
}

let cached: {tree?: CloudInitTree; missing?: string} | undefined

function probe(): {tree?: CloudInitTree; missing?: string} {
  if (cached) return cached
  const dir = join(netopsCacheDir(), 'cloud-init')
  const versionFile = join(dir, '.deb-version')
  if (!existsSync(PYTHON)) return (cached = {missing: `${PYTHON} not found (Debian's python3)`})
  if (!existsSync(versionFile)) {
    return (cached = {missing: `cloud-init is not unpacked in ${dir}: run scripts/fetch-cloud-init.sh (or scripts/install-test-deps.sh)`})
  }
  return (cached = {
    tree: {pythonPath: join(dir, 'root', 'usr', 'lib', 'python3', 'dist-packages'), version: readFileSync(versionFile, 'utf8').trim()},
  })
}

/** Why the real-client tests cannot run here, or undefined when they can. */
export function cloudInitMissingReason(): string | undefined {
  return probe().missing
}

/** The unpacked tree, or undefined (throws under CI=true: a missing dependency fails, never skips). */
export function cloudInitTree(): CloudInitTree | undefined {
  const {tree, missing} = probe()
  if (tree) return tree
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the cloud-init tests cannot run: ${missing}`)
  return undefined
}

/** For `test(name, {skip: cloudInitSkip()}, fn)`: false when usable, else the reason (throws under CI=true). */
export function cloudInitSkip(): string | false {
  return cloudInitTree() ? false : `skipped: ${cloudInitMissingReason()}`
}

export interface CrawlOptions {
  flavor: CrawlFlavor
  /** host:port of the metadata server; 169.254.169.254:80 is sent there. */
  server: string
  /** host:port of the CloudStack password server; 169.254.169.254:8080 is sent there. */
  passwordServer?: string
  /** The VM's address (127.x.y.z); every connection comes from it. */
  source: string
  /** The VM's NICs, MAC → device name (what network config is matched against). */
  nics?: Record<string, string>
  /** Kill the crawl after this many seconds (NoCloud and the EC2 version probes have no timeout). */
  deadlineS?: number
  /** ec2: identify as AWS (fake ec2… SMBIOS uuid/serial) so cloud-init uses IMDSv2 tokens. */
  imdsv2?: boolean
  /** nocloud: the seed URL put in the fake SMBIOS serial (default http://169.254.169.254/nocloud/). */
  nocloudSeed?: string
  /** ec2/cloudstack discovery budget in seconds (cloud-init's own default is 120). */
  maxWaitS?: number
  /** After the crawl, run cloud-init's cc_phone_home with the served `phone_home:` config (serve --phone-home). */
  phoneHome?: boolean
}

export interface CrawlResult {
  ok: boolean
  flavor: CrawlFlavor
  source: string
  /** Python class that ran, e.g. DataSourceNoCloudNet. */
  className?: string
  dsname?: string
  cloudName?: string
  instanceId?: string
  localHostname?: string | null
  availabilityZone?: string | null
  publicKeys?: string[]
  /** user-data exactly as cloud-init received it, base64 of the raw bytes; null = none. */
  userDataB64?: string | null
  vendorData?: unknown
  vendorData2?: unknown
  /** What cloud-init would render (v1 or v2), against the simulated NICs. */
  networkConfig?: unknown
  metadata?: Record<string, unknown>
  /** sha256 of the CloudStack password cloud-init received (the password itself is never printed). */
  passwordSha256?: string | null
  /** [method, url, status] of every HTTP request cloud-init made, in order (wget: status null). */
  requests: Array<[string, string, number | null]>
  warnings?: string[]
  error?: string
  /** cloud-init's log tail on failure. */
  log?: string[]
  elapsedS: number
  /** With `phoneHome`: whether a phone_home config was served, its URL, the last POST's status and how many were made. */
  phoneHome?: {found: boolean; url: string | null; status: number | null; tries?: number} | null
  /** crawl.py exit code: 0 claimed, 3 not claimed, 5 deadline, 2 usage. */
  exitCode: number
}

/** user-data as a string (utf-8), or undefined when cloud-init got none. */
export function userDataText(r: CrawlResult): string | undefined {
  return r.userDataB64 == null ? undefined : Buffer.from(r.userDataB64, 'base64').toString('utf8')
}

/** Runs cloud-init's datasource for one VM; resolves with what it got (never rejects on a failed crawl). */
export async function crawl(opts: CrawlOptions, tree = cloudInitTree()): Promise<CrawlResult> {
  if (!tree) throw new Error(`cloud-init is not available: ${cloudInitMissingReason()}`)
  const argv = [CRAWL_SCRIPT, '--flavor', opts.flavor, '--server', opts.server, '--source', opts.source]
  if (opts.passwordServer) argv.push('--password-server', opts.passwordServer)
  for (const [mac, name] of Object.entries(opts.nics ?? {})) argv.push('--nic', `${mac}=${name}`)
  const deadline = opts.deadlineS ?? 60
  argv.push('--deadline', String(deadline))
  if (opts.imdsv2) argv.push('--imdsv2')
  if (opts.nocloudSeed) argv.push('--nocloud-seed', opts.nocloudSeed)
  if (opts.maxWaitS !== undefined) argv.push('--max-wait', String(opts.maxWaitS))
  if (opts.phoneHome) argv.push('--phone-home')
  // A clean environment: no pyenv, no user site, no proxies.
  const env: Record<string, string> = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    PYTHONPATH: tree.pythonPath,
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    LANG: 'C.UTF-8',
    TMPDIR: process.env['TMPDIR'] || '/tmp',
  }
  return await new Promise<CrawlResult>((resolve, reject) => {
    const child = spawn(PYTHON, argv, {cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    // crawl.py enforces --deadline itself; this is the backstop if Python itself wedges.
    const killer = setTimeout(() => child.kill('SIGKILL'), (deadline + 15) * 1000)
    child.on('error', (e) => {
      clearTimeout(killer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        const parsed = JSON.parse(line) as Omit<CrawlResult, 'exitCode'>
        resolve({...parsed, exitCode: code ?? -1})
      } catch {
        reject(
          new Error(
            `crawl.py (${opts.flavor} from ${opts.source}) exited ${code ?? signal} without a result: ${stderr.slice(-2000) || stdout.slice(-2000)}`,
          ),
        )
      }
    })
  })
}
