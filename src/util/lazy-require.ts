/**
 * A CommonJS dependency loaded on first use rather than at import time, so that start-up
 * (`netops <cmd> --help`, the first SSH byte) does not pay for modules the run may never need
 * (yaml for --inventory, cli-table3 for human tables). The caller stays synchronous.
 *
 *   const yaml = lazyRequire<typeof Yaml>('yaml')   // with `import type * as Yaml from 'yaml'`
 *   yaml().parse(text)
 */
import {createRequire} from 'node:module'

const requireHere = createRequire(import.meta.url)

export function lazyRequire<T>(id: string, load: (id: string) => unknown = requireHere): () => T {
  let loaded: {module: T} | undefined
  return () => (loaded ??= {module: load(id) as T}).module
}
