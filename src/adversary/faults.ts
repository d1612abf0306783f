/**
 * The Byzantine faults a node can be built with, and which role each fits: the one table the
 * composition (src/node), the cluster member specs and `chorus node --byzantine` all read.
 * Nothing here imports the rest of Chorus, so the CLI can list the names without loading
 * libp2p.
 */

/** The roles a fault is for (the node's roles; this layer cannot import src/node). */
export type AdversaryRole = 'coordinator' | 'worker' | 'reputer'

/**
 * Faults by role, in the order `--help` lists them. `garbage` is both a coordinator's and a
 * worker's: what it sends depends on the role (docs/adversaries.md).
 *
 * - coordinator `equivocate`: every vote is followed by a conflicting one for the same step.
 * - coordinator `bad-proposal`: its proposals carry a block with a network inference slightly off.
 * - coordinator `withhold`: it never sends a proposal.
 * - coordinator `garbage`: every vote it sends names a random 32-byte hash that is no block,
 *   instead of the vote its driver cast.
 * - coordinator `silent-sync`: takes part in consensus but never answers a sync request.
 * - worker `garbage`: instead of its inference and forecast, signed envelopes that fail the
 *   payload schema (NaN, huge or mistyped values, too many elements), name another chain,
 *   carry a broken signature or a wrong epoch.
 * - worker `copycat`: its inference is a copy of the best-scored other worker's for the same
 *   epoch when the topic lets it see one in time, else that worker's latest committed value.
 * - worker `flood`: its honest messages, then many more for the same slots (other values,
 *   replays under fresh nonces), forecasts, and inferences for the epochs ahead.
 * - worker `late`: its honest inference and forecast, sent after the submission window.
 * - reputer `liar`: loss bundles with every loss mirrored within the bundle's range, so the
 *   best values look the worst.
 */
export const BYZANTINE_FAULTS_BY_ROLE = {
  coordinator: ['equivocate', 'bad-proposal', 'withhold', 'garbage', 'silent-sync'],
  worker: ['garbage', 'copycat', 'flood', 'late'],
  reputer: ['liar'],
} as const satisfies Record<AdversaryRole, readonly string[]>

export type CoordinatorByzantineFault = (typeof BYZANTINE_FAULTS_BY_ROLE.coordinator)[number]
export type WorkerFault = (typeof BYZANTINE_FAULTS_BY_ROLE.worker)[number]
export type ReputerFault = (typeof BYZANTINE_FAULTS_BY_ROLE.reputer)[number]

/** Every fault of every role, by its CLI name. */
export type ByzantineFault = CoordinatorByzantineFault | WorkerFault | ReputerFault

/** Every fault name once, in table order (`chorus node --byzantine` offers these). */
export const BYZANTINE_FAULTS: readonly ByzantineFault[] = [
  ...new Set<ByzantineFault>(Object.values(BYZANTINE_FAULTS_BY_ROLE).flat()),
]

/** A fault asked of a role it does not fit, or a name that is no fault. */
export class ByzantineFaultError extends Error {
  override readonly name = 'ByzantineFaultError'
}

export function isByzantineFault(value: unknown): value is ByzantineFault {
  return typeof value === 'string' && (BYZANTINE_FAULTS as readonly string[]).includes(value)
}

export function faultFitsRole(role: AdversaryRole, fault: ByzantineFault): boolean {
  return (BYZANTINE_FAULTS_BY_ROLE[role] as readonly string[]).includes(fault)
}

/** Throws a ByzantineFaultError naming the faults the role has, unless `fault` is one of them. */
export function checkFaultForRole(role: AdversaryRole, fault: string): ByzantineFault {
  if (!isByzantineFault(fault))
    throw new ByzantineFaultError(`"${fault}" is not a Byzantine fault (one of: ${BYZANTINE_FAULTS.join(', ')})`)
  if (!faultFitsRole(role, fault))
    throw new ByzantineFaultError(
      `"${fault}" is not a fault of a ${role} (a ${role} can be: ${BYZANTINE_FAULTS_BY_ROLE[role].join(', ')})`,
    )
  return fault
}
