/** A committee of one proposing and certifying blocks from a message pool, for chain tests without a network. */
import { expect } from 'vitest'
import type { ChainState } from '../../src/consensus/chain/execution.js'
import { proposeBlock } from '../../src/consensus/driver/block-draft.js'
import { buildLocalGenesis, ledgerEpochAt, withGenesisTime } from '../../src/consensus/ledger/index.js'
import type { MessagePool } from '../../src/consensus/pool/message-pool.js'
import { generateIdentity, type NodeIdentity } from '../../src/p2p/index.js'
import { encodeEnvelope, fromHex, messageId, signEnvelope, toHex, type UnsignedEnvelope } from '../../src/wire/index.js'

export const GENESIS_MS = 1_000_000

/**
 * A chain `c` with one topic `t1` (1 s epochs), a coordinator, `workers` workers and a
 * reputer, all registered; `post` signs a message of the topic into a pool.
 */
export async function oneTopicChain(workerCount: number) {
  const hex = (i: NodeIdentity): string => toHex(i.publicKey)
  const [coordinator, reputer, ...workers] = await Promise.all(
    Array.from({ length: workerCount + 2 }, () => generateIdentity()),
  )
  const genesis = withGenesisTime(
    buildLocalGenesis({
      committee: [hex(coordinator)],
      workers: workers.map(hex),
      reputers: [hex(reputer)],
      topics: [{ id: 't1', epochMs: 1000 }],
      chainId: 'c',
    }),
    GENESIS_MS,
  )
  const epochOf = (t: number): number => ledgerEpochAt(genesis, t)
  const post = (
    pool: MessagePool,
    who: NodeIdentity,
    u: Omit<UnsignedEnvelope, 'chainId' | 'topicId' | 'nonce'>,
  ): string => {
    const env = signEnvelope(
      { ...u, chainId: 'c', topicId: 't1', nonce: new Uint8Array(0) } as UnsignedEnvelope,
      who.secretKey,
      who.publicKey,
    )
    const bytes = encodeEnvelope(env)
    const id = toHex(messageId(bytes))
    pool.add(id, env, bytes)
    return id
  }
  return { hex, coordinator, reputer, workers, genesis, epochOf, post, ...singleProposer(coordinator, epochOf) }
}

export function singleProposer(coordinator: NodeIdentity, epochOf: (timeMs: number) => number) {
  /** The committee's certificate of the chain's last block, for the next block to carry. */
  const certificate = (chain: ChainState): Uint8Array[] => {
    if (chain.height === 0) return []
    const vote = signEnvelope(
      {
        type: 'vote',
        chainId: chain.chainId,
        topicId: '',
        epoch: 0,
        nonce: new Uint8Array(0),
        payload: { height: chain.height, round: 0, step: 'precommit', blockHash: fromHex(chain.hash) },
      },
      coordinator.secretKey,
      coordinator.publicKey,
    )
    return [encodeEnvelope(vote)]
  }
  /** The block the proposer drafts at `timeMs` from the pool (no draft refused), committed. */
  const commitAt = (chain: ChainState, pool: MessagePool, timeMs: number): ChainState => {
    const opts = {
      height: chain.height + 1,
      timeMs,
      proposer: toHex(coordinator.publicKey),
      ledgerEpoch: epochOf(timeMs),
      evidence: [],
    }
    const proposal = proposeBlock({ ...chain, lastCommit: certificate(chain) }, pool, opts, epochOf)
    expect(proposal.refusals).toEqual([])
    if (proposal.built === undefined) throw new Error('no block')
    return proposal.built.next
  }
  return { certificate, commitAt }
}
