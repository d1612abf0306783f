/**
 * The parts of a topic definition that are consensus rules: every coordinator re-executes a
 * block with them, so two coordinators that differ in any of them can never agree on a block.
 * The genesis pins them by hash (`rules` of a genesis topic), and a coordinator whose topic
 * file differs is refused at start with the field that differs, instead of stalling the chain.
 */
import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import type { TopicConfig } from '../roles/topic.js'

export type TopicRules = Pick<TopicConfig, 'epochMs' | 'commitReveal' | 'groundTruthLag' | 'params'>

export function topicRulesOf(config: TopicConfig): TopicRules {
  return { epochMs: config.epochMs, commitReveal: config.commitReveal, groundTruthLag: config.groundTruthLag, params: config.params }
}

/** SHA-256 (hex) of the rules' canonical encoding, domain-separated. */
export function topicRulesHash(rules: TopicRules): string {
  return toHex(createHash('sha256').update('chorus/topic-rules/v1\0').update(encodeCanonical(rules)).digest())
}
