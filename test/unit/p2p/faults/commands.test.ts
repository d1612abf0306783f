/**
 * Fault commands as a chaos runner sends them: what they do to a NetworkFaults, and the
 * error a malformed one gets (it names the field, and nothing changes).
 */
import { describe, expect, it } from 'vitest'
import { FaultCommandError, NetworkFaults, parseFaultCommand } from '../../../../src/p2p/index.js'

const P1 = '12D3KooWD79ZUi6UNohAfq4X4oEGJEmbZgwn6rTuMLGWmeaSt3ym'
const P2 = '12D3KooWJG1XKenCAzYy1AdFgQoUQnWtRuXGRnPHMgVQvLgZHmGS'

describe('fault commands', () => {
  it('link sets the default or one peer’s conditions; null and clear remove them', () => {
    const faults = new NetworkFaults({ seed: 7 })
    faults.apply({ op: 'link', conditions: { latencyMs: 20 } })
    faults.apply({ op: 'link', peer: P1, conditions: { loss: 0.25, bandwidthBytesPerSec: 1000 } })
    expect(faults.conditionsFor(P1)).toEqual({ loss: 0.25, bandwidthBytesPerSec: 1000 })
    expect(faults.conditionsFor(P2)).toEqual({ latencyMs: 20 })
    faults.apply({ op: 'link', peer: P1, conditions: null })
    expect(faults.conditionsFor(P1)).toEqual({ latencyMs: 20 })
    faults.apply({ op: 'link', peer: P2, conditions: {} })
    expect(faults.conditionsFor(P2)).toEqual({})
    faults.apply({ op: 'clear' })
    expect(faults.conditionsFor(P1)).toEqual({})
  })

  it('cut and heal keep the set of cut peers; a heal without peers heals them all', () => {
    const faults = new NetworkFaults({ seed: 7 })
    faults.apply({ op: 'cut', peers: [P1, P2] })
    expect([faults.isCut(P1), faults.isCut(P2)]).toEqual([true, true])
    faults.apply({ op: 'heal', peers: [P2] })
    expect([faults.isCut(P1), faults.isCut(P2)]).toEqual([true, false])
    faults.apply({ op: 'clear' })
    expect(faults.isCut(P1)).toBe(true)
    faults.apply({ op: 'heal' })
    expect(faults.isCut(P1)).toBe(false)
  })

  it('the commands are plain JSON: they survive a round trip through text', () => {
    const command = { op: 'link', peer: P1, conditions: { latencyMs: 5, jitterMs: 1, reorder: 0.1 } }
    expect(parseFaultCommand(JSON.parse(JSON.stringify(command)))).toEqual(command)
  })

  it.each([
    [{ op: 'link', conditions: { loss: 1.5 } }, 'conditions.loss'],
    [{ op: 'link', conditions: { latencyMs: -1 } }, 'conditions.latencyMs'],
    [{ op: 'link', conditions: { bandwidthBytesPerSec: 0 } }, 'conditions.bandwidthBytesPerSec'],
    [{ op: 'link', conditions: { lossRate: 0.1 } }, 'conditions: Unrecognized key: "lossRate"'],
    [{ op: 'link', peer: 'not-a-peer', conditions: {} }, 'peer: not a libp2p peer id'],
    [{ op: 'cut', peers: [P1, 'x'] }, 'peers.1: not a libp2p peer id'],
    [{ op: 'cut' }, 'peers'],
    [{ op: 'partition' }, 'op'],
    ['cut', 'Invalid input: expected object'],
  ])('refuses %j, naming %s', (command, field) => {
    const faults = new NetworkFaults({ seed: 7 })
    expect(() => faults.apply(command)).toThrow(FaultCommandError)
    expect(() => faults.apply(command)).toThrow(`invalid fault command: ${field}`)
    expect(faults.conditionsFor(P1)).toEqual({})
    expect(faults.isCut(P1)).toBe(false)
  })

  it('the direct methods check their input as the commands do', () => {
    const faults = new NetworkFaults({ seed: 7 })
    expect(() => faults.setLink(P1, { duplicate: 2 })).toThrow('invalid link conditions: duplicate')
    expect(() => faults.cut(['nope'])).toThrow('invalid peer id')
    expect(() => new NetworkFaults({ seed: 1.5 })).toThrow('seed must be an integer')
  })
})
