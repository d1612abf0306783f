import { describe, expect, it } from 'vitest'
import type { ChainState } from '../../../src/consensus/chain/execution.js'
import { admissionPolicy, CONSENSUS_SLOT_HEIGHTS } from '../../../src/roles/admission.js'
import { parseTopicConfig } from '../../../src/topic/config.js'
import { EpochClock } from '../../../src/topic/epoch-clock.js'
import { PAST_EPOCHS_ACCEPTED, type TopicRuntime } from '../../../src/topic/windows.js'
import type { Envelope } from '../../../src/wire/index.js'

describe('admissionPolicy.isPast (which validator slots may be forgotten)', () => {
  const config = parseTopicConfig({ id: 't', name: 't', epochMs: 1000, groundTruth: 'synthetic:1' }, 't')
  let now = 0
  const topic: TopicRuntime = { config, clock: new EpochClock(0, config.epochMs, () => now) }
  const height = 500
  const policy = admissionPolicy(() => ({ height }) as ChainState, new Map([['t', topic]]))
  const isPast = policy.isPast!

  it('agrees with the epoch window of topic messages: past once checkEpoch calls them too old', () => {
    now = 100_500 // epoch 100, inside its submission window
    for (const type of ['inference', 'forecast', 'inference-commit'] as const) {
      expect(isPast({ type, topicId: 't', epoch: 100 })).toBe(false)
      expect(isPast({ type, topicId: 't', epoch: 99 })).toBe(true)
    }
    const lastBundle = 100 - config.groundTruthLag - PAST_EPOCHS_ACCEPTED
    expect(isPast({ type: 'loss-bundle', topicId: 't', epoch: lastBundle })).toBe(false)
    expect(isPast({ type: 'loss-bundle', topicId: 't', epoch: lastBundle - 1 })).toBe(true)
    for (const epoch of [90, 99, 100, lastBundle - 1]) {
      const probe = { type: 'inference' as const, topicId: 't', epoch }
      // checkEpoch reads the type and the epoch only
      expect(isPast(probe)).toBe(policy.checkEpoch!(probe as unknown as Envelope) === 'too-old')
    }
    expect(isPast({ type: 'inference', topicId: 'elsewhere', epoch: 1 })).toBe(false)
  })

  it('lets consensus messages go a while behind the chain, transactions never', () => {
    for (const type of ['proposal', 'vote', 'commit'] as const) {
      expect(isPast({ type, topicId: '', epoch: height - CONSENSUS_SLOT_HEIGHTS })).toBe(false)
      expect(isPast({ type, topicId: '', epoch: height - CONSENSUS_SLOT_HEIGHTS - 1 })).toBe(true)
      expect(isPast({ type, topicId: '', epoch: height + 1 })).toBe(false)
    }
    expect(isPast({ type: 'tx', topicId: '', epoch: 0 })).toBe(false)
  })
})
