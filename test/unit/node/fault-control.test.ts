/**
 * The IPC end of the fault layer in a node process: each `chaos-faults` message is applied
 * and answered once with its seq; bad ones are answered with the reason and change nothing.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { attachFaultControl, type FaultControlAck } from '../../../src/node/fault-control.js'
import { NetworkFaults } from '../../../src/p2p/index.js'

const PEER = '12D3KooWD79ZUi6UNohAfq4X4oEGJEmbZgwn6rTuMLGWmeaSt3ym'

/** The part of a child process's IPC channel the control uses: message events and send. */
class FakeChannel extends EventEmitter {
  readonly sent: unknown[] = []
  send(message: unknown, _handle?: unknown, _options?: unknown, callback?: (err: Error | null) => void): boolean {
    this.sent.push(message)
    callback?.(null)
    return true
  }
  asProcess(): NodeJS.Process {
    // attachFaultControl touches only on, off and send of the process.
    return this as unknown as NodeJS.Process
  }
}

function attached() {
  const faults = new NetworkFaults({ seed: 1 })
  const channel = new FakeChannel()
  const detach = attachFaultControl(faults, channel.asProcess())
  return { faults, channel, detach }
}

describe('attachFaultControl', () => {
  it('applies a command and acknowledges it with its seq', () => {
    const { faults, channel } = attached()
    channel.emit('message', { type: 'chaos-faults', seq: 7, command: { op: 'cut', peers: [PEER] } })
    expect(faults.isCut(PEER)).toBe(true)
    channel.emit('message', { type: 'chaos-faults', seq: 8, command: { op: 'link', conditions: { latencyMs: 5 } } })
    expect(faults.conditionsFor(PEER)).toEqual({ latencyMs: 5 })
    expect(channel.sent).toEqual<FaultControlAck[]>([
      { type: 'chaos-faults-ack', seq: 7, ok: true },
      { type: 'chaos-faults-ack', seq: 8, ok: true },
    ])
  })

  it('answers a bad command with the reason and applies nothing', () => {
    const { faults, channel } = attached()
    channel.emit('message', { type: 'chaos-faults', seq: 1, command: { op: 'link', conditions: { loss: 2 } } })
    channel.emit('message', { type: 'chaos-faults', command: { op: 'cut', peers: [PEER] } })
    expect(channel.sent).toEqual<FaultControlAck[]>([
      { type: 'chaos-faults-ack', seq: 1, ok: false, error: expect.stringContaining('conditions.loss') },
      { type: 'chaos-faults-ack', seq: null, ok: false, error: 'a chaos-faults message needs an integer seq' },
    ])
    expect(faults.conditionsFor(PEER)).toEqual({})
    expect(faults.isCut(PEER)).toBe(false)
  })

  it('leaves other messages alone, and stops listening once detached', () => {
    const { faults, channel, detach } = attached()
    channel.emit('message', { type: 'something-else', seq: 1 })
    channel.emit('message', 'text')
    expect(channel.sent).toEqual([])
    detach()
    channel.emit('message', { type: 'chaos-faults', seq: 2, command: { op: 'cut', peers: [PEER] } })
    expect(channel.sent).toEqual([])
    expect(faults.isCut(PEER)).toBe(false)
    expect(channel.listenerCount('message')).toBe(0)
  })

  it('refuses a process without an IPC channel', () => {
    const noIpc = new EventEmitter() as unknown as NodeJS.Process
    expect(() => attachFaultControl(new NetworkFaults({ seed: 1 }), noIpc)).toThrow(
      'fault control needs an IPC channel',
    )
  })
})
