/**
 * Properties over random histories (fast-check): random transaction sequences, valid and
 * not, random settle outputs, signers and evidence. After every step the books balance and
 * nothing is negative; a rejected transaction leaves the state hash as it was; the same
 * history gives the same hash.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyBlock,
  applyTx,
  checkConservation,
  type Evidence,
  type LedgerBlock,
  type LedgerState,
  type LedgerTx,
  type Settlement,
} from '../../../../src/consensus/ledger/index.js'
import { ALICE, BOB, C1, C2, CAROL, hashOf, NOBODY, R1, R2, testState, W1, W2 } from './fixtures.js'

const IDS = [ALICE, BOB, CAROL, W1, W2, R1, R2, C1, C2, NOBODY]
const TOPICS = ['t1', 't2', 'new1', 'new2']

const account = fc.constantFrom(...IDS)
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 1500n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-5', '1.5', 'abc', '0', '', '1e3') },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 80n }).map(String) },
)
const topicId = fc.constantFrom(...TOPICS, 'bad topic')

/** A tx whose nonce is resolved against the state it is applied to (mostly right, sometimes replayed or early). */
interface TxPlan {
  readonly signer: string
  readonly kind: string
  readonly nonceDelta: number
  readonly body: LedgerTx['body']
}

// Funded signers more often, so that many transactions are accepted.
const signer = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(ALICE, BOB, W1, W2) },
  { weight: 1, arbitrary: account },
)

const txPlan: fc.Arbitrary<TxPlan> = fc
  .record({
    signer,
    nonceDelta: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
    kindBody: fc.oneof(
      fc.record({ kind: fc.constant('transfer'), body: fc.record({ to: account, amount }) }),
      fc.record({ kind: fc.constant('stake'), body: fc.record({ amount }) }),
      fc.record({ kind: fc.constant('unstake'), body: fc.record({ amount }) }),
      fc.record({ kind: fc.constant('unstake'), body: fc.record({ amount, reputer: account }) }),
      fc.record({ kind: fc.constant('delegate'), body: fc.record({ reputer: account, amount }) }),
      fc.record({
        kind: fc.constant('register'),
        body: fc.record({ topicId, role: fc.constantFrom('worker', 'reputer', 'judge') }),
      }),
      fc.record({
        kind: fc.constant('create-topic'),
        body: fc.record({ topicId, epochMs: fc.constantFrom(500, 1000, 3000, 10) }),
      }),
      fc.record({ kind: fc.constant('fund-topic'), body: fc.record({ topicId, amount }) }),
      fc.record({ kind: fc.constant('burn'), body: fc.record({ amount }) }),
    ),
  })
  .map(({ signer, nonceDelta, kindBody }) => ({ signer, nonceDelta, kind: kindBody.kind, body: kindBody.body }))

const reward = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1e9, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, Number.NaN, Infinity, 5e-324, 1e300) },
)
const rewardMap = fc.dictionary(account, reward, { maxKeys: 6 })

interface BlockPlan {
  readonly txs: readonly TxPlan[]
  readonly epochStep: number
  readonly close: readonly string[]
  readonly settle: readonly { topicId: string; rewards: Settlement['rewards'] }[]
  readonly signers: readonly string[]
  readonly evidence: readonly Evidence[]
}

const blockPlan: fc.Arbitrary<BlockPlan> = fc.record({
  txs: fc.array(txPlan, { maxLength: 6 }),
  epochStep: fc.nat(3),
  close: fc.uniqueArray(fc.constantFrom(...TOPICS), { maxLength: 4 }),
  settle: fc.array(
    fc.record({
      topicId: fc.constantFrom(...TOPICS),
      rewards: fc.record({ inferers: rewardMap, forecasters: rewardMap, reputers: rewardMap }),
    }),
    { maxLength: 3 },
  ),
  signers: fc.uniqueArray(account, { maxLength: 4 }),
  evidence: fc.array(
    fc.record({ offender: account, id: fc.constantFrom('1/0/prevote', '2/1/precommit', '3/0/prevote') }),
    { maxLength: 1 },
  ),
})

function resolveTx(state: LedgerState, plan: TxPlan): LedgerTx {
  const nonce = state.accounts.get(plan.signer)?.nonce ?? 0
  return { signer: plan.signer, kind: plan.kind, accountNonce: nonce + plan.nonceDelta, body: plan.body }
}

/** Only topics that exist, each topic epoch once: what a valid proposer would build. */
function resolveBlock(state: LedgerState, plan: BlockPlan, txs: readonly LedgerTx[]): LedgerBlock {
  const known = (id: string) => state.topics.has(id)
  const nextSettle = new Map<string, number>()
  const settlements: Settlement[] = []
  for (const s of plan.settle.filter((p) => known(p.topicId))) {
    const epoch = nextSettle.get(s.topicId) ?? (state.topics.get(s.topicId)?.lastSettledEpoch ?? -1) + 1
    nextSettle.set(s.topicId, epoch + 1)
    settlements.push({ topicId: s.topicId, epoch, rewards: s.rewards })
  }
  return {
    height: state.height + 1,
    epoch: state.epoch + plan.epochStep,
    txs,
    closedTopicEpochs: plan.close
      .filter(known)
      .map((topicId) => ({ topicId, epoch: (state.topics.get(topicId)?.lastClosedEpoch ?? -1) + 1 })),
    settlements,
    signers: plan.signers,
    evidence: plan.evidence,
  }
}

/** How often the random histories reach the interesting paths (checked at the end). */
const stats = { minted: 0, accepted: 0, burned: 0, released: 0 }

/** Runs a history, checking every tx and block; returns the final state hash. */
function run(plans: readonly BlockPlan[]): string {
  let state = testState()
  for (const plan of plans) {
    // Transactions one by one first: a rejection must leave the hash unchanged.
    let probe = state
    const txs: LedgerTx[] = []
    for (const p of plan.txs) {
      const tx = resolveTx(probe, p)
      txs.push(tx)
      const before = hashOf(probe)
      const result = applyTx(probe, tx, { height: state.height + 1, epoch: state.epoch + plan.epochStep })
      if (result.ok) probe = result.state
      else expect(hashOf(probe)).toBe(before)
    }
    const out = applyBlock(state, resolveBlock(state, plan, txs))
    const check = checkConservation(out.state)
    expect(check.ok, check.detail).toBe(true)
    // Truncation only ever withholds: nothing is minted beyond what the weights granted.
    let granted = 0n
    for (const r of out.settlements) {
      expect(r.paid).toBeLessThanOrEqual(r.gross - r.committeeCut)
      granted += r.gross
    }
    const minted = out.state.supply.minted - state.supply.minted
    expect(minted).toBeGreaterThanOrEqual(0n)
    expect(minted).toBeLessThanOrEqual(granted)
    stats.minted += minted > 0n ? 1 : 0
    stats.accepted += out.txResults.filter((r) => r.ok).length
    stats.burned += out.slashes.some((x) => x.burned > 0n) ? 1 : 0
    stats.released += out.released > 0n ? 1 : 0
    state = out.state
  }
  return hashOf(state)
}

describe('ledger properties', () => {
  it('conservation holds and nothing goes negative after every block; rejected txs change nothing', () => {
    fc.assert(
      fc.property(fc.array(blockPlan, { minLength: 1, maxLength: 12 }), (plans) => {
        run(plans)
      }),
      { numRuns: 150 },
    )
    // The generators must actually reach payouts, accepted txs, slashes and releases.
    expect(stats.minted).toBeGreaterThan(40)
    expect(stats.accepted).toBeGreaterThan(150)
    expect(stats.burned).toBeGreaterThan(20)
    expect(stats.released).toBeGreaterThan(5)
  })

  it('the same history gives the same state hash', () => {
    fc.assert(
      fc.property(fc.array(blockPlan, { minLength: 1, maxLength: 8 }), (plans) => {
        expect(run(plans)).toBe(run(plans))
      }),
      { numRuns: 40 },
    )
  })
})
