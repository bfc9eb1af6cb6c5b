/**
 * Ctrl-C / SIGTERM while a command changes something: the first signal asks the work to stop at a
 * safe point (an AbortSignal the domain code checks), a second one ends the process at once.
 */

type InterruptSignal = 'SIGINT' | 'SIGTERM'

export interface InterruptHandlers {
  /** The first signal: the AbortSignal is already aborted; say what happens now. */
  first: (signal: InterruptSignal) => void
  /** The second signal: print what stands, then exit (this function should not return). */
  second: (signal: InterruptSignal) => void
}

export interface InterruptTrap {
  signal: AbortSignal
  /** Stop listening: the default Ctrl-C behaviour is back. */
  dispose(): void
}

/** Where the signals come from (process by default; tests pass an EventEmitter). */
export interface SignalSource {
  on(event: InterruptSignal, listener: () => void): unknown
  off(event: InterruptSignal, listener: () => void): unknown
}

export function trapInterrupts(handlers: InterruptHandlers, source: SignalSource = process): InterruptTrap {
  const controller = new AbortController()
  const listeners = new Map<InterruptSignal, () => void>()
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const listener = (): void => {
      if (controller.signal.aborted) {
        handlers.second(sig)
        return
      }
      controller.abort(sig)
      handlers.first(sig)
    }
    listeners.set(sig, listener)
    source.on(sig, listener)
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [sig, listener] of listeners) source.off(sig, listener)
      listeners.clear()
    },
  }
}
