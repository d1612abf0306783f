/**
 * The cost of an epoch against registrations (issue: merit sortition). A chain with one
 * topic, N registered workers that all publish an inference and a forecast every epoch, and 8
 * reputers that all send loss bundles; the caps are the defaults (32 inferers, 6
 * forecasters, 6 reputers). The figure is the coordinator's work for one block of one epoch
 * (choosing the active sets, then executing the block: settlement and synthesis), once the
 * topic has a history, against the same with 32 registered, measured in the same run. A row
 * without caps shows what the caps save. Admission (checking each message's signature as it
 * arrives) grows with N whatever the caps, and is not in the figure. Last, the commit latency
 * at heights where the committee changes against the heights of the same run where it does
 * not (committee-change.ts).
 */
import '../src/polyfills.js'
import type { Block } from '../src/consensus/chain/block.js'
import { genesisChainState, type ChainState } from '../src/consensus/chain/execution.js'
import { proposeBlock } from '../src/consensus/driver/block-draft.js'
import { buildLocalGenesis, ledgerEpochAt, withGenesisTime } from '../src/consensus/ledger/index.js'
import { MessagePool } from '../src/consensus/pool/message-pool.js'
import { decisionsOfBlock } from '../src/roles/decisions.js'
import { generateIdentity, type NodeIdentity } from '../src/p2p/index.js'
import { parseTopicConfig, type TopicConfig } from '../src/topic/config.js'
import { lossBundle, lossBundlePayload } from '../src/topic/loss-bundle.js'
import { encodeEnvelope, fromHex, messageId, signEnvelope, toHex, type UnsignedEnvelope } from '../src/wire/index.js'
import { medianOf, percentile, type BenchRow, type BenchSuite } from './lib.js'
import { committeeChangeLatencies } from './committee-change.js'

const GENESIS_MS = 1_000_000
const EPOCH_MS = 1000
const REPUTERS = 8
/** Epochs run before timing, so the topic has regrets, scores and EMAs. */
const WARM_EPOCHS = 6
const TIMED_EPOCHS = 6
const FORECAST_ELEMENTS = 12

function truthAt(epoch: number): number {
  return 100 + 10 * Math.sin(epoch / 5)
}

/** Median ms per block of one epoch, with `registered` workers publishing, under `topic`'s caps. */
async function epochCostMs(registered: number, topic: TopicConfig): Promise<number> {
  const identities = await Promise.all(Array.from({ length: registered + REPUTERS + 1 }, () => generateIdentity()))
  const [coordinator, ...rest] = identities
  const workers = rest.slice(0, registered)
  const reputers = rest.slice(registered)
  const hex = (i: NodeIdentity): string => toHex(i.publicKey)
  const genesis = withGenesisTime(
    buildLocalGenesis({
      committee: [hex(coordinator)],
      workers: workers.map(hex),
      reputers: reputers.map(hex),
      topics: [{ id: topic.id, epochMs: EPOCH_MS }],
      chainId: 'bench',
    }),
    GENESIS_MS,
  )
  const epochOf = (t: number): number => ledgerEpochAt(genesis, t)
  const pool = new MessagePool()
  const post = (who: NodeIdentity, u: Omit<UnsignedEnvelope, 'chainId' | 'topicId' | 'nonce'>): void => {
    const env = signEnvelope(
      { ...u, chainId: 'bench', topicId: topic.id, nonce: new Uint8Array(0) } as UnsignedEnvelope,
      who.secretKey,
      who.publicKey,
    )
    const bytes = encodeEnvelope(env)
    pool.add(toHex(messageId(bytes)), env, bytes)
  }
  const certificate = (chain: ChainState): Uint8Array[] =>
    chain.height === 0
      ? []
      : [
          encodeEnvelope(
            signEnvelope(
              {
                type: 'vote',
                chainId: 'bench',
                topicId: '',
                epoch: 0,
                nonce: new Uint8Array(0),
                payload: { height: chain.height, round: 0, step: 'precommit', blockHash: fromHex(chain.hash) },
              },
              coordinator.secretKey,
              coordinator.publicKey,
            ),
          ),
        ]

  let chain = genesisChainState(genesis, [topic])
  let lastBlock: Block | undefined
  const times: number[] = []
  for (let epoch = 0; epoch < WARM_EPOCHS + TIMED_EPOCHS; epoch++) {
    workers.forEach((w, i) => {
      const skill = 1 + (i % 7)
      post(w, { type: 'inference', epoch, payload: { value: truthAt(epoch) + skill * Math.cos(epoch + i) } })
      const losses: Record<string, number> = {}
      for (let k = 1; k <= FORECAST_ELEMENTS; k++) losses[hex(workers[(i + k) % registered])] = -1 + ((i + k) % 5) / 10
      post(w, { type: 'forecast', epoch, payload: { losses } })
    })
    // The reputers' bundles for the epoch decided in the last block.
    for (const d of lastBlock === undefined ? [] : decisionsOfBlock(lastBlock, topic.id)) {
      const bundle = lossBundle(
        { inferences: d.inferences, output: d.output },
        { value: truthAt(d.epoch), previous: truthAt(d.epoch - 1) },
        topic.lossFunction,
      )
      for (const r of reputers) post(r, { type: 'loss-bundle', epoch: d.epoch, payload: lossBundlePayload(bundle) })
    }
    const timeMs = GENESIS_MS + (epoch + 1) * EPOCH_MS + 200
    const opts = {
      height: chain.height + 1,
      timeMs,
      proposer: hex(coordinator),
      ledgerEpoch: epochOf(timeMs),
      evidence: [],
    }
    const state = { ...chain, lastCommit: certificate(chain) }
    const runs: number[] = []
    let built: ReturnType<typeof proposeBlock>['built']
    for (let r = 0; r < (epoch < WARM_EPOCHS ? 1 : 3); r++) {
      const t0 = performance.now()
      built = proposeBlock(state, pool, opts, epochOf).built
      runs.push(performance.now() - t0)
    }
    if (built === undefined) throw new Error(`no block at epoch ${epoch}`)
    if (epoch >= WARM_EPOCHS) times.push(medianOf(runs))
    chain = built.next
    lastBlock = built.block
  }
  return medianOf(times)
}

function topicWith(activeSet: Record<string, number>): TopicConfig {
  return parseTopicConfig(
    { id: 'bench', name: 'bench', epochMs: EPOCH_MS, groundTruth: 'synthetic:1', activeSet },
    'bench',
  )
}

export const suite: BenchSuite = {
  name: 'economy',
  async run() {
    const capped = topicWith({})
    const baseline = await epochCostMs(32, capped)
    const rows: BenchRow[] = []
    const row = (name: string, value: number, extra: Record<string, number>): BenchRow => ({
      suite: 'economy',
      case: name,
      value,
      unit: 'ms',
      baselineName: '32 registered, caps 32/6/6',
      baseline,
      ratio: value / baseline,
      ratioMeaning: 'time / time with 32 (goal <= 1.5)',
      extra,
    })
    for (const registered of [320, 1000])
      rows.push(
        row(`epoch cost, ${registered} registered vs 32`, await epochCostMs(registered, capped), { registered }),
      )
    const uncapped = topicWith({ inferers: 4096, forecasters: 4096, reputers: 1024 })
    rows.push({
      ...row('epoch cost, 320 registered, no caps', await epochCostMs(320, uncapped), { registered: 320 }),
      ratioMeaning: 'time / time with 32 (what the caps save)',
    })
    const { change, steady, laterRounds } = await committeeChangeLatencies()
    rows.push({
      suite: 'economy',
      case: 'commit latency across a committee change (median)',
      value: medianOf(change),
      unit: 'ms',
      baselineName: 'commit latency at heights without a change (median)',
      baseline: medianOf(steady),
      ratio: medianOf(change) / medianOf(steady),
      ratioMeaning: 'latency at a hand-off / latency without',
      extra: {
        changeHeights: change.length,
        steadyHeights: steady.length,
        p90Change: percentile(change, 90),
        p90Steady: percentile(steady, 90),
        changeHeightsInLaterRounds: laterRounds,
      },
    })
    return rows
  },
}
