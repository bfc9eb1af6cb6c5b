/** Reloading a served inventory: what one reload did, the file watch that triggers it, and the reload itself. */
import {statSync, watch, type FSWatcher} from 'node:fs'
import {basename, dirname} from 'node:path'
import {NetopsError} from '../errors.js'
import type {InventoryIssue, LoadedInventory} from './inventory.js'

/** What one reload did (logged as a JSON line by `metadata serve`). */
export interface ReloadResult {
  ok: boolean
  /** `store`: a new generation published in etcd (metadata serve --store). */
  trigger: 'watch' | 'SIGHUP' | 'api' | 'store'
  /** The etcd source: `etcd://… <prefix>`; a file source: the inventory path. */
  source: string
  /** Store mode: the generation served after this reload. */
  generation?: number
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

export interface ReloaderOptions {
  /** The inventory file or directory; undefined when the inventory was given inline (nothing to reload). */
  source: string | undefined
  load(source: string): Promise<LoadedInventory>
  /** Serve the new inventory: one synchronous swap, so a request sees all old or all new. */
  apply(next: LoadedInventory): void
  /** How many instances are served now (the count a refused reload keeps). */
  served(): number
  /** Called with every reload attempt of a file inventory, ok or refused (metrics, the log line). */
  onReload?(r: ReloadResult): void
}

/** The source name a reload result carries. */
const INLINE = '<inline inventory>'

/** The problems of a refused inventory, when its error lists them. */
function issuesOf(err: unknown): InventoryIssue[] | undefined {
  return err instanceof NetopsError ? (err.details?.['issues'] as InventoryIssue[] | undefined) : undefined
}

/**
 * A reload function: re-reads the inventory and swaps it in; an invalid one is refused and the current one
 * keeps serving. Reloads run one after the other (a watch event during a SIGHUP reload waits for it).
 */
export function createReloader(o: ReloaderOptions): (trigger?: ReloadResult['trigger']) => Promise<ReloadResult> {
  const reloadOnce = async (trigger: ReloadResult['trigger']): Promise<ReloadResult> => {
    const started = performance.now()
    if (o.source === undefined) {
      return {
        ok: false,
        trigger,
        source: INLINE,
        instances: o.served(),
        ms: 0,
        error: 'the inventory was not read from a file: nothing to reload',
      }
    }
    const ms = () => Math.round(performance.now() - started)
    let result: ReloadResult
    try {
      const next = await o.load(o.source)
      o.apply(next)
      result = {
        ok: true,
        trigger,
        source: o.source,
        instances: next.instances.length,
        ms: ms(),
        ...(next.warnings.length ? {warnings: next.warnings} : {}),
      }
    } catch (err) {
      const issues = issuesOf(err)
      result = {
        ok: false,
        trigger,
        source: o.source,
        instances: o.served(),
        ms: ms(),
        error: (err as Error).message,
        ...(issues ? {issues} : {}),
      }
    }
    o.onReload?.(result)
    return result
  }
  let chain: Promise<unknown> = Promise.resolve()
  return (trigger = 'api') => {
    const p = chain.then(() => reloadOnce(trigger))
    chain = p.catch(() => undefined)
    return p
  }
}
