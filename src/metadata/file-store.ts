import {fork} from 'node:child_process'
import {statSync, watch, type FSWatcher} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {InventoryError} from '../errors.js'
import {basename, dirname} from 'node:path'
import {loadInventory, shareStrings, type InventoryIssue, type LoadedInventory} from './inventory.js'
import type {Instance} from './types.js'
import {MemoryStore} from './store.js'

/**
 * The file-backed Store: an inventory file or directory, loaded and validated as a whole.
 * `reload()` re-reads it; an invalid file leaves the previous records in place (and throws).
 */
export class FileStore extends MemoryStore {
  warnings: InventoryIssue[] = []

  private constructor(readonly path: string) {
    super([])
  }

  static async open(path: string): Promise<FileStore> {
    const s = new FileStore(path)
    await s.reload()
    return s
  }

  async reload(): Promise<void> {
    const loaded = await loadInventory(this.path)
    this.warnings = loaded.warnings
    this.replace(loaded.instances)
  }
}

/** What one reload did (logged as a JSON line by `metadata serve`). */
export interface ReloadResult {
  ok: boolean
  trigger: 'watch' | 'SIGHUP' | 'api'
  source: string
  /** Instances now served (the new count when ok, the kept count when refused). */
  instances: number
  ms: number
  /** When refused: the message (file:line:column per problem). The old inventory keeps serving. */
  error?: string
  issues?: InventoryIssue[]
  warnings?: InventoryIssue[]
}

/**
 * Watch an inventory file or directory and call `onChange` (debounced) when it may have changed.
 * The directory is watched, not the file: editors and `mv` replace the file (a new inode), which a
 * watch on the file itself would miss after the first save.
 */
export class InventoryWatcher {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly source: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
  ) {}

  start(): void {
    const isDir = statSync(this.source).isDirectory()
    const dir = isDir ? this.source : dirname(this.source)
    const name = basename(this.source)
    this.watcher = watch(dir, {persistent: false}, (_event, file) => {
      const f = file?.toString()
      if (!isDir && f !== undefined && f !== name) return
      if (isDir && f !== undefined && !/\.ya?ml$/i.test(f)) return
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => this.onChange(), this.debounceMs)
      this.timer.unref()
    })
    this.watcher.on('error', () => undefined)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.watcher?.close()
    this.watcher = undefined
  }
}

const CHILD_FLAG = '--netops-load-inventory'
/** Records per IPC message from the loader child. */
const BATCH = 250

/**
 * Load (parse + validate) an inventory in a short-lived child process and receive the result.
 * Why: parsing YAML with positions for 10,000 instances needs ~300 MB and ~3 s of CPU; in a child,
 * that peak is freed when it exits and the server's event loop keeps answering meanwhile (a reload
 * does not stall the VMs). The records come back as a structured clone, in batches: each batch's
 * copies of shared strings (a profile's key, user-data…) are dropped as it arrives, before they
 * pile up with the rest of the records.
 */
export function loadInventoryIsolated(source: string, opts: {timeoutMs?: number} = {}): Promise<LoadedInventory> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, source], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    let settled = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      done(new InventoryError(`loading ${source} took longer than ${(opts.timeoutMs ?? 120_000) / 1000} s`))
    }, opts.timeoutMs ?? 120_000)
    const done = (err: Error | undefined, inv?: LoadedInventory) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve(inv!)
    }
    const instances: Instance[] = []
    const seen = new Map<string, string>()
    child.on(
      'message',
      (
        m:
          | {batch: Instance[]}
          | {ok: true; inventory: LoadedInventory}
          | {ok: false; message: string; suggestions?: string[]; details?: Record<string, unknown>},
      ) => {
        if ('batch' in m) {
          shareStrings(m.batch, seen)
          for (const i of m.batch) instances.push(i)
        } else if (m.ok) done(undefined, {...m.inventory, instances})
        else
          done(
            new InventoryError(m.message, {
              ...(m.suggestions ? {suggestions: m.suggestions} : {}),
              ...(m.details ? {details: m.details} : {}),
            }),
          )
      },
    )
    child.on('error', (err) => done(err))
    child.on('exit', (code) => done(new InventoryError(`the inventory loader exited (${code}) without an answer`)))
  })
}

// the child side of loadInventoryIsolated
if (process.argv[2] === CHILD_FLAG && typeof process.send === 'function' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const send = (m: unknown) => process.send!(m, undefined, undefined, () => process.exit(0))
  loadInventory(process.argv[3] ?? '').then(
    (inventory) => {
      for (let i = 0; i < inventory.instances.length; i += BATCH) process.send!({batch: inventory.instances.slice(i, i + BATCH)})
      send({ok: true, inventory: {...inventory, instances: []}})
    },
    (err: Error & {suggestions?: string[]; details?: Record<string, unknown>}) =>
      send({ok: false, message: err.message, suggestions: err.suggestions, details: err.details}),
  )
}
