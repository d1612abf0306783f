/**
 * The fault layer of a node process, driven by its parent over Node's IPC channel: a chaos
 * runner sends `{type: 'chaos-faults', seq, command}` and gets one
 * `{type: 'chaos-faults-ack', seq, ok, error?}` back per message, after the command took
 * effect (or was refused). Other messages on the channel are left to their own listeners.
 */
import type { FaultCommand, NetworkFaults } from '../p2p/index.js'

export interface FaultControlMessage {
  readonly type: 'chaos-faults'
  /** Echoed in the answer, so the runner can match answers to commands. */
  readonly seq: number
  /** Checked by the node (`NetworkFaults.apply`); a bad one is answered `ok: false`. */
  readonly command: FaultCommand
}

export interface FaultControlAck {
  readonly type: 'chaos-faults-ack'
  /** The message's seq; null when it had none that is an integer. */
  readonly seq: number | null
  readonly ok: boolean
  /** Why the command was refused (present when `ok` is false). */
  readonly error?: string
}

function isFaultMessage(message: unknown): message is { type: 'chaos-faults'; seq?: unknown; command?: unknown } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'chaos-faults'
}

/**
 * Apply the fault commands that arrive on `channel` (the process's IPC channel) to `faults`
 * and answer each. While attached, the channel keeps the process alive (Node refs it for a
 * `message` listener); the returned function detaches.
 */
export function attachFaultControl(faults: NetworkFaults, channel: NodeJS.Process): () => void {
  if (typeof channel.send !== 'function') {
    throw new Error('fault control needs an IPC channel: start the node process with one (fork, or stdio "ipc")')
  }
  const send = channel.send.bind(channel)
  const answer = (ack: FaultControlAck): void => {
    // The parent may be gone; then there is nobody to answer, and that is not this node's failure.
    send(ack, undefined, undefined, () => {})
  }
  const onMessage = (message: unknown): void => {
    if (!isFaultMessage(message)) return
    const seq = Number.isSafeInteger(message.seq) ? (message.seq as number) : null
    if (seq === null) {
      answer({ type: 'chaos-faults-ack', seq, ok: false, error: 'a chaos-faults message needs an integer seq' })
      return
    }
    try {
      faults.apply(message.command)
      answer({ type: 'chaos-faults-ack', seq, ok: true })
    } catch (err) {
      answer({ type: 'chaos-faults-ack', seq, ok: false, error: err instanceof Error ? err.message : String(err) })
    }
  }
  channel.on('message', onMessage)
  return () => {
    channel.off('message', onMessage)
  }
}
