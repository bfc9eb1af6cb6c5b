import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readdirSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** The .ts sources that `tsc -p tsconfig.json` compiles (its "include": src, commands), relative to REPO. */
function compiledSources(dir: string): string[] {
  return readdirSync(join(REPO, dir), {withFileTypes: true}).flatMap((e) => {
    const rel = join(dir, e.name)
    if (e.isDirectory()) return compiledSources(rel)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : []
  })
}

/**
 * Copy the repo's built dist/ into `root`/dist, when it is up to date: every source under src/ and commands/ has its
 * .js in dist/ and none is newer than it (`npm test` builds before the tests). Only those files are copied, so a
 * stale .js of a deleted source is not: the copy is what `tsc --outDir root/dist` would write, in a few
 * milliseconds instead of a compile (about 15 s of CPU). Returns false when dist/ is stale (or vanished mid-copy):
 * then compile.
 */
export function copyBuiltDist(root: string): boolean {
  const pairs = [...compiledSources('src'), ...compiledSources('commands')].map((ts) => {
    const js = join('dist', ts.replace(/\.ts$/, '.js'))
    return {ts, js}
  })
  const fresh = pairs.every(({ts, js}) => {
    const built = join(REPO, js)
    return existsSync(built) && statSync(built).mtimeMs >= statSync(join(REPO, ts)).mtimeMs
  })
  if (!fresh) return false
  try {
    for (const {js} of pairs) {
      mkdirSync(dirname(join(root, js)), {recursive: true})
      copyFileSync(join(REPO, js), join(root, js))
    }
  } catch {
    return false // dist/ rebuilt under us (npm run build removes it first): compile instead
  }
  return true
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  timeoutMs?: number
}

/** Run the built CLI (`node bin/run.js ...`) and collect stdout, stderr and the exit code separately. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return startCli(args, opts).done
}

/**
 * Start the built CLI and return the child (to signal it mid-run), the output so far, and a promise
 * of the whole run.
 */
export function startCli(
  args: string[],
  opts: CliOptions = {},
): {child: ChildProcessWithoutNullStreams; output: () => CliRun; done: Promise<CliRun>} {
  if (!existsSync(`${REPO}/dist/commands`)) throw new Error('dist/ is missing: run `npm run build` before the e2e tests')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({...process.env, NO_COLOR: '1', ...opts.env})) if (v !== undefined) env[k] = v
  const child = spawn(process.execPath, [`${REPO}/bin/run.js`, ...args], {env, cwd: REPO})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
  child.stdin.end(opts.input ?? '')
  return {child, output: () => ({code: child.exitCode, stdout, stderr}), done}
}
