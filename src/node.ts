/**
 * The composition root of one Chorus node: a transport node plus the role services it hosts,
 * with the admission rules of the roles plugged into the transport's validator.
 */
import { ChorusNode, type ChorusNodeOptions, type Envelope } from './p2p/index.js'
import { admissionPolicy, type TopicRuntime } from './roles/admission.js'
import { CoordinatorService, LeaderDecider } from './roles/coordinator.js'
import { lossBundle } from './roles/loss-bundle.js'
import type { GroundTruthSource, WorkerModel } from './roles/plugins.js'
import type { Registry } from './roles/registry.js'
import { ReputerService } from './roles/reputer.js'
import { WorkerService } from './roles/worker.js'
import { GossipWorkerHistory } from './roles/worker-history.js'

export type Role = 'coordinator' | 'worker' | 'reputer'

export interface RoleNodeOptions {
  readonly role: Role
  readonly topics: readonly TopicRuntime[]
  readonly registry: Registry
  /** Ground truth per topic id (workers and reputers read it). */
  readonly groundTruth: ReadonlyMap<string, GroundTruthSource>
  /** The worker's model per topic id. */
  readonly models?: ReadonlyMap<string, WorkerModel>
  readonly p2p: Omit<ChorusNodeOptions, 'validation'>
}

type Service = CoordinatorService | WorkerService | ReputerService

export class RoleNode {
  private constructor(
    readonly role: Role,
    readonly node: ChorusNode,
    readonly services: readonly Service[],
  ) {}

  /** Start the transport; `start()` starts the role services. */
  static async create(options: RoleNodeOptions): Promise<RoleNode> {
    const topics = new Map(options.topics.map((t) => [t.config.id, t]))
    const coordinators: CoordinatorService[] = []
    const node = await ChorusNode.create({
      ...options.p2p,
      validation: {
        ...admissionPolicy(options.registry, topics),
        checkContent: (envelope: Envelope) => coordinators.forEach((c) => c.checkContent(envelope)),
      },
    })
    const services: Service[] = options.topics.map((topic) => {
      const id = topic.config.id
      const truth = options.groundTruth.get(id)
      switch (options.role) {
        case 'coordinator': {
          const c = new CoordinatorService(node, topic, options.registry, new LeaderDecider(node, options.registry))
          coordinators.push(c)
          return c
        }
        case 'worker': {
          const model = options.models?.get(id)
          if (model === undefined || truth === undefined) throw new Error(`worker of topic ${id} needs a model and a ground-truth source`)
          return new WorkerService(node, topic, model, new GossipWorkerHistory(id, topic.config.groundTruthLag, truth))
        }
        case 'reputer': {
          if (truth === undefined) throw new Error(`reputer of topic ${id} needs a ground-truth source`)
          return new ReputerService(node, topic, truth, (d, value, previous) =>
            lossBundle({ inferences: d.inferences, output: d.output }, { value, previous }, topic.config.lossFunction),
          )
        }
      }
    })
    return new RoleNode(options.role, node, services)
  }

  get participantId(): string {
    return this.node.participantId
  }

  start(): void {
    for (const s of this.services) s.start()
  }

  async stop(): Promise<void> {
    for (const s of this.services) await s.stop()
    await this.node.stop()
  }
}
