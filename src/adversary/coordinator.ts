/**
 * Byzantine coordinators, for tests and chaos runs: an honest driver on a network that lies
 * for it. Each fault is a wrapper of the `ConsensusNetwork` the driver is built with, so the
 * driver's own code has no fault branches, and a node is Byzantine only when its composition
 * says so.
 */
import { blockHash, decodeBlock, encodeBlock, type Block } from '../consensus/chain/block.js'
import type { ConsensusNetwork } from '../consensus/network.js'
import { Prng } from '../roles/prng.js'
import { encodeEnvelope, globalChannel, type Envelope, type PayloadMap } from '../wire/index.js'

export const COORDINATOR_FAULTS = ['equivocate', 'bad-proposal', 'withhold-proposal', 'garbage', 'silent-sync'] as const
/**
 * `equivocate`: every vote is followed by a conflicting one for the same step.
 * `bad-proposal`: its proposals carry a block with a network inference slightly off.
 * `withhold-proposal`: it never sends a proposal.
 * `garbage`: every vote it sends names a random hash that is no block, instead of the vote its
 * driver cast. One vote per step, so there is no equivocation to prove: to its peers it is a
 * member that never votes for a block they know (its power is missing from every quorum, and
 * it signs no certificate but the ones it builds itself).
 * `silent-sync`: takes part in consensus but never answers a sync request.
 */
export type CoordinatorFault = (typeof COORDINATOR_FAULTS)[number]

/** Publishes bytes as they are, past the node's own one-message-per-slot check. */
export type RawPublisher = (channel: string, bytes: Uint8Array) => Promise<unknown>

/** The network a Byzantine coordinator's driver runs on. */
export function byzantineNetwork(
  fault: CoordinatorFault,
  honest: ConsensusNetwork,
  publishRaw: RawPublisher,
): ConsensusNetwork {
  switch (fault) {
    case 'equivocate':
      return override(honest, {
        publish: async (envelope) => {
          await honest.publish(envelope)
          if (envelope.type !== 'vote') return
          const vote = (envelope as Envelope<'vote'>).payload
          const other = { ...vote, blockHash: vote.blockHash === null ? new Uint8Array(32).fill(7) : null }
          const { signer: _s, signature: _sig, ...unsigned } = envelope as Envelope<'vote'>
          await publishRaw(globalChannel('consensus'), encodeEnvelope(honest.sign({ ...unsigned, payload: other })))
        },
      })
    case 'bad-proposal':
      return override(honest, {
        publish: async (envelope) => {
          if (envelope.type !== 'proposal') return honest.publish(envelope)
          const { signer: _s, signature: _sig, ...unsigned } = envelope as Envelope<'proposal'>
          const bytes = encodeBlock(tamper(decodeBlock(unsigned.payload.block)))
          await honest.publish(
            honest.sign({ ...unsigned, payload: { ...unsigned.payload, block: bytes, blockHash: blockHash(bytes) } }),
          )
        },
      })
    case 'withhold-proposal':
      return override(honest, {
        publish: async (envelope) => (envelope.type === 'proposal' ? undefined : honest.publish(envelope)),
      })
    case 'garbage':
      return override(honest, {
        publish: async (envelope) => {
          if (envelope.type !== 'vote') return honest.publish(envelope)
          const { signer: _s, signature: _sig, ...unsigned } = envelope as Envelope<'vote'>
          const blockHash = noBlockHash(honest.participantId, unsigned.payload)
          await honest.publish(honest.sign({ ...unsigned, payload: { ...unsigned.payload, blockHash } }))
        },
      })
    case 'silent-sync':
      return override(honest, { provide: (kind) => honest.provide(kind, silentAnswer) })
  }
}

/** `honest` with some of its methods replaced (the rest, getters included, delegate to it). */
function override(honest: ConsensusNetwork, methods: Partial<ConsensusNetwork>): ConsensusNetwork {
  return Object.assign(Object.create(honest) as ConsensusNetwork, methods)
}

/** A sync answer that never comes (the asker's request times out). */
function silentAnswer(): Promise<never> {
  return new Promise<never>(() => {})
}

/** 32 bytes drawn from a generator seeded by the voter and the vote's step: no block has them. */
export function noBlockHash(voter: string, vote: Pick<PayloadMap['vote'], 'height' | 'round' | 'step'>): Uint8Array {
  const prng = new Prng('garbage-vote', voter, vote.height, vote.round, vote.step)
  const bytes = new Uint8Array(32)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < 32; i += 4) view.setUint32(i, prng.nextUint32())
  return bytes
}

/** The lie: a network inference slightly off (or, without one, the ledger hash). */
function tamper(block: Block): Block {
  if (block.topicEpochs.every((e) => e.output === null)) return { ...block, ledgerHash: '0'.repeat(64) }
  return {
    ...block,
    topicEpochs: block.topicEpochs.map((e) =>
      e.output === null
        ? e
        : { ...e, output: { ...e.output, networkInference: e.output.networkInference * (1 + Number.EPSILON) + 1e-9 } },
    ),
  }
}
