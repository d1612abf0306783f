/**
 * Governance of a topic's rules: a proposal names `topic.<id>.activeSet.<field>` or
 * `topic.<id>.params.<name>`, a value out of the field's range cannot be proposed, and a
 * passed one changes the topic's config on the chain from the block that tallies it.
 */
import { describe, expect, it } from 'vitest'
import { genesisChainState, type ChainState } from '../../../../src/consensus/chain/execution.js'
import { applyTx } from '../../../../src/consensus/ledger/index.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'
import { ruleChangeProblem } from '../../../../src/synthesis/rule-change-check.js'
import { withRuleChanges } from '../../../../src/topic/rule-changes.js'
import { GENESIS_MS, oneTopicChain } from '../../../utils/single-proposer.js'

const topic = parseTopicConfig({ id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1' }, 'test')
const { hex, coordinator, reputer, genesis, post, commitAt } = await oneTopicChain(2)

describe('governance of topic rules', () => {
  it('checks a rule change against its range', () => {
    expect(ruleChangeProblem('activeSet.inferers', '8')).toBeUndefined()
    expect(ruleChangeProblem('activeSet.inferers', '0')).toMatch(/>=1|at least|too small/i)
    expect(ruleChangeProblem('activeSet.alpha', '1.5')).toBeDefined()
    expect(ruleChangeProblem('activeSet.color', '1')).toMatch(/no field color/)
    expect(ruleChangeProblem('params.p_norm', '3.5')).toBeUndefined()
    expect(ruleChangeProblem('params.p_norm', '-1')).toMatch(/p_norm/)
    expect(ruleChangeProblem('params.nope', '1')).toMatch(/unknown key "nope"/)
    expect(ruleChangeProblem('epochMs', '5')).toMatch(/from 50 to 86400000/)
    expect(ruleChangeProblem('epochMs', '500')).toBeUndefined()
    expect(ruleChangeProblem('epochMs', '500.5')).toMatch(/whole number/)
    expect(ruleChangeProblem('epochLength', '500')).toMatch(/unknown rule/)
    expect(ruleChangeProblem('activeSet.inferers', 'many')).toMatch(/finite number/)
    const changed = withRuleChanges(
      topic,
      new Map([
        ['activeSet.inferers', '4'],
        ['params.p_norm', '3.5'],
      ]),
    )
    expect(changed.activeSet.inferers).toBe(4)
    expect(changed.params.pNorm).toBe(3.5)
    expect(changed.activeSet.forecasters).toBe(topic.activeSet.forecasters)
    // A new epoch length carries the submission window along in proportion; applying the
    // same changes again changes nothing.
    const longer = withRuleChanges(topic, new Map([['epochMs', String(topic.epochMs * 3)]]))
    expect(longer.epochMs).toBe(topic.epochMs * 3)
    expect(longer.submissionWindowMs).toBe(topic.submissionWindowMs * 3)
    expect(withRuleChanges(longer, new Map([['epochMs', String(topic.epochMs * 3)]]))).toEqual(longer)
  })

  it('refuses a proposal for an unknown topic or a value out of range', () => {
    const ledger = genesisChainState(genesis, [topic]).ledger
    const propose = (param: string, value: string) =>
      applyTx(
        ledger,
        {
          kind: 'propose',
          signer: hex(coordinator),
          accountNonce: 0,
          body: { param, value, height: 50 },
        },
        { height: 1, epoch: 0 },
      )
    expect(propose('topic.t1.activeSet.inferers', '8').ok).toBe(true)
    expect(propose('topic.nope.activeSet.inferers', '8')).toMatchObject({
      code: 'BAD_PROPOSAL',
      reason: expect.stringMatching(/no topic/),
    })
    expect(propose('topic.t1.params.p_norm', '-1')).toMatchObject({ code: 'BAD_PROPOSAL' })
  })

  it('applies a passed change to the topic on the chain at the proposal height', () => {
    const pool = new MessagePool()
    const tx = (
      who: typeof coordinator,
      accountNonce: number,
      kind: 'propose' | 'vote',
      body: Record<string, string | number>,
    ) => post(pool, who, { type: 'tx', epoch: 0, payload: { kind, accountNonce, body } } as never)
    // The coordinator (100 tokens) and the reputer (100) vote yes: 200 of 220 bonded.
    tx(coordinator, 0, 'propose', { param: 'topic.t1.activeSet.inferers', value: '1', height: 12 })
    let chain: ChainState = genesisChainState(genesis, [topic])
    chain = commitAt(chain, pool, GENESIS_MS + 1200)
    tx(coordinator, 1, 'vote', { proposal: 0, choice: 'yes' })
    tx(reputer, 0, 'vote', { proposal: 0, choice: 'yes' })
    for (let h = 2; h < 12; h++) {
      chain = commitAt(chain, pool, GENESIS_MS + h * 1000 + 200)
      expect(chain.topics.get('t1')?.config.activeSet.inferers).toBe(32)
    }
    chain = commitAt(chain, pool, GENESIS_MS + 12 * 1000 + 200)
    expect(chain.ledger.proposals.get(0)?.status).toBe('passed')
    expect(chain.topics.get('t1')?.config.activeSet.inferers).toBe(1)
  })
})
