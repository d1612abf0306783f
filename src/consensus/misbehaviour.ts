/** Fault injection for the tests of Byzantine committee members. */
import type { Block } from './block.js'

/** Fault injection for tests of Byzantine members; never set on an honest node. */
export type Misbehaviour = 'equivocate' | 'bad-output' | 'withhold-proposal'

/** The Byzantine proposer's lie: a network inference slightly off (or, without one, the ledger hash). */
export function tamper(block: Block): Block {
  if (block.topicEpochs.every((e) => e.output === null)) return { ...block, ledgerHash: '0'.repeat(64) }
  return {
    ...block,
    topicEpochs: block.topicEpochs.map((e) => (e.output === null ? e : { ...e, output: { ...e.output, networkInference: e.output.networkInference * (1 + Number.EPSILON) + 1e-9 } })),
  }
}
