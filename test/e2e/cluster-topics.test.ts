/**
 * Two topics on one network, with external models and a lazy copier:
 * - `alpha`: plain submissions; one worker serves only alpha; an HTTP model and a subprocess
 *   model (JSON lines) take part;
 * - `beta`: commit-reveal; a copier republishes other workers' revealed values as its own.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster.js'
import { randomBytes } from 'node:crypto'
import { ChorusNode, LOOPBACK_TUNING, topicChannel, type CounterKey } from '../../src/p2p/index.js'
import type { CoordinatorService, EpochDecision } from '../../src/roles/coordinator.js'
import { parseTopicConfig } from '../../src/roles/topic.js'
import { waitFor } from '../utils/wait.js'

const alpha = parseTopicConfig({ id: 'alpha', name: 'alpha', epochMs: 300, groundTruth: 'synthetic:3' }, 'alpha')
const beta = parseTopicConfig({ id: 'beta', name: 'beta', epochMs: 300, groundTruth: 'synthetic:5', commitReveal: true }, 'beta')
const EPOCHS = 12

describe('two topics, external models and a copier', () => {
  let cluster: LocalCluster
  let server: Server
  let httpCalls = 0
  let alphaOnly: ClusterMember, httpWorker: ClusterMember, cmdWorker: ClusterMember
  let copier: ChorusNode
  const decisions: Record<string, EpochDecision[]> = { alpha: [], beta: [] }
  const copiedEpochs = new Set<number>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c)).on('end', () => {
        httpCalls++
        const { context } = JSON.parse(body) as { context: { truth: { value: number }[]; inferers: string[] } }
        const last = context.truth.at(-1)?.value ?? 0
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ inference: last - 0.5, forecast: Object.fromEntries(context.inferers.map((id) => [id, -1])) }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

    cluster = await LocalCluster.start({ topics: [alpha, beta], coordinators: 1, workers: 3, reputers: 2, startDelayMs: 1500 })
    alphaOnly = await cluster.addMember('worker', 3, { topics: ['alpha'], model: 'ema:0.3' })
    httpWorker = await cluster.addMember('worker', 4, { topics: ['alpha'], model: `http:${url}` })
    cmdWorker = await cluster.addMember('worker', 5, { topics: ['alpha'], model: `cmd:${process.execPath} test/fixtures/last-value-model.mjs` })

    // The copier: a registered beta worker that makes no model of its own and, once others
    // reveal, publishes their value under its own name.
    copier = await ChorusNode.create({ chainId: 'chorus-local', ...LOOPBACK_TUNING })
    cluster.registry.register('beta', 'worker', copier.participantId)
    await copier.dial(cluster.members[0].node.node.multiaddrs()[0])
    const copied = copiedEpochs
    copier.subscribe(topicChannel('beta', 'inferences'), ({ envelope }) => {
      if (envelope.type !== 'inference' || copied.has(envelope.epoch)) return
      copied.add(envelope.epoch)
      const { value } = envelope.payload as { value: number }
      void copier.publish({ type: 'inference', chainId: 'chorus-local', topicId: 'beta', epoch: envelope.epoch, nonce: new Uint8Array(0), payload: { value, salt: new Uint8Array(randomBytes(16)) } })
    })

    cluster.events.addEventListener('decision', (e) => {
      const d = (e as CustomEvent<EpochDecision>).detail
      decisions[d.topicId].push(d)
    })
    await waitFor(() => decisions.alpha.filter((d) => d.epoch >= 3).length >= EPOCHS && decisions.beta.filter((d) => d.epoch >= 3).length >= EPOCHS, 'epochs of both topics', 60_000)
  }, 90_000)

  afterAll(async () => {
    await cluster.stop()
    await copier.stop()
    await new Promise((r) => server.close(r))
  })

  it('decides both topics, each from its own workers only', () => {
    const shared = cluster.members.filter((m) => m.role === 'worker' && m !== alphaOnly && m !== httpWorker && m !== cmdWorker).map((m) => m.node.participantId)
    const alphaIds = [...shared, alphaOnly, httpWorker, cmdWorker].map((m) => (typeof m === 'string' ? m : m.node.participantId)).sort()
    for (const d of decisions.alpha.filter((x) => x.epoch >= 3)) expect(Object.keys(d.inferences).sort()).toEqual(alphaIds)
    for (const d of decisions.beta.filter((x) => x.epoch >= 3)) expect(Object.keys(d.inferences).sort()).toEqual([...shared].sort())
    // Different series: the two topics' network inferences never coincide.
    const a = new Map(decisions.alpha.map((d) => [d.epoch, d.output.networkInference]))
    for (const d of decisions.beta) if (a.has(d.epoch)) expect(d.output.networkInference).not.toBe(a.get(d.epoch))
  })

  it('an HTTP model and a subprocess model answer every epoch', () => {
    const last = decisions.alpha.at(-1) as EpochDecision
    expect(httpCalls).toBeGreaterThanOrEqual(EPOCHS)
    expect(last.inferences[httpWorker.node.participantId]).toBeTypeOf('number')
    expect(last.inferences[cmdWorker.node.participantId]).toBeTypeOf('number')
  })

  it('the copier gets nothing into a commit-reveal epoch: its reveals are rejected', () => {
    for (const d of decisions.beta) expect(d.inferences[copier.participantId]).toBeUndefined()
    const coordinator = cluster.members[0].node.node
    // Each rejected reveal also costs the copier peer score, so the coordinator soon prunes it
    // from its mesh and it stops seeing reveals to copy: at least one copy was made and refused.
    expect(copiedEpochs.size).toBeGreaterThanOrEqual(1)
    const refused = coordinator.validator.counters.get('reject:invalid-content' as CounterKey)
    expect(refused).toBeGreaterThanOrEqual(1)
    expect(refused).toBeLessThanOrEqual(copiedEpochs.size)
    const service = cluster.members[0].node.services.find((s) => (s as CoordinatorService).topicId === 'beta') as CoordinatorService
    expect(service.counters.get('decided')).toBeGreaterThanOrEqual(EPOCHS)
  })
})
