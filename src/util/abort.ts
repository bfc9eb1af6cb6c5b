/**
 * `step()`'s value, or `interrupted()` thrown as soon as `signal` aborts (a read-only step is
 * abandoned; whoever owns its session closes it). Not started at all when already aborted.
 */
export async function orInterrupt<T>(step: () => Promise<T>, signal: AbortSignal | undefined, interrupted: () => Error): Promise<T> {
  if (!signal) return step()
  if (signal.aborted) throw interrupted()
  const running = step()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(interrupted())
    signal.addEventListener('abort', onAbort, {once: true})
  })
  try {
    return await Promise.race([running, aborted])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    running.catch(() => undefined)
  }
}
