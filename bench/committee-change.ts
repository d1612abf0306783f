/**
 * Commit latency across a committee change (issue: the committee chosen by stake). Five
 * coordinators on loopback, four of them the genesis committee of four seats; the fifth, with
 * more stake, stands for the committee and withdraws again, HANDOFFS times, so each time the
 * ledger hands a seat over. Per height: from the earliest start to the last commit among the
 * members deciding it. Heights the new committee decides first (and the one before it) are
 * compared with every other height of the same run.
 */
import { LocalCluster, type ClusterMember } from '../src/cluster/local-cluster.js'
import { COMMITTEE_LAG, committeeAt, TOKEN, type GenesisFile } from '../src/consensus/ledger/index.js'
import { apiNodeOf } from '../src/node/api-node.js'
import { parseTopicConfig } from '../src/topic/config.js'
import { decodeEnvelope, encodeEnvelope, signEnvelope, type UnsignedEnvelope } from '../src/wire/index.js'

const HANDOFFS = 10

/** The round a height was decided in, read from the certificate the next block carries. */
function roundOf(member: ClusterMember, height: number): number {
  const next = member.node.driver.blockAt(height + 1)
  const vote = next?.lastCommit[0]
  return vote === undefined ? 0 : (decodeEnvelope(vote).payload as { round: number }).round
}
/** Heights between two changes, so each change is measured against a settled committee. */
const SPACING = 8

export interface CommitteeChangeLatency {
  /** ms per height at the first height of a new committee and the height before it. */
  readonly change: number[]
  /** ms per height at every other height after the first hand-off was asked for. */
  readonly steady: number[]
  /** Hand-off heights (as in `change`) decided in a later round than the first. */
  readonly laterRounds: number
}

export async function committeeChangeLatencies(): Promise<CommitteeChangeLatency> {
  const topic = parseTopicConfig({ id: 'bench', name: 'bench', epochMs: 400, groundTruth: 'synthetic:1' }, 'bench')
  let outsider = ''
  const cluster = await LocalCluster.start({
    topics: [topic],
    coordinators: 5,
    workers: 3,
    reputers: 1,
    startDelayMs: 1500,
    editGenesis: (file: GenesisFile) => {
      outsider = file.committee[4].id
      return { ...file, committee: file.committee.slice(0, 4), committeeElection: { size: 4 } }
    },
  })
  try {
    const coordinators = cluster.members.filter((m) => m.role === 'coordinator')
    const newcomer = coordinators.find((m) => m.node.participantId === outsider) as ClusterMember
    const via = coordinators.find((m) => m !== newcomer) as ClusterMember
    const driver = via.node.driver
    const byHeight = new Map<number, { start: number; end: number; count: number; size: number }>()
    for (const m of coordinators)
      m.node.driver.events.on('commit', (c) => {
        const members = committeeAt(m.node.driver.chain.ledger, c.height) ?? []
        if (!members.some((x) => x.id === m.node.participantId)) return
        const h = byHeight.get(c.height) ?? {
          start: c.startedAtMs,
          end: c.committedAtMs,
          count: 0,
          size: members.length,
        }
        h.start = Math.min(h.start, c.startedAtMs)
        h.end = Math.max(h.end, c.committedAtMs)
        h.count++
        byHeight.set(c.height, h)
      })
    const until = (what: string, done: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 30_000)
        const check = (): void => {
          if (!done()) return
          clearTimeout(timer)
          driver.events.off('commit', check)
          resolve()
        }
        driver.events.on('commit', check)
        check()
      })
    let nonce = 0
    const send = async (kind: 'stake' | 'candidacy', body: Record<string, string | boolean>): Promise<void> => {
      const unsigned: UnsignedEnvelope<'tx'> = {
        type: 'tx',
        chainId: cluster.genesis.chainId,
        topicId: '',
        epoch: 0,
        nonce: new Uint8Array(0),
        payload: { kind, accountNonce: nonce++, body },
      }
      const { secretKey, publicKey } = newcomer.identity
      await apiNodeOf(via.node, cluster.genesis).publishTx(encodeEnvelope(signEnvelope(unsigned, secretKey, publicKey)))
    }
    await until('three blocks', () => driver.chain.height >= 3)
    await send('stake', { amount: String(50n * TOKEN) })
    const firstHeights: number[] = []
    const startHeight = driver.chain.height
    for (let i = 0; i < HANDOFFS; i++) {
      const before = driver.chain.ledger.lastHandoff
      await send('candidacy', { stand: i % 2 === 0 })
      await until('a hand-off', () => driver.chain.ledger.lastHandoff > before)
      const first = driver.chain.ledger.lastHandoff + COMMITTEE_LAG
      firstHeights.push(first)
      await until('the new committee at work', () => driver.chain.height >= first + SPACING)
    }
    const last = driver.chain.height
    const change: number[] = []
    const steady: number[] = []
    let laterRounds = 0
    for (const [height, h] of byHeight) {
      if (height <= startHeight || height > last || h.count < h.size) continue
      const nearChange = firstHeights.some((f) => height === f || height === f - 1)
      ;(nearChange ? change : steady).push(h.end - h.start)
      if (nearChange && roundOf(via, height) > 0) laterRounds++
    }
    return { change, steady, laterRounds }
  } finally {
    await cluster.stop()
  }
}
