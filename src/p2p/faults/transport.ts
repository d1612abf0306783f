/**
 * `faultyTransport(inner, faults)`: a libp2p transport that is `inner` with the fault layer
 * in front. It hands the inner transport an upgrader that wraps every raw connection
 * (dialled or accepted) before the upgrade, so the connection's outbound bytes meet their
 * link's conditions, and it gives every upgraded connection of the host to the layer, whose
 * outbound gossip streams then meet frame faults. With no faults configured every byte
 * passes as it came (the transport compliance suite runs against it).
 */
import {
  isStartable,
  serviceCapabilities,
  transportSymbol,
  type AbortOptions,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type MultiaddrConnection,
  type PeerId,
  type Startable,
  type Transport,
  type Upgrader,
} from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NetworkFaults } from './network-faults.js'

/** What the wrapper needs of the host's components, besides what the inner transport needs. */
export interface FaultyTransportComponents {
  readonly events: {
    addEventListener(type: 'connection:open', listener: (event: CustomEvent<Connection>) => void): void
    removeEventListener(type: 'connection:open', listener: (event: CustomEvent<Connection>) => void): void
  }
  readonly connectionManager: {
    openConnection(peer: PeerId, options?: AbortOptions): Promise<Connection>
  }
}

function wrapUpgrader(upgrader: Upgrader, faults: NetworkFaults): Upgrader {
  // Every call looks the inner method up again, so a host (or a test) that replaces one of
  // the upgrader's methods is obeyed.
  return {
    upgradeOutbound: (maConn: MultiaddrConnection, opts) => upgrader.upgradeOutbound(faults.wrapRaw(maConn), opts),
    upgradeInbound: (maConn: MultiaddrConnection, opts) => upgrader.upgradeInbound(faults.wrapRaw(maConn), opts),
    createInboundAbortSignal: (signal) => upgrader.createInboundAbortSignal(signal),
    getStreamMuxers: () => upgrader.getStreamMuxers(),
    getConnectionEncrypters: () => upgrader.getConnectionEncrypters(),
  }
}

class FaultyTransport implements Transport, Startable {
  readonly [transportSymbol] = true as const
  readonly [serviceCapabilities]: string[]
  private detach: (() => void) | undefined
  private readonly onOpen = (event: CustomEvent<Connection>): void => this.faults.watchConnection(event.detail)

  constructor(
    private readonly inner: Transport,
    private readonly faults: NetworkFaults,
    private readonly components: FaultyTransportComponents,
  ) {
    // What the inner transport provides (e.g. '@libp2p/transport'), services may depend on.
    this[serviceCapabilities] = [
      ...((inner as Partial<Record<typeof serviceCapabilities, string[]>>)[serviceCapabilities] ?? []),
    ]
  }

  get [Symbol.toStringTag](): string {
    return `${this.inner[Symbol.toStringTag]}+faults`
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => this.inner.listenFilter(multiaddrs)
  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => this.inner.dialFilter(multiaddrs)

  dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    return this.inner.dial(ma, { ...options, upgrader: wrapUpgrader(options.upgrader, this.faults) })
  }

  createListener(options: CreateListenerOptions): Listener {
    return this.inner.createListener({ ...options, upgrader: wrapUpgrader(options.upgrader, this.faults) })
  }

  async beforeStart(): Promise<void> {
    if (isStartable(this.inner)) await this.inner.beforeStart?.()
  }

  async start(): Promise<void> {
    this.components.events.addEventListener('connection:open', this.onOpen)
    this.detach = this.faults.attachHost({
      redial: async (peer) => {
        await this.components.connectionManager.openConnection(peerIdFromString(peer))
      },
    })
    if (isStartable(this.inner)) await this.inner.start()
  }

  async afterStart(): Promise<void> {
    if (isStartable(this.inner)) await this.inner.afterStart?.()
  }

  async beforeStop(): Promise<void> {
    if (isStartable(this.inner)) await this.inner.beforeStop?.()
  }

  async stop(): Promise<void> {
    this.components.events.removeEventListener('connection:open', this.onOpen)
    this.detach?.()
    this.detach = undefined
    if (isStartable(this.inner)) await this.inner.stop()
  }

  async afterStop(): Promise<void> {
    if (isStartable(this.inner)) await this.inner.afterStop?.()
  }
}

/**
 * The inner transport factory (e.g. `tcp()`) with the fault layer in front; give the host
 * `faults.connectionGater` too, which binds connections to peers and refuses cut ones.
 */
export function faultyTransport<C>(
  inner: (components: C) => Transport,
  faults: NetworkFaults,
): (components: C & FaultyTransportComponents) => Transport {
  return (components) => new FaultyTransport(inner(components), faults, components)
}
