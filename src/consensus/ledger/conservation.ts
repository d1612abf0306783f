/**
 * The ledger's invariant: genesis supply + minted − burned = Σ balances + Σ stakes +
 * Σ delegations + Σ unbonding + treasury, with nothing negative anywhere. Checked after every
 * block; a violation means a bug or a corrupted store, and the node must halt rather than
 * vote on books that do not balance.
 */
import { ConservationViolation } from './errors.js'
import type { LedgerState } from './state.js'

export interface LedgerTotals {
  readonly balances: bigint
  readonly stakes: bigint
  readonly delegations: bigint
  readonly unbonding: bigint
  readonly treasury: bigint
}

export interface ConservationResult {
  readonly ok: boolean
  /** What was compared, or what is wrong. */
  readonly detail: string
}

export function ledgerTotals(state: LedgerState): LedgerTotals {
  let balances = 0n
  let stakes = 0n
  let delegations = 0n
  let unbonding = 0n
  for (const a of state.accounts.values()) {
    balances += a.balance
    stakes += a.stake
  }
  for (const inner of state.delegations.values()) for (const amount of inner.values()) delegations += amount
  for (const e of state.unbonding) unbonding += e.amount
  return { balances, stakes, delegations, unbonding, treasury: state.treasury }
}

function firstNegative(state: LedgerState): string | undefined {
  for (const [id, a] of state.accounts) {
    if (a.balance < 0n) return `balance of ${id} is ${a.balance}`
    if (a.stake < 0n) return `stake of ${id} is ${a.stake}`
  }
  for (const [reputer, inner] of state.delegations) {
    for (const [delegator, amount] of inner)
      if (amount <= 0n) return `delegation ${delegator} → ${reputer} is ${amount}`
  }
  for (const e of state.unbonding) if (e.amount <= 0n) return `unbonding entry of ${e.account} is ${e.amount}`
  if (state.treasury < 0n) return `treasury is ${state.treasury}`
  return undefined
}

export function checkConservation(state: LedgerState): ConservationResult {
  const negative = firstNegative(state)
  if (negative !== undefined) return { ok: false, detail: `height ${state.height}: ${negative}` }
  const { genesis, minted, burned } = state.supply
  const expected = genesis + minted - burned
  const t = ledgerTotals(state)
  const actual = t.balances + t.stakes + t.delegations + t.unbonding + t.treasury
  const detail =
    `height ${state.height}: supply ${expected} (genesis ${genesis} + minted ${minted} − burned ${burned}) ` +
    `${expected === actual ? '=' : '≠'} held ${actual} (balances ${t.balances} + stakes ${t.stakes} + delegations ${t.delegations} + unbonding ${t.unbonding} + treasury ${t.treasury})`
  return { ok: expected === actual, detail }
}

export function assertConservation(state: LedgerState): void {
  const result = checkConservation(state)
  if (!result.ok) throw new ConservationViolation(`ledger conservation violated at ${result.detail}`)
}
