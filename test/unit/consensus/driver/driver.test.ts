/**
 * The consensus driver end to end, without sockets: four coordinators composed as node.ts
 * composes one, on the in-memory network (messages pass the transport's validator) and a
 * fake clock. Time moves only when a test moves it, so every wait is on events: a commit
 * event, or a condition the clock runs towards instant by instant within a fake-time limit.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { proposer } from '../../../../src/consensus/bft/index.js'
import { blockHash } from '../../../../src/consensus/chain/block.js'
import { certificateVotes } from '../../../../src/consensus/sync/chain-sync.js'
import { readEnvelope, toHex, type Envelope } from '../../../../src/wire/index.js'
import type { Published } from '../../../utils/memory-network.js'
import {
  CHAIN_ID,
  commitAt,
  DriverCluster,
  FIRST_HEIGHT_AT,
  MAX_FUTURE_ROUNDS,
  TIMEOUTS,
  TOPIC,
  type Member,
} from './harness.js'

let cluster: DriverCluster | undefined

afterEach(async () => {
  const c = cluster
  cluster = undefined
  if (c === undefined) return
  // Whatever a test did, no driver may have failed inside, and no subscriber thrown.
  const errors = [...c.members, ...c.stopped].flatMap((m) => m.errors)
  const handlerErrors = [...c.net.handlerErrors]
  await c.close()
  expect(errors).toEqual([])
  expect(handlerErrors).toEqual([])
})

async function newCluster(): Promise<DriverCluster> {
  cluster = await DriverCluster.create(4)
  return cluster
}

type VotePayload = Envelope<'vote'>['payload']

const votesOf = (published: readonly Published[], from: string): Published[] =>
  published.filter((p) => p.from === from && p.envelope.type === 'vote')
const payloadOf = (p: Published): VotePayload => (p.envelope as Envelope<'vote'>).payload
const hexOf = (b: Uint8Array | null): string | null => (b === null ? null : toHex(b))

/** The precommits of the certificate `member` stored with block `height`. */
function storedCertificate(member: Member, height: number): VotePayload[] {
  const stored = member.store.block(height)
  if (stored === undefined) throw new Error(`no block ${height} in the store`)
  return certificateVotes(stored.certificate).map((b) => (readEnvelope(b).envelope as Envelope<'vote'>).payload)
}

/** Commit height 1 on every member of a fresh cluster (the happy path) and return the events. */
async function commitFirstHeight(c: DriverCluster) {
  const commits = Promise.all(c.members.map((m) => commitAt(m, 1)))
  return c.eventually(commits, 'every member commits height 1', FIRST_HEIGHT_AT - c.clock.now())
}

describe('ConsensusDriver on an in-memory network', () => {
  it('commits a height once a topic epoch has closed: every member, the same block', async () => {
    const c = await newCluster()
    const members = c.startAll()

    // Before the first epoch (and its grace) is over nothing starts: no proposal, no vote.
    await c.clock.run(FIRST_HEIGHT_AT - 1 - c.clock.now())
    expect(c.net.published).toEqual([])
    expect(members.map((m) => m.driver.chain.height)).toEqual([0, 0, 0, 0])

    const commits = await commitFirstHeight(c)
    // All in the instant the height started: the happy path waits on no timeout.
    expect(c.clock.now()).toBe(FIRST_HEIGHT_AT)
    expect(commits.map((e) => e.committedAtMs)).toEqual(Array(4).fill(FIRST_HEIGHT_AT))

    const hash = commits[0].hash
    expect(commits.map((e) => e.hash)).toEqual(Array(4).fill(hash))
    const block = commits[0].block
    expect(block.height).toBe(1)
    expect(block.chainId).toBe(CHAIN_ID)
    expect(block.proposer).toBe(proposer(c.committee, 1, 0))
    expect(block.topicEpochs.map((e) => [e.topicId, e.epoch])).toEqual([[TOPIC.id, 0]])
    for (const m of members) {
      expect(m.commits).toHaveLength(1)
      expect(m.driver.chain.height).toBe(1)
      expect(m.driver.chain.hash).toBe(hash)
      expect(m.driver.counters.get('committed')).toBe(1)
      // Stored with a certificate of round-0 precommits for the block from a 2/3 quorum.
      expect(toHex(m.store.block(1)!.hash)).toBe(hash)
      const cert = storedCertificate(m, 1)
      expect(cert.length).toBeGreaterThanOrEqual(3)
      for (const v of cert)
        expect({ round: v.round, step: v.step, blockHash: hexOf(v.blockHash) }).toEqual({
          round: 0,
          step: 'precommit',
          blockHash: hash,
        })
    }
    // One proposal; a prevote and a precommit from each member; one commit notice, the proposer's.
    const types = c.net.published
      .map((p) => (p.envelope.type === 'vote' ? `${payloadOf(p).step}` : p.envelope.type))
      .sort()
    const notices = c.net.published.filter((p) => p.envelope.type === 'commit')
    expect(notices.map((p) => toHex(p.envelope.signer))).toEqual([block.proposer])
    expect(types).toEqual([
      'commit',
      'precommit',
      'precommit',
      'precommit',
      'precommit',
      'prevote',
      'prevote',
      'prevote',
      'prevote',
      'proposal',
    ])
  })

  it("the other members announce a block when the proposer's commit notice never comes", async () => {
    const c = await newCluster()
    const author = proposer(c.committee, 1, 0)
    c.net.drop((m) => m.from === author && m.envelope.type === 'commit')
    c.startAll()
    const commits = await commitFirstHeight(c)
    const firstHeight = (): Published[] =>
      c.net.published.filter(
        (p) => p.envelope.type === 'commit' && (p.envelope as Envelope<'commit'>).payload.height === 1,
      )
    const noticesFrom = (): string[] => firstHeight().map((p) => toHex(p.envelope.signer))
    // The proposer announced at once (lost on the way); the others wait for it first.
    expect(noticesFrom()).toEqual([author])
    await c.clock.run(TIMEOUTS.propose - 1)
    expect(noticesFrom()).toEqual([author])
    await c.clock.run(1)
    const others = c.members.map((m) => m.id).filter((id) => id !== author)
    expect(noticesFrom().slice(1).sort()).toEqual(others.sort())
    // Each announces the block every member committed.
    for (const p of firstHeight())
      expect(toHex(blockHash((p.envelope as Envelope<'commit'>).payload.block))).toBe(commits[0].hash)
  })

  it('a notice whose certificate does not hold keeps no member from announcing the block', async () => {
    const c = await newCluster()
    const author = proposer(c.committee, 1, 0)
    // The proposer's true notice is lost; it sends one for the same block with a certificate of garbage.
    c.net.drop(
      (m) =>
        m.from === author &&
        m.envelope.type === 'commit' &&
        (m.envelope as Envelope<'commit'>).payload.certificate.length > 1,
    )
    c.startAll()
    const commits = await commitFirstHeight(c)
    const liar = c.members.find((m) => m.id === author)
    if (liar === undefined) throw new Error('no proposer')
    const block = c.net.published.find((p) => p.from === author && p.envelope.type === 'proposal')
    if (block === undefined) throw new Error('no proposal')
    await liar.endpoint.publish(
      liar.endpoint.sign({
        type: 'commit',
        chainId: CHAIN_ID,
        topicId: '',
        epoch: 1,
        nonce: new Uint8Array(0),
        payload: {
          height: 1,
          block: (block.envelope as Envelope<'proposal'>).payload.block,
          certificate: [Uint8Array.of(1, 2, 3)],
        },
      }),
    )
    await c.clock.run(TIMEOUTS.propose)
    const announcers = c.net.published
      .filter((p) => p.envelope.type === 'commit' && (p.envelope as Envelope<'commit'>).payload.height === 1)
      .filter((p) => (p.envelope as Envelope<'commit'>).payload.certificate.length > 1)
      .map((p) => toHex(p.envelope.signer))
    const others = c.members.map((m) => m.id).filter((id) => id !== author)
    expect(announcers.filter((id) => id !== author).sort()).toEqual(others.sort())
    expect(commits[0].hash).toBe(toHex(blockHash((block.envelope as Envelope<'proposal'>).payload.block)))
  })

  it("moves to round 1 when round 0's proposal never arrives, and commits the round-1 proposer's block there", async () => {
    const c = await newCluster()
    const silent = proposer(c.committee, 1, 0)
    const next = proposer(c.committee, 1, 1)
    expect(next).not.toBe(silent)
    c.net.drop((m) => m.from === silent && m.envelope.type === 'proposal')
    const members = c.startAll()

    await c.clock.run(FIRST_HEIGHT_AT - c.clock.now())
    // The proposer sent its proposal (dropped on the way) and prevoted for its block; the
    // others wait for the proposal until their propose timeout.
    expect(c.net.published.filter((p) => p.envelope.type === 'proposal').map((p) => p.from)).toEqual([silent])
    expect(c.net.counters.get('dropped')).toBe(3)
    for (const m of members.filter((x) => x.id !== silent)) expect(votesOf(c.net.published, m.id)).toEqual([])
    expect(members.some((m) => m.commits.length > 0)).toBe(false)

    const commits = await c.eventually(
      Promise.all(members.map((m) => commitAt(m, 1))),
      'every member commits height 1 in a later round',
      10_000,
    )
    // Round 0 ends on timeouts alone: the propose timeout (nil prevotes, then nil precommits
    // from everyone), then the precommit timeout; round 1 decides in its first instant.
    expect(c.clock.now() - FIRST_HEIGHT_AT).toBe(TIMEOUTS.propose + TIMEOUTS.precommit)

    // Round 0: the members that never saw the proposal prevoted nil once their timeout fired.
    for (const m of members.filter((x) => x.id !== silent)) {
      const round0 = votesOf(c.net.published, m.id)
        .map(payloadOf)
        .filter((v) => v.round === 0 && v.step === 'prevote')
      expect(round0.map((v) => v.blockHash)).toEqual([null])
    }
    const hash = commits[0].hash
    expect(commits.map((e) => e.hash)).toEqual(Array(4).fill(hash))
    expect(commits[0].block.proposer).toBe(next)
    // The certificate is of round 1; the block round 0's proposer built was never decided.
    for (const m of members) {
      const cert = storedCertificate(m, 1)
      expect(cert.length).toBeGreaterThanOrEqual(3)
      for (const v of cert)
        expect({ round: v.round, step: v.step, blockHash: hexOf(v.blockHash) }).toEqual({
          round: 1,
          step: 'precommit',
          blockHash: hash,
        })
    }
    const silentProposal = c.net.published.find((p) => p.envelope.type === 'proposal' && p.from === silent)!
    expect(toHex((silentProposal.envelope as Envelope<'proposal'>).payload.blockHash)).not.toBe(hash)
  })

  it('ignores a vote for a height already committed, and one for a round beyond the bound, leaving the chain as it was', async () => {
    const c = await newCluster()
    const members = c.startAll()
    const [first] = await commitFirstHeight(c)
    const [sender, ...receivers] = members
    const before = receivers.map((m) => ({
      chain: m.driver.chain,
      stored: m.store.latestHeight(),
      outOfRange: m.driver.counters.get('consensus-input-out-of-range'),
      delivered: m.endpoint.validationCounters.snapshot(),
    }))
    expect(before.map((b) => b.outOfRange)).toEqual([0, 0, 0])

    // A precommit for nil at height 1, round 0, where the sender precommitted the block: a
    // conflicting vote the transport delivers (as possible evidence), for a decided height.
    const stale = sender.endpoint.sign({
      type: 'vote',
      chainId: CHAIN_ID,
      topicId: '',
      epoch: 1,
      nonce: new Uint8Array(0),
      payload: { height: 1, round: 0, step: 'precommit', blockHash: null },
    })
    // A prevote for the next height, beyond the rounds a member keeps ahead of its own.
    const far = MAX_FUTURE_ROUNDS + 1
    const ahead = sender.endpoint.sign({
      type: 'vote',
      chainId: CHAIN_ID,
      topicId: '',
      epoch: 2,
      nonce: new Uint8Array(0),
      payload: { height: 2, round: far, step: 'prevote', blockHash: null },
    })
    await sender.endpoint.publish(stale)
    await sender.endpoint.publish(ahead)
    await c.clock.run(0)

    receivers.forEach((m, i) => {
      // Both reached the driver (the transport accepted them: one as a conflicting vote) ...
      const counts = m.endpoint.validationCounters
      expect(counts.get('accept:equivocation') - (before[i].delivered['accept:equivocation'] ?? 0)).toBe(1)
      expect(counts.get('accept:ok') - (before[i].delivered['accept:ok'] ?? 0)).toBe(1)
      // ... which counted them out of range and changed nothing.
      expect(m.driver.counters.get('consensus-input-out-of-range')).toBe(before[i].outOfRange + 2)
      expect(m.driver.chain).toBe(before[i].chain)
      expect(m.store.latestHeight()).toBe(before[i].stored)
      expect(m.driver.counters.get('evidence')).toBe(0)
      expect(m.store.pendingEvidence()).toEqual([])
      expect(m.commits).toHaveLength(1)
    })

    // The next height goes on from the same block, decided in its round 0 with no evidence.
    const second = await c.eventually(
      Promise.all(members.map((m) => commitAt(m, 2))),
      'every member commits height 2',
      2 * TOPIC.epochMs,
    )
    expect(new Set(second.map((e) => e.hash)).size).toBe(1)
    expect(second[0].block.prevHash).toBe(first.hash)
    expect(second[0].block.evidence).toEqual([])
    for (const m of receivers) expect(storedCertificate(m, 2).every((v) => v.round === 0)).toBe(true)
  })

  it('replays its log after a restart inside a height: the same votes, byte for byte, and the same decision', async () => {
    const c = await newCluster()
    const victim = c.identities.map((i) => toHex(i.publicKey)).find((id) => id !== proposer(c.committee, 1, 0))!
    const dir = c.tempDir()
    // The victim gets no precommit and no commit notice: it votes, but cannot decide.
    const stopHolding = c.net.hold(
      (m) =>
        m.to === victim &&
        ((m.envelope.type === 'vote' && (m.envelope as Envelope<'vote'>).payload.step === 'precommit') ||
          m.envelope.type === 'commit'),
    )
    c.startAll(new Map([[victim, dir]]))
    const first = c.member(victim)
    const others = c.members.filter((m) => m !== first)

    const commits = await c.eventually(
      Promise.all(others.map((m) => commitAt(m, 1))),
      'the other members commit height 1',
      FIRST_HEIGHT_AT - c.clock.now(),
    )
    const hash = commits[0].hash
    expect(first.commits).toEqual([])
    expect(first.driver.chain.height).toBe(0)
    // It prevoted and precommitted the block; both votes are in its store, its log holds the height.
    const sent = votesOf(c.net.published, victim)
    expect(sent.map((p) => [payloadOf(p).round, payloadOf(p).step, hexOf(payloadOf(p).blockHash)])).toEqual([
      [0, 'prevote', hash],
      [0, 'precommit', hash],
    ])
    expect(first.store.wal(1).length).toBeGreaterThan(0)

    c.stop(first)
    const mark = c.net.published.length
    const duplicatesBefore = c.net.counters.get('duplicate')
    const second = c.start(c.identities.find((i) => toHex(i.publicKey) === victim)!, dir)
    expect(second.driver.chain.height).toBe(0)
    // The height starts at once (its epoch closed long ago), replaying the log.
    await c.clock.run(0)

    const resent = votesOf(c.net.published.slice(mark), victim)
    expect(resent.map((p) => toHex(p.bytes))).toEqual(sent.map((p) => toHex(p.bytes)))
    expect(c.net.published.slice(mark).filter((p) => p.from === victim && p.envelope.type !== 'vote')).toEqual([])
    expect(second.driver.counters.get('own-vote-conflict-refused')).toBe(0)
    expect(second.driver.counters.get('self-equivocation-refused')).toBe(0)
    // Same bytes, same message ids: every peer drops the copies as already seen.
    expect(c.net.counters.get('duplicate') - duplicatesBefore).toBe(resent.length * others.length)

    // The precommits arrive (the commit notices stay held): the replayed machine decides the same block.
    stopHolding()
    expect(c.net.release((m) => m.envelope.type === 'vote')).toBe(3)
    const decided = await c.eventually(commitAt(second, 1), 'the restarted member commits height 1', 0)
    expect(decided.hash).toBe(hash)
    expect(c.net.heldMessages.every((m) => m.envelope.type === 'commit')).toBe(true)
    // Its certificate carries its own precommit as first signed, before the restart.
    const stored = certificateVotes(second.store.block(1)!.certificate).map((b) => toHex(b))
    expect(stored).toContain(toHex(sent[1].bytes))
  })

  it('refuses, after a restart that lost its log, to sign a vote that differs from one it signed', async () => {
    const c = await newCluster()
    const victim = c.identities.map((i) => toHex(i.publicKey)).find((id) => id !== proposer(c.committee, 1, 0))!
    const dir = c.tempDir()
    c.net.hold(
      (m) =>
        m.to === victim &&
        ((m.envelope.type === 'vote' && (m.envelope as Envelope<'vote'>).payload.step === 'precommit') ||
          m.envelope.type === 'commit'),
    )
    c.startAll(new Map([[victim, dir]]))
    await c.eventually(
      Promise.all(c.members.filter((m) => m.id !== victim).map((m) => commitAt(m, 1))),
      'the other members commit height 1',
      FIRST_HEIGHT_AT - c.clock.now(),
    )
    const first = c.member(victim)
    const sent = votesOf(c.net.published, victim).map((p) => toHex(p.bytes))
    expect(sent).toHaveLength(2)
    c.stop(first)

    // The log is lost (a disk fault), the signed votes are not: the restarted member starts
    // the height afresh, never sees the proposal again, and would prevote nil at its timeout.
    // ChainStore has no way to drop a log, so the fault goes through SQLite (its file and table).
    const db = new Database(join(dir, 'chain.sqlite'))
    expect(db.prepare('DELETE FROM wal').run().changes).toBeGreaterThan(0)
    db.close()
    // Sync requests stay unanswered, so it cannot learn the block another way meanwhile.
    c.net.blockRequests((r) => r.from === victim)
    const mark = c.net.published.length
    const second = c.start(c.identities.find((i) => toHex(i.publicKey) === victim)!, dir)
    await c.clock.runUntil(
      () => second.driver.counters.get('own-vote-conflict-refused') > 0,
      'the conflicting prevote refused',
      TIMEOUTS.propose,
    )

    // Nothing it sent after the restart differs from what it had signed before.
    const after = votesOf(c.net.published.slice(mark), victim).map((p) => toHex(p.bytes))
    for (const bytes of after) expect(sent).toContain(bytes)
    expect(second.commits).toEqual([])
  })
})
