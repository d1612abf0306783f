/** Waiting on conditions and events, with a deadline, instead of sleeping. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    // Re-check on a short poll: the condition is the event; the interval only bounds CPU use.
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Resolve with the detail of the first event of `type` that matches. */
export function nextEvent<T>(target: EventTarget, type: string, match: (detail: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${type}`))
    }, timeoutMs)
    const listener = (event: Event): void => {
      const detail = (event as CustomEvent<T>).detail
      if (!match(detail)) return
      clearTimeout(timer)
      target.removeEventListener(type, listener)
      resolve(detail)
    }
    target.addEventListener(type, listener)
  })
}
