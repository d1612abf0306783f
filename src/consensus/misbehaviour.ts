/** Fault injection for the tests of Byzantine committee members. */
import type { Block } from './block.js'

/**
 * Fault injection for tests of Byzantine members; never set on an honest node. `silent-sync`:
 * takes part in consensus but never answers a sync request (each asker waits for its timeout).
 */
export type Misbehaviour = 'equivocate' | 'bad-output' | 'withhold-proposal' | 'silent-sync'

/** A sync answer that never comes (the asker's request times out). */
export function silentAnswer(): Promise<never> {
  return new Promise<never>(() => {})
}

/** The Byzantine proposer's lie: a network inference slightly off (or, without one, the ledger hash). */
export function tamper(block: Block): Block {
  if (block.topicEpochs.every((e) => e.output === null)) return { ...block, ledgerHash: '0'.repeat(64) }
  return {
    ...block,
    topicEpochs: block.topicEpochs.map((e) => (e.output === null ? e : { ...e, output: { ...e.output, networkInference: e.output.networkInference * (1 + Number.EPSILON) + 1e-9 } })),
  }
}
