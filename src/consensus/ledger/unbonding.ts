/** The unbonding queue: unstaked tokens wait `unbondingEpochs` ledger epochs, still slashable, then return to the balance. */
import { adjustAccount, withUnbonding, type LedgerState } from './state.js'

/** Releases every entry due at `epoch` (releaseEpoch ≤ epoch) to its account's balance. */
export function releaseUnbonding(state: LedgerState, epoch: number): { state: LedgerState; released: bigint } {
  const due = state.unbonding.filter((e) => e.releaseEpoch <= epoch)
  if (due.length === 0) return { state, released: 0n }
  let next = withUnbonding(
    state,
    state.unbonding.filter((e) => e.releaseEpoch > epoch),
  )
  let released = 0n
  for (const e of due) {
    next = adjustAccount(next, e.account, { balance: e.amount })
    released += e.amount
  }
  return { state: next, released }
}
