import type { EventEmitter } from 'node:events'

/** Waiting on conditions and events, with a deadline, instead of sleeping. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    // Re-check on a short poll: the condition is the event; the interval only bounds CPU use.
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Resolve with the first `type` event of `emitter` that matches. */
export function nextEvent<Events extends Record<keyof Events, [unknown]>, K extends keyof Events & string>(
  emitter: EventEmitter<Events>,
  type: K,
  match: (detail: Events[K][0]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Events[K][0]> {
  return new Promise((resolve, reject) => {
    // The typed emitter's listener signature, for a listener added and removed by name.
    const untyped = emitter as unknown as EventEmitter
    const timer = setTimeout(() => {
      untyped.off(type, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${type}`))
    }, timeoutMs)
    const listener = (detail: Events[K][0]): void => {
      if (!match(detail)) return
      clearTimeout(timer)
      untyped.off(type, listener)
      resolve(detail)
    }
    untyped.on(type, listener)
  })
}
