/**
 * The node's embedded store (SQLite via better-sqlite3, under the data dir): committed blocks
 * with their commit certificates, the state after the latest block, evidence, and the votes
 * this node signed. A committed block and the state it produces are written in one
 * transaction, so a crash at any moment leaves either the old height or the new one.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export class StoreError extends Error {
  override readonly name = 'StoreError'
}

export interface StoredBlock {
  readonly height: number
  readonly hash: Uint8Array
  readonly bytes: Uint8Array
  readonly certificate: Uint8Array
}

export interface CommitWrite extends StoredBlock {
  /** State entries (key → canonical bytes) as they are after this block. */
  readonly state: ReadonlyMap<string, Uint8Array>
  /** The envelopes the block references (id hex → bytes), so the chain can be replayed. */
  readonly messages?: ReadonlyMap<string, Uint8Array>
  /** Ids of queued evidence this block includes. */
  readonly includedEvidence?: readonly Uint8Array[]
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, bytes BLOB NOT NULL, certificate BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (id BLOB PRIMARY KEY, bytes BLOB NOT NULL, included_height INTEGER);
CREATE TABLE IF NOT EXISTS wal (height INTEGER NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (height, seq));
CREATE TABLE IF NOT EXISTS own_votes (height INTEGER NOT NULL, round INTEGER NOT NULL, step TEXT NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (height, round, step));
`

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * A throwaway store (`':memory:'`) is SQLite's anonymous temporary database, not an in-memory
 * one: its pages beyond the page cache go to a temporary file, which SQLite deletes when the
 * store is closed (or the process dies). A node without a data dir still keeps every block and
 * the messages it names (~20 KB a height on the default topic, every node of a local cluster
 * its own copy), and held in memory that grew by gigabytes an hour; here memory holds the
 * page cache only.
 */
const THROWAWAY = ''

/**
 * Page cache of a throwaway store, in KiB (SQLite's default here is 16 MB). Its reads are near
 * the head of the chain (the last blocks, the messages of the blocks being adopted), so a small
 * cache serves them, and a local cluster runs a store per node: twelve 16 MB caches would
 * hold 190 MB of a cluster's memory.
 */
const THROWAWAY_CACHE_KIB = 2048

export class ChainStore {
  /** Prepared statements by SQL text: a fixed set (the constant strings below), prepared once. */
  private readonly statements = new Map<string, Database.Statement>()
  private readonly commitTx: (write: CommitWrite) => void

  private constructor(private readonly db: Database.Database) {
    this.commitTx = db.transaction((w: CommitWrite) => this.writeCommit(w))
  }

  /**
   * Open (or create) `<dir>/chain.sqlite`. `':memory:'` gives a throwaway store (tests, and
   * nodes without a data dir), kept in a temporary file that is deleted on close.
   */
  static open(dir: string): ChainStore {
    let db: Database.Database
    try {
      if (dir === ':memory:') db = new Database(THROWAWAY)
      else {
        mkdirSync(dir, { recursive: true })
        db = new Database(join(dir, 'chain.sqlite'))
      }
      // WAL journal with synchronous=NORMAL: a committed transaction survives the process being
      // killed at any moment (the OS holds what was written); only a power cut can lose the
      // last few transactions, and those (received messages, blocks) can be fetched again
      // from peers. The one write that must survive a power cut too is the node's own vote
      // (recordOwnVote syncs it): losing it could make the node sign a different vote.
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      if (dir === ':memory:') db.pragma(`cache_size = -${THROWAWAY_CACHE_KIB}`)
      db.exec(SCHEMA)
    } catch (err) {
      throw new StoreError(`cannot open the store in ${dir}: ${(err as Error).message}`)
    }
    return new ChainStore(db)
  }

  close(): void {
    this.db.close()
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text)
    if (statement === undefined) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  latestHeight(): number {
    const row = this.sql('SELECT MAX(height) AS h FROM blocks').get() as { h: number | null }
    return row.h ?? 0
  }

  block(height: number): StoredBlock | undefined {
    const row = this.sql('SELECT height, hash, bytes, certificate FROM blocks WHERE height = ?').get(height) as
      | { height: number; hash: Buffer; bytes: Buffer; certificate: Buffer }
      | undefined
    return row === undefined
      ? undefined
      : { height: row.height, hash: u8(row.hash), bytes: u8(row.bytes), certificate: u8(row.certificate) }
  }

  stateValue(key: string): Uint8Array | undefined {
    const row = this.sql('SELECT value FROM state WHERE key = ?').get(key) as { value: Buffer } | undefined
    return row === undefined ? undefined : u8(row.value)
  }

  /**
   * Store a committed block and the state after it, atomically. Heights must follow on from
   * the latest one: a gap or a second block at one height is a bug and throws.
   */
  commit(write: CommitWrite): void {
    this.commitTx(write)
  }

  private writeCommit(w: CommitWrite): void {
    const expected = this.latestHeight() + 1
    if (w.height !== expected) throw new StoreError(`block ${w.height} does not follow height ${expected - 1}`)
    this.sql('INSERT INTO blocks (height, hash, bytes, certificate) VALUES (?, ?, ?, ?)').run(
      w.height,
      w.hash,
      w.bytes,
      w.certificate,
    )
    const put = this.sql(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    )
    for (const [key, value] of [...w.state].sort(([a], [b]) => (a < b ? -1 : 1))) put.run(key, value)
    const msg = this.sql('INSERT OR IGNORE INTO messages (id, bytes) VALUES (?, ?)')
    for (const [id, bytes] of w.messages ?? []) msg.run(id, bytes)
    const ev = this.sql('UPDATE evidence SET included_height = ? WHERE id = ?')
    for (const id of w.includedEvidence ?? []) ev.run(w.height, id)
    // The log of this height and below is no longer needed once its block is stored.
    this.sql('DELETE FROM wal WHERE height <= ?').run(w.height)
  }

  message(idHex: string): Uint8Array | undefined {
    const row = this.sql('SELECT bytes FROM messages WHERE id = ?').get(idHex) as { bytes: Buffer } | undefined
    return row === undefined ? undefined : u8(row.bytes)
  }

  /**
   * Append one consensus input of `height` to the write-ahead log. It is on disk before the
   * state machine sees it, so a restarted node replays the height to the same state (and the
   * same votes) instead of voting afresh.
   */
  appendWal(height: number, bytes: Uint8Array): void {
    this.sql(
      'INSERT INTO wal (height, seq, bytes) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM wal WHERE height = ?), ?)',
    ).run(height, height, bytes)
  }

  wal(height: number): Uint8Array[] {
    const rows = this.sql('SELECT bytes FROM wal WHERE height = ? ORDER BY seq').all(height) as {
      bytes: Buffer
    }[]
    return rows.map((r) => u8(r.bytes))
  }

  /**
   * Remember a vote this node signed, before it is sent: after a crash, even a power cut, it
   * must not sign a different one. This write alone is synced to disk (synchronous=FULL,
   * ~0.2 ms here), so a vote is never sent that a reboot could forget.
   */
  recordOwnVote(height: number, round: number, step: string, bytes: Uint8Array): void {
    this.db.pragma('synchronous = FULL')
    try {
      this.sql('INSERT OR IGNORE INTO own_votes (height, round, step, bytes) VALUES (?, ?, ?, ?)').run(
        height,
        round,
        step,
        bytes,
      )
    } finally {
      this.db.pragma('synchronous = NORMAL')
    }
  }

  ownVote(height: number, round: number, step: string): Uint8Array | undefined {
    const row = this.sql('SELECT bytes FROM own_votes WHERE height = ? AND round = ? AND step = ?').get(
      height,
      round,
      step,
    ) as { bytes: Buffer } | undefined
    return row === undefined ? undefined : u8(row.bytes)
  }

  addEvidence(id: Uint8Array, bytes: Uint8Array): void {
    this.sql('INSERT OR IGNORE INTO evidence (id, bytes, included_height) VALUES (?, ?, NULL)').run(id, bytes)
  }

  /** Evidence not yet put into a block, oldest first. */
  pendingEvidence(limit = 16): { id: Uint8Array; bytes: Uint8Array }[] {
    const rows = this.sql('SELECT id, bytes FROM evidence WHERE included_height IS NULL ORDER BY rowid LIMIT ?').all(
      limit,
    ) as { id: Buffer; bytes: Buffer }[]
    return rows.map((r) => ({ id: u8(r.id), bytes: u8(r.bytes) }))
  }

  markEvidenceIncluded(id: Uint8Array, height: number): void {
    this.sql('UPDATE evidence SET included_height = ? WHERE id = ?').run(height, id)
  }
}
