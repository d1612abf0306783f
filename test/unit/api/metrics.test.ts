/**
 * `/metrics`: the figures move as blocks commit, the node's counters are read at scrape time,
 * and the text passes `promtool check metrics` (Prometheus' own parser and linter) where
 * promtool is installed; CHORUS_REQUIRE_PROMTOOL=1 (CI) makes a missing promtool a failure.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { nodeMetrics } from '../../../src/api/metrics.js'
import type { NodeStats } from '../../../src/api/node.js'
import { topicEpoch, unitChain } from './helpers.js'

const promtool = spawnSync('promtool', ['--version']).status === 0

/** The value of one series in the text exposition, or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('node metrics', () => {
  it('count blocks, epochs and rounds, and keep the last settled losses per topic', async () => {
    const u = await unitChain()
    let stats: NodeStats = { messagesByChannel: {}, messagesByReason: {}, connections: 0, meshPeers: {} }
    const metrics = nodeMetrics({ ...u.node, stats: () => stats })
    const before = await metrics.text()
    expect(seriesValue(before, 'chorus_blocks_committed_total')).toBe(0)
    expect(seriesValue(before, 'chorus_chain_height')).toBe(0)

    u.commit({ topicEpochs: [topicEpoch('unit', 0, 1.5)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 1, null)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 2, 2.5, [0])] })
    u.events.emit('block-executed', { height: 3, ms: 30, as: 'voter' })
    u.events.emit('block-executed', { height: 4, ms: 2, as: 'proposer' })
    stats = {
      messagesByChannel: { 'inferences:accept': 7, 'consensus:reject': 2 },
      messagesByReason: { 'accept:ok': 7, 'reject:bad-signature': 2 },
      connections: 5,
      meshPeers: { '/chorus/1/topic/unit/inferences': 3 },
      workerEvents: { 'unit:published': 9, 'unit:decision-late': 1 },
    }
    const text = await metrics.text()
    expect(seriesValue(text, 'chorus_blocks_committed_total')).toBe(3)
    expect(seriesValue(text, 'chorus_chain_height')).toBe(3)
    expect(seriesValue(text, 'chorus_epochs_committed_total{topic="unit"}')).toBe(2)
    expect(seriesValue(text, 'chorus_commit_rounds_bucket{le="1"}')).toBe(3)
    expect(seriesValue(text, 'chorus_commit_latency_seconds_count')).toBe(3)
    expect(seriesValue(text, 'chorus_block_execution_seconds_count{as="voter"}')).toBe(1)
    expect(seriesValue(text, 'chorus_block_execution_seconds_bucket{le="0.025",as="voter"}')).toBe(0)
    expect(seriesValue(text, 'chorus_block_execution_seconds_bucket{le="0.05",as="voter"}')).toBe(1)
    expect(seriesValue(text, 'chorus_block_execution_seconds_sum{as="proposer"}')).toBe(0.002)
    expect(seriesValue(text, 'chorus_topic_loss{topic="unit",of="network"}')).toBe(-1)
    expect(seriesValue(text, 'chorus_topic_loss{topic="unit",of="naive"}')).toBe(-0.5)
    expect(seriesValue(text, 'chorus_topic_loss{topic="unit",of="best_worker"}')).toBe(-1)
    expect(seriesValue(text, 'chorus_messages_total{channel="inferences",result="accept"}')).toBe(7)
    expect(seriesValue(text, 'chorus_messages_refused_total{result="reject",reason="bad-signature"}')).toBe(2)
    expect(text).not.toContain('reason="ok"')
    expect(seriesValue(text, 'chorus_worker_events_total{topic="unit",event="published"}')).toBe(9)
    expect(seriesValue(text, 'chorus_worker_events_total{topic="unit",event="decision-late"}')).toBe(1)
    expect(seriesValue(text, 'chorus_connections')).toBe(5)
    expect(seriesValue(text, 'chorus_gossip_mesh_peers{channel="/chorus/1/topic/unit/inferences"}')).toBe(3)
    expect(seriesValue(text, 'chorus_peers')).toBe(2)
    // The node's account (a funded worker of the genesis) in tokens.
    expect(seriesValue(text, 'chorus_account_balance_tokens{kind="balance"}')).toBeGreaterThan(0)

    metrics.close()
    u.commit({})
    expect(seriesValue(await metrics.text(), 'chorus_blocks_committed_total')).toBe(3)
  })

  it('two nodes in one process keep apart', async () => {
    const [a, b] = await Promise.all([unitChain(), unitChain()])
    const [ma, mb] = [nodeMetrics(a.node), nodeMetrics(b.node)]
    a.commit({})
    expect(seriesValue(await ma.text(), 'chorus_blocks_committed_total')).toBe(1)
    expect(seriesValue(await mb.text(), 'chorus_blocks_committed_total')).toBe(0)
    ma.close()
    mb.close()
  })

  it('pass promtool check metrics', async (ctx) => {
    if (!promtool) {
      if (process.env.CHORUS_REQUIRE_PROMTOOL === '1')
        throw new Error('promtool is missing: apt-get install prometheus')
      ctx.skip('promtool not installed (apt-get install prometheus)')
    }
    const u = await unitChain()
    const metrics = nodeMetrics({
      ...u.node,
      stats: () => ({
        messagesByChannel: { 'inferences:accept': 1 },
        messagesByReason: { 'ignore:epoch-too-old': 1 },
        connections: 1,
        meshPeers: { '/chorus/1/consensus': 1 },
        workerEvents: { 'unit:decision-late': 1 },
      }),
    })
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 1.5, [])] })
    u.commit({ topicEpochs: [topicEpoch('unit', 1, 1.5, [0])] })
    u.events.emit('block-executed', { height: 2, ms: 3, as: 'voter' })
    const check = spawnSync('promtool', ['check', 'metrics'], { input: await metrics.text(), encoding: 'utf8' })
    expect(check.stderr + check.stdout).toBe('')
    expect(check.status).toBe(0)
    metrics.close()
  })
})
