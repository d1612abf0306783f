/** A node for the API's unit tests: a real genesis and ledger, synthetic blocks signed by a real committee, no network. */
import { EventEmitter } from 'node:events'
import type { ApiNode, CommitEvent, StoredBlock } from '../../../src/api/node.js'
import { blockHash, encodeBlock, type Block, type BlockTopicEpoch } from '../../../src/consensus/chain/block.js'
import { genesisChainState, type ChainState } from '../../../src/consensus/chain/execution.js'
import type { DriverEvents } from '../../../src/consensus/driver/events.js'
import { buildLocalGenesis, withGenesisTime, type Genesis } from '../../../src/consensus/ledger/index.js'
import { generateIdentity, type NodeIdentity } from '../../../src/p2p/index.js'
import { parseTopicConfig, type TopicConfig } from '../../../src/topic/config.js'
import { encodeCanonical, encodeEnvelope, signEnvelope, toHex } from '../../../src/wire/index.js'

export const CHAIN = 'chorus-unit'

export function precommit(who: NodeIdentity, height: number, hash: Uint8Array, chainId = CHAIN): Uint8Array {
  return encodeEnvelope(
    signEnvelope(
      {
        type: 'vote',
        chainId,
        topicId: '',
        epoch: height,
        nonce: new Uint8Array(0),
        payload: { height, round: 0, step: 'precommit', blockHash: hash },
      },
      who.secretKey,
      who.publicKey,
    ),
  )
}

/** A topic epoch entry with a network inference (or none). */
export function topicEpoch(
  topicId: string,
  epoch: number,
  value: number | null,
  settled: number[] = [],
): BlockTopicEpoch {
  const id = 'ab'.repeat(32)
  return {
    topicId,
    epoch,
    inferenceIds: [],
    forecastIds: [],
    commitIds: [],
    standbyInferers: new Uint8Array(0),
    standbyForecasters: new Uint8Array(0),
    inferences: value === null ? {} : { [id]: value },
    forecasts: {},
    settlements: settled.map((e) => ({
      epoch: e,
      lossBundleIds: ['cd'.repeat(32)],
      standbyReputers: new Uint8Array(0),
    })),
    settled: settled.map((e) => ({
      epoch: e,
      consensusLosses: {
        network: -1,
        naive: -0.5,
        inferers: { [id]: -1 },
        forecasters: {},
        oneOutInferers: {},
        oneOutForecasters: {},
        oneInForecasters: {},
        oneOutInfererForecasters: { rows: [], cols: [], values: new Float64Array(0) },
      },
      rewards: { inferers: { [id]: 10 }, forecasters: {}, reputers: {} },
      scores: { inferers: { [id]: 0.5 }, forecasters: {}, reputers: {} },
    })),
    output:
      value === null
        ? null
        : ({
            networkInference: value,
            naiveInference: value / 2,
            weights: { inferers: { [id]: 1 }, forecasters: {} },
            oneOutInfererInferences: {},
            forecastImpliedInferences: {},
            oneOutInfererForecastImpliedInferences: {
              rows: [id],
              cols: [id, 'ef'.repeat(32)],
              values: Float64Array.of(1.5, Number.NaN),
            },
          } as never),
    stateHash: '00'.repeat(32),
  }
}

export interface UnitChain {
  readonly genesis: Genesis
  readonly members: readonly NodeIdentity[]
  /** Accounts of the genesis that are not committee members (workers, funded). */
  readonly accounts: readonly NodeIdentity[]
  readonly topic: TopicConfig
  readonly node: ApiNode & { published: Uint8Array[]; failPublish: boolean }
  readonly events: EventEmitter<DriverEvents>
  /** Commit a synthetic block: stored, certified by the committee, announced. */
  commit(content: { topicEpochs?: BlockTopicEpoch[]; txs?: Uint8Array[]; ledger?: ChainState['ledger'] }): StoredBlock
  chain(): ChainState
}

export async function unitChain(): Promise<UnitChain> {
  const members = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
  const accounts = await Promise.all([0, 1].map(() => generateIdentity()))
  const topic = parseTopicConfig({ id: 'unit', name: 'unit', epochMs: 1000 }, 'unit')
  const genesis = withGenesisTime(
    buildLocalGenesis({
      chainId: CHAIN,
      committee: members.map((m) => toHex(m.publicKey)),
      workers: accounts.map((a) => toHex(a.publicKey)),
      reputers: [],
      topics: [{ id: topic.id, epochMs: topic.epochMs }],
    }),
    Date.now() - 60_000,
  )
  let chain = genesisChainState(genesis, [topic])
  const blocks = new Map<number, StoredBlock>()
  const events = new EventEmitter<DriverEvents>()
  const node = {
    genesis,
    participantId: toHex(accounts[0].publicKey),
    peerId: '12D3KooWUnit',
    role: 'worker',
    listenAddrs: () => ['/ip4/127.0.0.1/tcp/1234'],
    connectedPeers: () => ['a', 'b'],
    chain: () => chain,
    block: (h: number) => blocks.get(h),
    events,
    published: [] as Uint8Array[],
    failPublish: false,
    async publishTx(bytes: Uint8Array) {
      if (node.failPublish) throw new Error('no peers')
      node.published.push(bytes)
    },
  }
  // Each block carries the certificate of the one before it, as a committed block does.
  let lastCommit: Uint8Array[] = []
  const commit: UnitChain['commit'] = ({ topicEpochs = [], txs = [], ledger }) => {
    const height = chain.height + 1
    const block: Block = {
      chainId: CHAIN,
      height,
      prevHash: chain.hash,
      timeMs: chain.timeMs + 1,
      proposer: toHex(members[0].publicKey),
      topicEpochs,
      txs,
      evidence: [],
      lastCommit,
      ledgerHash: '00'.repeat(32),
      handoff: [],
      prevHandoff: 0,
    }
    const bytes = encodeBlock(block)
    const hash = blockHash(bytes)
    lastCommit = members.slice(0, 3).map((m) => precommit(m, height, hash))
    const stored = { height, hash, bytes, certificate: encodeCanonical(lastCommit) }
    blocks.set(height, stored)
    const topics = new Map(chain.topics)
    for (const e of topicEpochs) {
      const t = topics.get(e.topicId)
      if (t === undefined) continue
      const unsettled = [...t.unsettled.filter((x) => !e.settled.some((s) => s.epoch === x))]
      if (e.output !== null) unsettled.push(e.epoch)
      topics.set(e.topicId, { ...t, lastEpoch: e.epoch, unsettled })
    }
    chain = { ...chain, height, hash: toHex(hash), timeMs: block.timeMs, topics, ledger: ledger ?? chain.ledger }
    const event: CommitEvent = {
      height,
      hash: toHex(hash),
      block,
      ms: 1,
      startedAtMs: block.timeMs,
      committedAtMs: block.timeMs,
    }
    events.emit('commit', event)
    return stored
  }
  return { genesis, members, accounts, topic, node, events, commit, chain: () => chain }
}
