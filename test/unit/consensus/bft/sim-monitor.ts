/**
 * What the simulator checks while it runs: each honest node's outputs must be justified by
 * the inputs it was given (the local face of the paper's invariants), and each honest node
 * must report every equivocation it was shown. Tallies are over the union of values a voter
 * sent, a superset of what the machine counts, so a failure here is a real violation.
 */
import {
  type Committee,
  type ConsensusAction,
  type ConsensusEvent,
  evidenceKey,
  isValidEvidence,
  verifyCertificate,
} from '../../../../src/consensus/bft/index.js'

/** What one honest node was shown at one height. */
class HeightLog {
  readonly prevoters = new Map<string, Set<string>>()
  readonly validHashes = new Set<string>()
  readonly proposals = new Set<string>()
  /** Values per vote slot, counting only votes delivered for a round the node had reached. */
  readonly slotValues = new Map<string, Set<string>>()
}

export class Monitor {
  readonly violations: string[] = []
  /** node → evidence keys it must report (it was shown both votes). */
  readonly expected = new Map<string, Set<string>>()
  readonly reported = new Map<string, Set<string>>()
  private readonly logs = new Map<string, HeightLog>()
  /** node → own vote slot → value: never two values, across crashes too. */
  private readonly signed = new Map<string, Map<string, string>>()

  constructor(
    private readonly committee: Committee,
    private readonly invalid: ReadonlySet<string>,
    private readonly honest: ReadonlySet<string>,
  ) {}

  /** An input about to be handed to `node`'s machine at `height`, then at round `round`, live (not decided). */
  input(node: string, height: number, round: number, event: ConsensusEvent): void {
    const log = this.log(node, height)
    if (event.type === 'blockVerdict' && event.valid) log.validHashes.add(event.blockHash)
    if (event.type === 'proposalValue') log.validHashes.add(event.blockHash)
    if (event.type === 'proposal') log.proposals.add(`${event.proposal.round}/${event.proposal.blockHash}`)
    if (event.type !== 'vote') return
    const v = event.vote
    if (v.step === 'prevote') add(log.prevoters, `${v.round}/${v.blockHash}`, v.voter)
    if (v.round <= round && this.committee.has(v.voter)) {
      const slot = `${v.voter}/${v.height}/${v.round}/${v.step}`
      const values = add(log.slotValues, slot, String(v.blockHash))
      if (values.size === 2) add(this.expected, node, slot)
    }
  }

  output(node: string, height: number, action: ConsensusAction): void {
    const log = this.log(node, height)
    const fail = (what: string) => this.violations.push(`${node}@${height}: ${what}`)
    switch (action.type) {
      case 'broadcastProposal':
        log.proposals.add(`${action.proposal.round}/${action.proposal.blockHash}`)
        return
      case 'broadcastVote': {
        const v = action.vote
        const slot = `${v.height}/${v.round}/${v.step}`
        const mine = this.signed.get(node) ?? new Map<string, string>()
        this.signed.set(node, mine)
        const before = mine.get(slot)
        if (before !== undefined && before !== String(v.blockHash)) fail(`signed two ${v.step}s in round ${v.round}`)
        mine.set(slot, String(v.blockHash))
        if (v.step === 'prevote') add(log.prevoters, `${v.round}/${v.blockHash}`, v.voter)
        if (v.blockHash === null) return
        if (
          v.step === 'prevote' &&
          !(log.validHashes.has(v.blockHash) && log.proposals.has(`${v.round}/${v.blockHash}`))
        ) {
          fail(`prevoted ${v.blockHash.slice(0, 8)} without a proposal and a valid verdict`)
        }
        if (
          v.step === 'precommit' &&
          this.power(log.prevoters.get(`${v.round}/${v.blockHash}`)) < this.committee.quorum
        ) {
          fail(`precommitted ${v.blockHash.slice(0, 8)} in round ${v.round} without a prevote quorum`)
        }
        return
      }
      case 'commit':
        if (!verifyCertificate(this.committee, height, action.blockHash, action.certificate))
          fail('committed with a bad certificate')
        if (this.invalid.has(action.blockHash)) fail('committed an invalid block')
        if (!log.validHashes.has(action.blockHash)) fail('committed a block without a valid verdict')
        return
      case 'evidence':
        if (!isValidEvidence(this.committee, action.evidence)) fail('reported malformed evidence')
        if (this.honest.has(action.evidence.voter)) fail(`accused honest ${action.evidence.voter}`)
        add(this.reported, node, evidenceKey(action.evidence))
        return
      default:
        return
    }
  }

  /** Expected reports that never came. */
  missingEvidence(): string[] {
    const missing: string[] = []
    for (const [node, keys] of this.expected) {
      for (const key of keys) if (!this.reported.get(node)?.has(key)) missing.push(`${node} did not report ${key}`)
    }
    return missing
  }

  private log(node: string, height: number): HeightLog {
    const key = `${node}/${height}`
    let log = this.logs.get(key)
    if (log === undefined) {
      log = new HeightLog()
      this.logs.set(key, log)
    }
    return log
  }

  private power(voters: ReadonlySet<string> | undefined): number {
    let p = 0
    for (const v of voters ?? []) p += this.committee.power(v)
    return p
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): Set<V> {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set<V>()
    map.set(key, set)
  }
  set.add(value)
  return set
}
