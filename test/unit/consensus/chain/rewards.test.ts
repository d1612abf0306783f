/** Rewards per participant over a stretch of blocks, read off the settlements they carry. */
import { describe, expect, it } from 'vitest'
import type { Block, BlockTopicEpoch } from '../../../../src/consensus/chain/block.js'
import { rewardsByParticipant } from '../../../../src/consensus/chain/rewards.js'
import type { SettledEpoch } from '../../../../src/consensus/chain/topic-step.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const R = 'cc'.repeat(32)

function settled(rewards: SettledEpoch['rewards']): SettledEpoch {
  return { rewards } as SettledEpoch
}

function topicEpoch(topicId: string, s: readonly SettledEpoch[]): BlockTopicEpoch {
  return { topicId, settled: s } as unknown as BlockTopicEpoch
}

/** Heights 1..4: two topics, settlements at 2, 3 and 4. */
const blocks = new Map<number, Block>(
  [
    [],
    [topicEpoch('t', [settled({ inferers: { [A]: 10, [B]: 4 }, forecasters: { [A]: 1 }, reputers: { [R]: 3 } })])],
    [
      topicEpoch('t', [settled({ inferers: { [A]: 5 }, forecasters: {}, reputers: { [R]: 2 } })]),
      topicEpoch('u', [settled({ inferers: { [B]: 100 }, forecasters: { [B]: 0 }, reputers: {} })]),
    ],
    [topicEpoch('t', [settled({ inferers: { [B]: 7 }, forecasters: {}, reputers: {} })])],
  ].map((topicEpochs, i) => [i + 1, { height: i + 1, topicEpochs } as unknown as Block]),
)
const blockAt = (h: number) => blocks.get(h)

describe('rewardsByParticipant', () => {
  it('sums each participant per task over heights from+1..to, every topic', () => {
    const r = rewardsByParticipant(blockAt, 0, 3)
    expect(r.get(A)).toEqual({ inferer: 15, forecaster: 1, reputer: 0, total: 16 })
    expect(r.get(B)).toEqual({ inferer: 104, forecaster: 0, reputer: 0, total: 104 })
    expect(r.get(R)).toEqual({ inferer: 0, forecaster: 0, reputer: 5, total: 5 })
  })

  it('reads one topic, and only the stretch asked for', () => {
    const r = rewardsByParticipant(blockAt, 2, 4, 't')
    expect(r.get(A)?.total).toBe(5)
    expect(r.get(B)?.total).toBe(7)
    expect(r.get(R)?.reputer).toBe(2)
    expect(rewardsByParticipant(blockAt, 4, 4).size).toBe(0)
  })

  it('refuses a stretch it has no blocks for, or a reversed one', () => {
    expect(() => rewardsByParticipant(blockAt, 0, 5)).toThrow('no block at height 5')
    expect(() => rewardsByParticipant(blockAt, 3, 2)).toThrow(/0 <= from <= to/)
  })
})
