/**
 * Who may take part in which topic, and with what stake. Until the ledger (issue 5) keeps
 * registrations in committed state, a cluster builds one registry and hands it to its nodes.
 * Ids are participant ids (hex ed25519 public keys).
 */
export type TopicRole = 'worker' | 'reputer'

/** What the roles read of a registry (the in-memory one, or the ledger's committed state). */
export interface RegistryView {
  isRegistered(topicId: string, role: TopicRole, id: string): boolean
  stakeOf(topicId: string, role: TopicRole, id: string): number
  isCoordinator(id: string): boolean
  coordinators(): string[]
}

export class Registry implements RegistryView {
  private readonly members = new Map<string, Map<string, number>>()
  private readonly coordinatorIds = new Set<string>()

  private key(topicId: string, role: TopicRole): string {
    return `${topicId}|${role}`
  }

  /** Register (or re-stake) a participant; stake is in the smallest token unit. */
  register(topicId: string, role: TopicRole, id: string, stake = 1_000_000): void {
    let map = this.members.get(this.key(topicId, role))
    if (map === undefined) {
      map = new Map()
      this.members.set(this.key(topicId, role), map)
    }
    map.set(id, stake)
  }

  unregister(topicId: string, role: TopicRole, id: string): void {
    this.members.get(this.key(topicId, role))?.delete(id)
  }

  isRegistered(topicId: string, role: TopicRole, id: string): boolean {
    return this.members.get(this.key(topicId, role))?.has(id) ?? false
  }

  stakeOf(topicId: string, role: TopicRole, id: string): number {
    return this.members.get(this.key(topicId, role))?.get(id) ?? 0
  }

  /** Ids in ascending order (the spec's order). */
  list(topicId: string, role: TopicRole): string[] {
    return [...(this.members.get(this.key(topicId, role))?.keys() ?? [])].sort()
  }

  addCoordinator(id: string): void {
    this.coordinatorIds.add(id)
  }

  isCoordinator(id: string): boolean {
    return this.coordinatorIds.has(id)
  }

  coordinators(): string[] {
    return [...this.coordinatorIds].sort()
  }
}
