/** The fake clock and the in-memory network the driver tests run on (test/utils). */
import { describe, expect, it } from 'vitest'
import { generateIdentity, type DeliveredMessage } from '../../../../src/p2p/index.js'
import { globalChannel, type UnsignedEnvelope } from '../../../../src/wire/index.js'
import { FakeClock, flush } from '../../../utils/fake-clock.js'
import { MemoryNetwork } from '../../../utils/memory-network.js'

describe('FakeClock', () => {
  it('runs due callbacks in time order on advance, including ones scheduled meanwhile, and no others', () => {
    const clock = new FakeClock(1000)
    const timers = clock.scheduler()
    const log: string[] = []
    timers.at(1030, () => log.push(`c@${clock.now()}`))
    timers.after(10, () => {
      log.push(`a@${clock.now()}`)
      timers.after(5, () => log.push(`b@${clock.now()}`))
      timers.after(100, () => log.push('late'))
    })
    timers.at(1030, () => log.push(`d@${clock.now()}`))
    clock.advance(50)
    expect(log).toEqual(['a@1010', 'b@1015', 'c@1030', 'd@1030'])
    expect(clock.now()).toBe(1050)
    expect(clock.pendingCount).toBe(1)
  })

  it("clears one scheduler's timers only, and that scheduler takes no new ones", () => {
    const clock = new FakeClock(0)
    const [one, two] = [clock.scheduler(), clock.scheduler()]
    const log: string[] = []
    one.after(10, () => log.push('one'))
    two.after(10, () => log.push('two'))
    one.clear()
    one.after(1, () => log.push('one again'))
    clock.advance(20)
    expect(log).toEqual(['two'])
  })

  it('lets promise work run between instants on run(), so timers it schedules fire in the same run', async () => {
    const clock = new FakeClock(0)
    const timers = clock.scheduler()
    const log: number[] = []
    timers.after(10, () => void Promise.resolve().then(() => timers.after(10, () => log.push(clock.now()))))
    await clock.run(30)
    expect(log).toEqual([20])
    expect(clock.now()).toBe(30)
    await expect(clock.runUntil(() => false, 'nothing', 100)).rejects.toThrow(/nothing: not reached/)
  })
})

describe('MemoryNetwork', async () => {
  const [a, b, c] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
  const tx = (n: number): UnsignedEnvelope => ({
    type: 'tx',
    chainId: 'm',
    topicId: '',
    epoch: 0,
    nonce: new Uint8Array([n]),
    payload: { kind: 'transfer', accountNonce: n, body: {} },
  })

  function hub() {
    const net = new MemoryNetwork('m')
    const [ea, eb, ec] = [net.endpoint(a), net.endpoint(b), net.endpoint(c)]
    const got = new Map<string, DeliveredMessage[]>()
    for (const e of [ea, eb, ec]) {
      got.set(e.participantId, [])
      e.subscribe(globalChannel('tx'), (m) => got.get(e.participantId)!.push(m))
    }
    return { net, ea, eb, ec, got }
  }

  it('delivers a publish asynchronously, verified, once, to every other subscriber', async () => {
    const { net, ea, eb, ec, got } = hub()
    const env = ea.sign(tx(1))
    const sent = ea.publish(env)
    expect(got.get(eb.participantId)).toEqual([]) // not inside publish: delivery is queued
    await sent
    await ea.publish(env)
    await flush()
    expect(got.get(ea.participantId)).toEqual([])
    for (const e of [eb, ec]) {
      const [m, ...rest] = got.get(e.participantId)!
      expect(rest).toEqual([])
      expect(m.envelope.signer).toEqual(a.publicKey)
      expect(m.channel).toBe(globalChannel('tx'))
    }
    expect(net.counters.get('duplicate')).toBe(2)
    // A forged signature never reaches a subscriber.
    await eb.publish({ ...eb.sign(tx(2)), signer: c.publicKey })
    await flush()
    expect(net.counters.get('invalid')).toBe(2)
    expect(got.get(ea.participantId)).toEqual([])
  })

  it('drops, holds and releases by predicate, and routes requests to the named participant', async () => {
    const { net, ea, eb, ec, got } = hub()
    net.drop((m) => m.to === eb.participantId)
    const stopHolding = net.hold((m) => m.to === ec.participantId)
    await ea.publish(ea.sign(tx(1)))
    await flush()
    expect(got.get(eb.participantId)).toHaveLength(0)
    expect(got.get(ec.participantId)).toHaveLength(0)
    stopHolding()
    expect(net.release()).toBe(1)
    await flush()
    expect(got.get(ec.participantId)).toHaveLength(1)

    eb.provide('echo', (q) => [new TextEncoder().encode(JSON.stringify(q))])
    const [answer] = await ea.request(eb.participantId, 'echo', { x: [1, 'y'] })
    expect(new TextDecoder().decode(answer!)).toBe('{"x":[1,"y"]}')
    await expect(ea.request(ec.participantId, 'echo', {})).rejects.toThrow(/no provider/)
    const unisolate = net.isolate(eb.participantId)
    await expect(ea.request(eb.participantId, 'echo', {})).rejects.toThrow(/blocked/)
    unisolate()
    // A restart replaces the endpoint: the old one neither sends nor serves.
    const fresh = net.endpoint(b)
    await expect(ea.request(fresh.participantId, 'echo', {})).rejects.toThrow(/no provider/)
    expect(eb.attached).toBe(false)
  })
})
