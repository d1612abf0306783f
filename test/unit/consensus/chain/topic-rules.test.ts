import { describe, expect, it } from 'vitest'
import { buildLocalGenesis } from '../../../../src/consensus/ledger/index.js'
import { topicRulesHash, topicRulesOf } from '../../../../src/consensus/chain/topic-rules.js'
import { checkTopicsAgainstGenesis } from '../../../../src/node/role-node.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'
import { SYNTHESIS_ENGINE_VERSION } from '../../../../src/synthesis/engine-version.js'
import { STATE_HASH_VERSION } from '../../../../src/consensus/chain/state-hash.js'

const id = (n: number): string => n.toString(16).padStart(64, '0')
const topic = parseTopicConfig({ id: 'alpha', name: 'a', epochMs: 400, groundTruth: 'synthetic:1' }, 'test')

function genesisPinning(rules: string | undefined) {
  return buildLocalGenesis({
    committee: [id(1)],
    workers: [id(2)],
    reputers: [id(3)],
    topics: [{ id: 'alpha', epochMs: 400, rules }],
  })
}

describe('topic rules pinned in the genesis', () => {
  it('hashes only the consensus rules, and every one of them', () => {
    const base = topicRulesHash(topicRulesOf(topic))
    expect(
      topicRulesHash(
        topicRulesOf({ ...topic, name: 'renamed', groundTruth: 'synthetic:2', lossFunction: 'absolute-error' }),
      ),
    ).toBe(base)
    expect(topicRulesHash(topicRulesOf({ ...topic, params: { ...topic.params, pNorm: 2.5 } }))).not.toBe(base)
    expect(topicRulesHash(topicRulesOf({ ...topic, commitReveal: !topic.commitReveal }))).not.toBe(base)
    expect(topicRulesHash(topicRulesOf({ ...topic, groundTruthLag: topic.groundTruthLag + 1 }))).not.toBe(base)
    // Another synthesis engine version executes the same params differently.
    expect(topicRulesOf(topic).engine).toBe(SYNTHESIS_ENGINE_VERSION)
    expect(topicRulesHash({ ...topicRulesOf(topic), engine: SYNTHESIS_ENGINE_VERSION - 1 })).not.toBe(base)
    // So does another way of hashing the topic state into blocks.
    expect(topicRulesOf(topic).stateHash).toBe(STATE_HASH_VERSION)
    expect(topicRulesHash({ ...topicRulesOf(topic), stateHash: STATE_HASH_VERSION - 1 })).not.toBe(base)
  })

  it('a coordinator with the pinned rules starts; one whose params differ is refused by name', () => {
    const genesis = genesisPinning(topicRulesHash(topicRulesOf(topic)))
    expect(genesis.topics[0].rules).toBe(topicRulesHash(topicRulesOf(topic)))
    expect(() => checkTopicsAgainstGenesis(genesis, [topic])).not.toThrow()
    const other = { ...topic, params: { ...topic.params, alphaRegret: 0.2 } }
    expect(() => checkTopicsAgainstGenesis(genesis, [other])).toThrow(/topic alpha: its rules .* differ/)
  })

  it('a genesis without rules pins the epoch length only', () => {
    const genesis = genesisPinning(undefined)
    expect(genesis.topics[0].rules).toBeNull()
    expect(() =>
      checkTopicsAgainstGenesis(genesis, [{ ...topic, params: { ...topic.params, alphaRegret: 0.2 } }]),
    ).not.toThrow()
    expect(() => checkTopicsAgainstGenesis(genesis, [{ ...topic, epochMs: 500 }])).toThrow(/not in the genesis/)
    expect(() => checkTopicsAgainstGenesis(genesis, [topic, topic])).toThrow(/twice/)
    expect(() => checkTopicsAgainstGenesis(genesis, [])).toThrow(/every genesis topic/)
  })
})
