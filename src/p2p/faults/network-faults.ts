/**
 * The network fault layer of one node: link conditions towards its peers, cuts, the seeded
 * randomness behind every decision, and its counters. The node is built with
 * `faultyTransport(tcp(), faults)` and `faults.connectionGater` (src/p2p/node.ts does both
 * when `ChorusNodeOptions.faults` is set); a chaos runner drives it with `apply(command)`.
 */
import type { Connection, ConnectionGater, MultiaddrConnection, PeerId, Stream } from '@libp2p/interface'
import { Counters } from '../../util/counters.js'
import {
  checkPeerIds,
  FaultCommandError,
  parseFaultCommand,
  parseLinkConditions,
  type FaultCommand,
  type LinkConditions,
} from './commands.js'
import { faultyFrames, isGossipProtocol } from './gossip-frames.js'
import { PeerLink } from './link.js'
import { ShapedConnection } from './shaped-connection.js'
import { faultStats, type FaultStatKey, type FaultStats } from './stats.js'

export interface NetworkFaultsOptions {
  /** Every random decision of the layer derives from it (with the peer id of the link). */
  readonly seed: number
}

/** What a libp2p host built with the layer lets it do (the transport attaches one). */
export interface FaultHost {
  /** Connect to a peer again (its addresses are in the host's peer store). */
  redial(peer: string): Promise<void>
}

const NO_CONDITIONS: LinkConditions = Object.freeze({})

export class NetworkFaults {
  readonly seed: number
  /**
   * Refuses cut peers both ways (dials, and inbound connections once the handshake names the
   * peer), and binds each raw connection to its peer once upgraded: conditions apply from
   * then on, never to the handshake.
   */
  readonly connectionGater: ConnectionGater
  private readonly counters = new Counters<FaultStatKey>()
  private defaultConditions: LinkConditions = NO_CONDITIONS
  private readonly peerConditions = new Map<string, LinkConditions>()
  private readonly cutPeers = new Set<string>()
  private readonly links = new Map<string, PeerLink>()
  /** Upgraded raw connections by peer: what a cut closes. */
  private readonly live = new Map<string, Set<ShapedConnection>>()
  private readonly shaped = new WeakMap<MultiaddrConnection, ShapedConnection>()
  /** Peers whose connections a cut closed: a heal dials them again. */
  private readonly disconnectedByCut = new Set<string>()
  private readonly hosts = new Set<FaultHost>()

  constructor(options: NetworkFaultsOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new FaultCommandError(`seed must be an integer, got ${options.seed}`)
    this.seed = options.seed
    const refuse = (peer: PeerId, counter: FaultStatKey): boolean => {
      if (!this.cutPeers.has(peer.toString())) return false
      this.counters.inc(counter)
      return true
    }
    this.connectionGater = {
      denyDialPeer: (peer) => refuse(peer, 'dialsRefused'),
      denyOutboundEncryptedConnection: (peer) => refuse(peer, 'dialsRefused'),
      denyInboundEncryptedConnection: (peer) => refuse(peer, 'connectionsRefused'),
      denyOutboundUpgradedConnection: (peer, maConn) => refuse(peer, 'dialsRefused') || this.bind(peer, maConn),
      denyInboundUpgradedConnection: (peer, maConn) => refuse(peer, 'connectionsRefused') || this.bind(peer, maConn),
    }
  }

  /** Run a command from a chaos runner; a malformed one throws a FaultCommandError. */
  apply(command: unknown): void {
    const c: FaultCommand = parseFaultCommand(command)
    switch (c.op) {
      case 'link':
        return this.setLink(c.peer, c.conditions)
      case 'clear':
        return this.clear()
      case 'cut':
        return this.cut(c.peers)
      case 'heal':
        return this.heal(c.peers)
    }
  }

  /** Conditions towards `peer` (undefined: the default for every peer); null removes them. */
  setLink(peer: string | undefined, conditions: LinkConditions | null): void {
    if (peer !== undefined) checkPeerIds([peer])
    const checked = conditions === null ? null : Object.freeze(parseLinkConditions(conditions))
    if (peer === undefined) this.defaultConditions = checked ?? NO_CONDITIONS
    else if (checked === null) this.peerConditions.delete(peer)
    else this.peerConditions.set(peer, checked)
  }

  /** Remove every condition, the default's and each peer's; cuts stay. */
  clear(): void {
    this.defaultConditions = NO_CONDITIONS
    this.peerConditions.clear()
  }

  /** What this node's traffic to `peer` meets now. */
  conditionsFor(peer: string): LinkConditions {
    return this.peerConditions.get(peer) ?? this.defaultConditions
  }

  /**
   * Close every connection to the peers at once and refuse new ones in both directions
   * until they are healed. Nothing more crosses those links, not even bytes already queued.
   */
  cut(peers: readonly string[]): void {
    checkPeerIds(peers)
    for (const peer of peers) {
      this.cutPeers.add(peer)
      const conns = this.live.get(peer)
      if (conns === undefined || conns.size === 0) continue
      this.disconnectedByCut.add(peer)
      for (const conn of [...conns]) {
        this.counters.inc('connectionsCut')
        conn.maConn.abort(new Error(`link to ${peer} cut by the fault layer`))
      }
    }
  }

  /**
   * Accept the peers again (undefined: every cut peer), and dial those whose connections the
   * cut closed: libp2p's own reconnection (of keep-alive peers) gives up after about 30 s of
   * refused attempts, and a partition that heals should not leave its links down.
   */
  heal(peers?: readonly string[]): void {
    if (peers !== undefined) checkPeerIds(peers)
    for (const peer of peers ?? [...this.cutPeers]) {
      this.cutPeers.delete(peer)
      if (!this.disconnectedByCut.delete(peer)) continue
      for (const host of this.hosts) {
        this.counters.inc('redials')
        // A failed redial is what a network does after a heal, too: the peer may be gone.
        host.redial(peer).catch(() => {})
      }
    }
  }

  isCut(peer: string): boolean {
    return this.cutPeers.has(peer)
  }

  /** Every counter of the layer since it was made. */
  stats(): FaultStats {
    return faultStats(this.counters)
  }

  /** @internal The transport wraps each raw connection before the upgrade. */
  wrapRaw(maConn: MultiaddrConnection): MultiaddrConnection {
    const shaped = new ShapedConnection(maConn, this.counters, (conn) => this.forget(conn))
    this.shaped.set(shaped.maConn, shaped)
    return shaped.maConn
  }

  /** @internal The transport hands over each upgraded connection: its gossip streams get frame faults. */
  watchConnection(connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const open = connection.newStream.bind(connection)
    connection.newStream = async (protocols, options) => {
      const stream = await open(protocols, options)
      if (isGossipProtocol(stream.protocol)) this.faultGossipStream(peer, stream)
      return stream
    }
  }

  /** @internal A host that can redial; returns its detach. */
  attachHost(host: FaultHost): () => void {
    this.hosts.add(host)
    return () => this.hosts.delete(host)
  }

  private faultGossipStream(peer: string, stream: Stream): void {
    const sink = stream.sink
    const link = this.linkTo(peer)
    stream.sink = async (source) =>
      sink(
        faultyFrames(
          (async function* () {
            yield* source
          })(),
          link,
          this.counters,
        ),
      )
  }

  private linkTo(peer: string): PeerLink {
    let link = this.links.get(peer)
    if (link === undefined) {
      link = new PeerLink(
        peer,
        this.seed,
        () => this.conditionsFor(peer),
        () => this.cutPeers.has(peer),
      )
      this.links.set(peer, link)
    }
    return link
  }

  /** Never denies: binds the raw connection (one this layer wrapped) to its peer. */
  private bind(peerId: PeerId, maConn: MultiaddrConnection): false {
    const shaped = this.shaped.get(maConn)
    if (shaped === undefined) return false
    const peer = peerId.toString()
    shaped.link = this.linkTo(peer)
    let conns = this.live.get(peer)
    if (conns === undefined) {
      conns = new Set()
      this.live.set(peer, conns)
    }
    conns.add(shaped)
    return false
  }

  private forget(conn: ShapedConnection): void {
    const peer = conn.link?.peer
    if (peer === undefined) return
    const conns = this.live.get(peer)
    conns?.delete(conn)
    if (conns?.size === 0) this.live.delete(peer)
  }
}
