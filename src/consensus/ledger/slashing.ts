/**
 * Slashing for equivocation evidence. The consensus layer verifies the evidence (two signed,
 * conflicting votes of one committee member, or two different messages of one worker or
 * reputer for one slot of a topic); the ledger only punishes: it burns
 * `slashFraction` of the offender's self-stake and of each of its unbonding entries (so
 * unstaking right before the evidence lands does not escape), once per piece of evidence.
 * Burned tokens leave the supply: burning rather than paying the reporter keeps a proposer
 * from profiting from evidence it could fabricate with a colluding signer. Delegations are
 * not touched: the offender's own stake answers for what its own key signed.
 */
import { ppmOf } from './amounts.js'
import { LedgerError } from './errors.js'
import { adjustAccount, withUnbonding, type LedgerState } from './state.js'

export interface Evidence {
  /** Account id (hex public key) of the equivocating signer. */
  readonly offender: string
  /** Unique per equivocation, e.g. `height/round/step`: the same evidence slashes once. */
  readonly id: string
}

export interface SlashReport {
  readonly offender: string
  readonly id: string
  /** 0 for evidence already punished. */
  readonly burned: bigint
}

const MAX_EVIDENCE_ID_LENGTH = 128

export function applyEvidence(
  state: LedgerState,
  evidence: readonly Evidence[],
): { state: LedgerState; reports: SlashReport[] } {
  let next = state
  const reports: SlashReport[] = []
  for (const { offender, id } of evidence) {
    if (!/^[0-9a-f]{64}$/.test(offender))
      throw new LedgerError('BAD_ID', `evidence offender ${JSON.stringify(offender)} is not an account id`)
    if (id.length === 0 || id.length > MAX_EVIDENCE_ID_LENGTH)
      throw new LedgerError('BAD_ID', `evidence id must be 1..${MAX_EVIDENCE_ID_LENGTH} chars`)
    const key = `${offender}/${id}`
    if (next.slashedEvidence.has(key)) {
      reports.push({ offender, id, burned: 0n })
      continue
    }
    const ppm = next.params.slashFractionPpm
    const stakeCut = ppmOf(next.accounts.get(offender)?.stake ?? 0n, ppm)
    let burned = stakeCut
    const entries = next.unbonding.map((e) => {
      if (e.account !== offender) return e
      const cut = ppmOf(e.amount, ppm)
      burned += cut
      return { ...e, amount: e.amount - cut }
    })
    next = withUnbonding(
      adjustAccount(next, offender, { stake: -stakeCut }),
      entries.filter((e) => e.amount > 0n),
    )
    next = {
      ...next,
      supply: { ...next.supply, burned: next.supply.burned + burned },
      slashedEvidence: new Set(next.slashedEvidence).add(key),
    }
    reports.push({ offender, id, burned })
  }
  return { state: next, reports }
}
