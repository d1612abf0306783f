/**
 * How a node process reaches the network it joins: its bootstrap peers, dialled at once with
 * retries, the node going on as soon as one answers.
 */
import type { RoleNode } from './role-node.js'

export interface BootstrapOptions {
  readonly bootstrap?: readonly string[]
  /** @default 5 */
  readonly dialAttempts?: number
  /** Hears each failed dial (a `dial-failed` report of `chorus node`). */
  readonly report: (report: {
    readonly type: 'dial-failed'
    readonly address: string
    readonly attempt: number
    readonly reason: string
  }) => void
  readonly signal?: AbortSignal
  /** The error a failed start throws (the caller's kind, so its command reports it as bad input). */
  readonly error: (message: string) => Error
}

/**
 * Dial every bootstrap peer at once, each up to `dialAttempts` times with backoff. The node
 * goes on as soon as one answers (gossip finds the rest); a peer still unreachable after its
 * attempts is left to the node's keep-alive, which dials it on until it is up (a coordinator
 * restarting right then must not hold the node back, nor be forgotten). Only a node that
 * reaches none fails to start.
 */
export async function dialBootstrap(node: RoleNode, o: BootstrapOptions): Promise<void> {
  const addresses = o.bootstrap ?? []
  if (addresses.length === 0) return
  const attempts = o.dialAttempts ?? 5
  const dial = async (address: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await node.node.dial(address, { keepAlive: true })
      } catch (err) {
        const reason = (err as Error).message
        o.report({ type: 'dial-failed', address, attempt, reason })
        if (attempt >= attempts)
          throw o.error(`cannot reach bootstrap peer ${address} after ${attempts} attempts: ${reason}`)
        await abortableDelay(500 * 2 ** (attempt - 1), o.signal, o.error)
      }
    }
  }
  const dials = addresses.map(dial)
  try {
    await Promise.any(dials)
  } catch (err) {
    const [first] = (err as AggregateError).errors as Error[]
    if (addresses.length === 1) throw first
    throw o.error(`cannot reach any of ${addresses.length} bootstrap peers: ${first.message}`)
  }
  dials.forEach((d, i) => d.catch(() => node.node.keepDialing(addresses[i])))
}

function abortableDelay(ms: number, signal: AbortSignal | undefined, error: (m: string) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(error('stopped'))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(error('stopped'))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
