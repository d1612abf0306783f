/**
 * Live updates for the dashboard, as server-sent events: each event is serialised once and
 * written to every client. Bounded so that no client can slow the node: at most `maxClients`
 * streams (the next is turned away), and a client that does not read (its response buffers
 * past `maxBufferedBytes`) is dropped rather than buffered for. A comment line every
 * `heartbeatMs` keeps proxies from closing an idle stream and finds clients that are gone.
 */

/** Where the hub writes a client's stream: an HTTP response (`reply.raw`), or a fake in tests. */
export interface LiveSink {
  write(chunk: string): boolean
  /** Bytes written but not yet sent. */
  readonly writableLength: number
  destroy(): void
  once(event: 'close', listener: () => void): unknown
}

export interface LiveHubOptions {
  /** @default 32 */
  readonly maxClients?: number
  /** @default 1 MiB */
  readonly maxBufferedBytes?: number
  /** @default 15000 */
  readonly heartbeatMs?: number
}

export interface LiveStats {
  readonly clients: number
  /** Clients turned away because the hub was full. */
  readonly refused: number
  /** Clients dropped because they did not read. */
  readonly dropped: number
}

export class LiveHub {
  private readonly clients = new Set<LiveSink>()
  private readonly maxClients: number
  private readonly maxBufferedBytes: number
  private readonly heartbeat: NodeJS.Timeout
  private refused = 0
  private dropped = 0
  private closed = false

  constructor(options: LiveHubOptions = {}) {
    this.maxClients = options.maxClients ?? 32
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024
    this.heartbeat = setInterval(() => this.send(': ping\n\n'), options.heartbeatMs ?? 15_000)
    this.heartbeat.unref()
  }

  get stats(): LiveStats {
    return { clients: this.clients.size, refused: this.refused, dropped: this.dropped }
  }

  /** Whether a client would be turned away now. */
  get full(): boolean {
    return this.closed || this.clients.size >= this.maxClients
  }

  /** Take a client's stream; false (and nothing written) when the hub is full or closed. */
  add(sink: LiveSink): boolean {
    if (this.full) {
      this.refused++
      return false
    }
    this.clients.add(sink)
    sink.once('close', () => this.clients.delete(sink))
    // EventSource reconnects after this long when the stream ends.
    this.write(sink, 'retry: 5000\n\n')
    return true
  }

  /** Send an event to every client. */
  publish(event: string, data: unknown, id?: number): void {
    if (this.clients.size === 0) return
    const head = id === undefined ? '' : `id: ${id}\n`
    this.send(`${head}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  /** End every stream and refuse new ones. */
  close(): void {
    this.closed = true
    clearInterval(this.heartbeat)
    for (const sink of this.clients) sink.destroy()
    this.clients.clear()
  }

  private send(chunk: string): void {
    for (const sink of this.clients) this.write(sink, chunk)
  }

  private write(sink: LiveSink, chunk: string): void {
    sink.write(chunk)
    if (sink.writableLength > this.maxBufferedBytes) {
      this.dropped++
      this.clients.delete(sink)
      sink.destroy()
    }
  }
}
