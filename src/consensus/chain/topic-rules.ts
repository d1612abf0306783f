/**
 * The parts of a topic definition that are consensus rules: every coordinator re-executes a
 * block with them, so two coordinators that differ in any of them can never agree on a block.
 * The genesis pins them by hash (`rules` of a genesis topic), with the version of the
 * synthesis engine that executes them and of the topic state hash blocks carry, and a coordinator whose topic file (or engine)
 * differs is refused at start, instead of stalling the chain.
 */
import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../../wire/index.js'
import type { TopicConfig } from '../../topic/config.js'
import { SYNTHESIS_ENGINE_VERSION } from '../../synthesis/engine-version.js'
import { STATE_HASH_VERSION } from './state-hash.js'

export interface TopicRules
  extends Pick<
    TopicConfig,
    'epochMs' | 'submissionWindowMs' | 'commitReveal' | 'groundTruthLag' | 'params' | 'activeSet'
  > {
  /** The synthesis engine's version: the same params give other bits in another version. */
  readonly engine: number
  /** How blocks hash a topic's state (state-hash.ts). */
  readonly stateHash: number
}

export function topicRulesOf(config: TopicConfig): TopicRules {
  return {
    epochMs: config.epochMs,
    // When a block may take an epoch depends on it (windows.ts, epochClosesAt).
    submissionWindowMs: config.submissionWindowMs,
    commitReveal: config.commitReveal,
    groundTruthLag: config.groundTruthLag,
    params: config.params,
    activeSet: config.activeSet,
    engine: SYNTHESIS_ENGINE_VERSION,
    stateHash: STATE_HASH_VERSION,
  }
}

/** SHA-256 (hex) of the rules' canonical encoding, domain-separated. */
export function topicRulesHash(rules: TopicRules): string {
  return toHex(createHash('sha256').update('chorus/topic-rules/v1\0').update(encodeCanonical(rules)).digest())
}
