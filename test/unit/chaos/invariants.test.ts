import { describe, expect, it } from 'vitest'
import { InvariantChecker, type RunTimeline } from '../../../src/chaos/invariants.js'
import type { CommitSeen } from '../../../src/node/observations.js'
import type { ScheduledFault } from '../../../src/chaos/schedule.js'

const G = 1_000_000
const timeline: RunTimeline = {
  genesisMs: G,
  originMs: G,
  epochMs: 1000,
  submissionWindowMs: 600,
  topicIds: ['t'],
  endMs: G + 20_000,
}

function commit(
  node: string,
  height: number,
  hash: string,
  epoch: number,
  atMs: number,
  extra: Partial<CommitSeen> = {},
): CommitSeen {
  return {
    type: 'commit',
    node,
    height,
    hash,
    atMs,
    topicEpochs: [{ topicId: 't', epoch, output: `out-${epoch}`, inferers: ['w1', 'w2'] }],
    ledgerOk: true,
    ...extra,
  }
}

const crash: ScheduledFault = {
  n: 1,
  fault: { kind: 'crash', nodes: ['coordinator-2'], at: { epochs: 4 } },
  startMs: 4000,
  endMs: 8000,
}

describe('chaos invariants', () => {
  it('pass on agreeing honest commits that resume after the last heal', () => {
    const c = new InvariantChecker(() => true, timeline, [crash])
    for (let e = 0; e < 15; e++)
      for (const node of ['coordinator-1', 'coordinator-3'])
        c.onCommit(commit(node, e + 1, `h${e}`, e, G + (e + 1) * 1000 + 300))
    const r = c.results([])
    expect(Object.values(r).map((x) => x.verdict)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS'])
  })

  it('fail safety on two hashes at one height, or two outputs for one epoch, among honest nodes only', () => {
    const c = new InvariantChecker((n) => n !== 'coordinator-4', timeline, [])
    c.onCommit(commit('coordinator-1', 1, 'aaa', 0, G + 1300))
    c.onCommit(commit('coordinator-4', 1, 'bbb', 0, G + 1300)) // Byzantine: not judged
    expect(c.results([]).safety.verdict).toBe('PASS')
    c.onCommit(commit('coordinator-2', 1, 'ccc', 0, G + 1300))
    const r = c.results([])
    expect(r.safety.verdict).toBe('FAIL')
    expect(r.safety.details[0]).toMatch(/height 1: coordinator-1 committed aaa.*coordinator-2 ccc/)
  })

  it('fail liveness when nothing commits within 3 epochs of the last heal', () => {
    const c = new InvariantChecker(() => true, timeline, [crash])
    for (let e = 0; e < 4; e++) c.onCommit(commit('coordinator-1', e + 1, `h${e}`, e, G + (e + 1) * 1000 + 300))
    c.onCommit(commit('coordinator-1', 5, 'late', 12, G + 8000 + 3500)) // 3.5 epochs after the heal
    const r = c.results([])
    expect(r.liveness.verdict).toBe('FAIL')
    expect(r.liveness.details[0]).toMatch(/topic t: no inference committed within 3 epochs .*first after 3500 ms/)
  })

  it('fail conservation on a ledger problem', () => {
    const c = new InvariantChecker(() => true, timeline, [])
    c.onCommit(commit('coordinator-1', 1, 'a', 0, G + 1300, { ledgerOk: false, ledgerProblem: 'supply 10 ≠ held 9' }))
    expect(c.results([]).conservation).toEqual({ verdict: 'FAIL', details: ['coordinator-1: supply 10 ≠ held 9'] })
  })

  it('nothing lost: a store that lost blocks fails; a missing inference is excused only with a reason', () => {
    const c = new InvariantChecker(() => true, timeline, [crash])
    c.onStoreCheck({ node: 'coordinator-2', fault: 1, missing: [], checked: 4 })
    for (let e = 0; e < 14; e++) c.onCommit(commit('coordinator-1', e + 1, `h${e}`, e, G + (e + 1) * 1000 + 300))
    // Epoch 5: coordinator-2 was down, so w3's missing inference is excused.
    c.onPublished({ type: 'published', node: 'worker-3', participant: 'w3', topicId: 't', epoch: 5, atMs: G + 5010 })
    expect(c.results([]).nothingLost.verdict).toBe('PASS')
    expect(c.results([]).nothingLost.details).toEqual([
      'coordinator-2 after fault 1: all 4 blocks it had committed are in its store',
      expect.stringMatching(/fault 1 \(crash\) was active/),
    ])
    // Epoch 10 still counts as the crash's (3 epochs after its heal at 8 s): excused.
    c.onPublished({ type: 'published', node: 'worker-3', participant: 'w3', topicId: 't', epoch: 10, atMs: G + 10_010 })
    expect(c.results([]).nothingLost.verdict).toBe('PASS')
    // Epoch 12: no fault, sent in time, not in the block: lost.
    c.onPublished({ type: 'published', node: 'worker-3', participant: 'w3', topicId: 't', epoch: 12, atMs: G + 12_010 })
    expect(c.results([]).nothingLost.verdict).toBe('FAIL')
    c.onStoreCheck({ node: 'coordinator-2', fault: 1, missing: [3], checked: 4 })
    expect(c.results([]).nothingLost.details[0]).toMatch(/coordinator-2 after fault 1: 1 of 4 blocks/)
  })

  it("nothing lost judges only the epochs from the run's epoch 0 on (every node up)", () => {
    const late = { ...timeline, originMs: G + 3000 }
    const c = new InvariantChecker(() => true, late, [])
    for (let e = 0; e < 14; e++) c.onCommit(commit('coordinator-1', e + 1, `h${e}`, e, G + (e + 1) * 1000 + 300))
    // Epoch 2: the network was still starting; its missing inference says nothing.
    c.onPublished({ type: 'published', node: 'worker-3', participant: 'w3', topicId: 't', epoch: 2, atMs: G + 2010 })
    expect(c.results([]).nothingLost.verdict).toBe('PASS')
    c.onPublished({ type: 'published', node: 'worker-3', participant: 'w3', topicId: 't', epoch: 3, atMs: G + 3010 })
    expect(c.results([]).nothingLost.verdict).toBe('FAIL')
  })

  it('byzantine: passes when slashed or earning less, fails when earning as much', () => {
    const c = new InvariantChecker(() => true, timeline, [])
    const honest = { node: 'worker-1', earnings: { earned: 100n, slashed: false } }
    expect(
      c.results([{ node: 'worker-2', fault: 'late', earnings: { earned: 40n, slashed: false }, honest }]).byzantine
        .verdict,
    ).toBe('PASS')
    expect(
      c.results([{ node: 'coordinator-4', fault: 'equivocate', earnings: { earned: 500n, slashed: true }, honest }])
        .byzantine.verdict,
    ).toBe('PASS')
    const r = c.results([{ node: 'worker-2', fault: 'copycat', earnings: { earned: 100n, slashed: false }, honest }])
    expect(r.byzantine.verdict).toBe('FAIL')
    expect(r.byzantine.details[0]).toMatch(/worker-2 \(copycat\) earned 100, not less than honest worker-1's 100/)
  })
})
