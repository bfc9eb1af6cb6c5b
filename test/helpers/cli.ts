import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))

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
