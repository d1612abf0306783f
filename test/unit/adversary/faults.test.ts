/**
 * The fault table and the composition of adversaries: which fault fits which role, the errors
 * for the rest, and what each adversary leaves honest.
 */
import { describe, expect, it } from 'vitest'
import {
  adversaryFor,
  BYZANTINE_FAULTS,
  BYZANTINE_FAULTS_BY_ROLE,
  ByzantineFaultError,
  checkFaultForRole,
  faultFitsRole,
} from '../../../src/adversary/index.js'
import type { ConsensusNetwork } from '../../../src/consensus/network.js'
import type { LossBundleBuilder } from '../../../src/roles/reputer.js'
import type { WorkerModel } from '../../../src/roles/plugins.js'
import { FakeClock } from '../../utils/fake-clock.js'
import { GENESIS_MS, RecordingNode, topicOn } from './helpers.js'

const model: WorkerModel = { name: 'm', infer: () => 1, forecast: () => ({}) }
const build: LossBundleBuilder = () => {
  throw new Error('not called')
}

describe('the Byzantine fault table', () => {
  it('names the CLI faults once each, with garbage for coordinators and workers alike', () => {
    expect([...BYZANTINE_FAULTS].sort()).toEqual(
      ['bad-proposal', 'copycat', 'equivocate', 'flood', 'garbage', 'late', 'liar', 'silent-sync', 'withhold'].sort(),
    )
    expect(faultFitsRole('coordinator', 'garbage')).toBe(true)
    expect(faultFitsRole('worker', 'garbage')).toBe(true)
    expect(faultFitsRole('reputer', 'garbage')).toBe(false)
    expect(faultFitsRole('worker', 'equivocate')).toBe(false)
    expect(BYZANTINE_FAULTS_BY_ROLE.reputer).toEqual(['liar'])
  })

  it('refuses a fault that does not fit the role, naming the ones that do', () => {
    expect(() => checkFaultForRole('worker', 'equivocate')).toThrow(ByzantineFaultError)
    expect(() => checkFaultForRole('worker', 'equivocate')).toThrow(
      '"equivocate" is not a fault of a worker (a worker can be: garbage, copycat, flood, late)',
    )
    expect(() => checkFaultForRole('reputer', 'sneaky')).toThrow(/"sneaky" is not a Byzantine fault \(one of: /)
    expect(checkFaultForRole('coordinator', 'withhold')).toBe('withhold')
    expect(() => adversaryFor('coordinator', 'liar')).toThrow(ByzantineFaultError)
  })

  it('changes only what its role uses: a worker fault leaves the network and the bundles honest', async () => {
    const network = { participantId: 'x' } as ConsensusNetwork
    const node = await RecordingNode.create()
    const topic = topicOn(new FakeClock(GENESIS_MS).now)
    for (const fault of BYZANTINE_FAULTS_BY_ROLE.worker) {
      const adversary = adversaryFor('worker', fault)
      expect(adversary.network(network, async () => 0)).toBe(network)
      expect(adversary.reputer(build)).toBe(build)
      const parts = adversary.worker({ publisher: node, model }, node, topic)
      // Each worker fault replaces the publisher or the model, never neither.
      expect(parts.publisher !== node || parts.model !== model).toBe(true)
      await parts.model.close?.()
    }
    const liar = adversaryFor('reputer', 'liar')
    expect(liar.reputer(build)).not.toBe(build)
    expect(liar.network(network, async () => 0)).toBe(network)
    const coordinator = adversaryFor('coordinator', 'withhold')
    expect(coordinator.network(network, async () => 0)).not.toBe(network)
    expect(coordinator.worker({ publisher: node, model }, node, topic)).toEqual({ publisher: node, model })
  })
})
