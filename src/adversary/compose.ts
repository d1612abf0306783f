/**
 * The adversary a Byzantine node is built with: one component per (role, fault), chosen once at
 * composition (src/node/role-node.ts). It wraps what the honest parts would use (the network
 * the driver runs on, a worker's publisher and model, a reputer's loss bundles) and returns
 * them unchanged where its fault does not touch them, so the honest code has no fault branches.
 */
import type { ConsensusNetwork } from '../consensus/network.js'
import type { WorkerModel } from '../roles/plugins.js'
import type { RolePublisher } from '../roles/publisher.js'
import type { LossBundleBuilder } from '../roles/reputer.js'
import type { TopicRuntime } from '../topic/windows.js'
import { Timers } from '../util/timers.js'
import { byzantineNetwork, type CoordinatorFault, type RawPublisher } from './coordinator.js'
import {
  checkFaultForRole,
  type AdversaryRole,
  type ByzantineFault,
  type CoordinatorByzantineFault,
  type WorkerFault,
} from './faults.js'
import type { AdversaryNode } from './node.js'
import { lyingReputer } from './reputer-liar.js'
import { CopycatModel, LiveInferences } from './worker-copycat.js'
import { floodingWorker } from './worker-flood.js'
import { garbageWorker } from './worker-garbage.js'
import { lateWorker } from './worker-late.js'

/** What a worker of one topic publishes through and answers with. */
export interface WorkerParts {
  readonly publisher: RolePublisher
  readonly model: WorkerModel
}

export interface Adversary {
  readonly role: AdversaryRole
  readonly fault: ByzantineFault
  /** The network the node's consensus driver runs on. */
  network(honest: ConsensusNetwork, publishRaw: RawPublisher): ConsensusNetwork
  /** A worker's parts for one topic (`node`: the node the honest publisher is). */
  worker(honest: WorkerParts, node: AdversaryNode, topic: TopicRuntime): WorkerParts
  /** A reputer's loss bundles. */
  reputer(honest: LossBundleBuilder): LossBundleBuilder
}

/** The coordinator faults by their CLI names. */
const COORDINATOR_FAULT: Record<CoordinatorByzantineFault, CoordinatorFault> = {
  equivocate: 'equivocate',
  'bad-proposal': 'bad-proposal',
  withhold: 'withhold-proposal',
  garbage: 'garbage',
  'silent-sync': 'silent-sync',
}

/** The adversary of `fault` for a node of `role`; a ByzantineFaultError if the fault does not fit the role. */
export function adversaryFor(role: AdversaryRole, fault: string): Adversary {
  const checked = checkFaultForRole(role, fault)
  const honest: Adversary = {
    role,
    fault: checked,
    network: (network) => network,
    worker: (parts) => parts,
    reputer: (build) => build,
  }
  switch (role) {
    case 'coordinator': {
      const coordinatorFault = COORDINATOR_FAULT[checked as CoordinatorByzantineFault]
      return { ...honest, network: (network, publishRaw) => byzantineNetwork(coordinatorFault, network, publishRaw) }
    }
    case 'worker':
      return { ...honest, worker: (parts, node, topic) => workerParts(checked as WorkerFault, parts, node, topic) }
    case 'reputer':
      return { ...honest, reputer: lyingReputer }
  }
}

function workerParts(fault: WorkerFault, honest: WorkerParts, node: AdversaryNode, topic: TopicRuntime): WorkerParts {
  switch (fault) {
    case 'garbage':
      return { ...honest, publisher: garbageWorker(node) }
    case 'flood':
      return { ...honest, publisher: floodingWorker(node) }
    case 'late': {
      const timers = new Timers(() => topic.clock.time())
      return { publisher: lateWorker(honest.publisher, topic, timers), model: closing(honest.model, timers) }
    }
    case 'copycat': {
      const timers = new Timers(() => topic.clock.time())
      // Reveals travel after the window, too late to copy; and this follower pools no commitments to check them by.
      const live = topic.config.commitReveal ? undefined : LiveInferences.listen(node, topic.config.id, timers)
      return { ...honest, model: new CopycatModel(honest.model, topic, live, () => timers.clear()) }
    }
  }
}

/** `model`, whose close also clears the adversary's timers: the worker closes its model when it stops. */
function closing(model: WorkerModel, timers: Timers): WorkerModel {
  return {
    name: model.name,
    infer: (context) => model.infer(context),
    forecast: (context) => model.forecast(context),
    close: async () => {
      timers.clear()
      await model.close?.()
    },
  }
}
