import {fork, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {InventoryError} from '../errors.js'
import {loadInventory, shareStrings, type LoadedInventory} from './inventory.js'
import type {Instance} from './types.js'

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
 *
 * The child's end is taken from 'close', not 'exit': 'exit' comes when the process is gone, while its last
 * messages may still be unread in the IPC channel (node emits 'message' after 'exit' then, e.g. in a busy
 * parent), and a good inventory would be refused with "exited (0) without an answer". 'close' comes once
 * the channel is drained.
 */
export function loadInventoryIsolated(
  source: string,
  opts: {timeoutMs?: number; /** Tests: start the child another way. */ fork?: (args: string[]) => ChildProcess} = {},
): Promise<LoadedInventory> {
  return new Promise((resolve, reject) => {
    const child = (opts.fork ?? defaultFork)([CHILD_FLAG, source])
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
    child.on('close', (code) => done(new InventoryError(`the inventory loader exited (${String(code)}) without an answer`)))
  })
}

function defaultFork(args: string[]): ChildProcess {
  return fork(fileURLToPath(import.meta.url), args, {serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc']})
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
