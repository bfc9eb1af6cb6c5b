/** Run `node bin/run.js metadata serve ... --json` as its own process for e2e tests; build dist/ first when stale. */
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import assert from 'node:assert/strict'
import {REPO} from './cli.js'

const RUN = join(REPO, 'bin', 'run.js')

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(join(REPO, dir), {withFileTypes: true})) {
    const p = join(dir, e.name)
    if (e.isDirectory()) t = Math.max(t, newest(p))
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(join(REPO, p)).mtimeMs)
  }
  return t
}

/** tsc into dist/ when a metadata source is newer than the built status command (no rm: safe beside others). */
export function ensureBuilt(): void {
  const built = join(REPO, 'dist', 'commands', 'metadata', 'status.js')
  const src = Math.max(
    newest('src/metadata'),
    newest('commands/metadata'),
    newest('src/cli'),
    statSync(join(REPO, 'src/errors.ts')).mtimeMs,
  )
  if (existsSync(built) && statSync(built).mtimeMs >= src) return
  spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.json')], {
    cwd: REPO,
    stdio: 'ignore',
  })
  assert.ok(existsSync(built) && statSync(built).mtimeMs >= src, 'build failed: run npx tsc -p tsconfig.json')
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams
  url: string
  port: number
  admin: string | null
  startup: Record<string, unknown>
  stderr(): string
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>
}

/**
 * Start `metadata serve --json` with these args (add --listen 127.0.0.1:0 yourself) and wait for its startup document.
 * `detached`: in its own process group (kill it and its workers with `process.kill(-child.pid, signal)`).
 */
export function startServe(args: string[], env: Record<string, string> = {}, opts: {detached?: boolean} = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [RUN, 'metadata', 'serve', '--json', '--quiet', ...args], {
    cwd: REPO,
    env: {...process.env, NO_COLOR: '1', ...env},
    ...(opts.detached ? {detached: true} : {}),
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start in 20 s; stderr:\n${err}`))
    }, 20_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited ${code} before listening; stderr:\n${err}`))
    })
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      let startup: Record<string, unknown>
      try {
        startup = JSON.parse(out) as Record<string, unknown>
      } catch {
        return
      }
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const url = (startup['listening'] as {metadata: string}).metadata
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      resolve({
        child,
        url,
        port: Number(new URL(url).port),
        admin: (startup['admin'] as string | null) ?? null,
        startup,
        stderr: () => err,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    })
  })
}

/** `node bin/run.js ...args` to completion. */
export function runCliSync(args: string[], env: Record<string, string> = {}): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [RUN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', ...env},
    timeout: 120_000,
  })
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

/** Like runCliSync but does not block the event loop (the server under test may run in this process). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {cwd: REPO, env: {...process.env, NO_COLOR: '1', ...env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({status, stdout, stderr})
    })
  })
}
