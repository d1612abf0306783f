/**
 * libp2p's own transport compliance suite (@libp2p/interface-compliance-tests 6, the major of
 * the libp2p 2 interfaces) against `faultyTransport(tcp(), faults)` with its connection gater
 * and no fault configured: the fault layer is a libp2p transport like any other.
 *
 * The suite is written for mocha: it calls the globals `describe`, `it` and `afterEach` when
 * it is invoked, and its test bodies use mocha's `this` (`this.skip()`, `this.timeout()`).
 * The globals below hand each body a `this` that maps those onto vitest.
 */
import transportCompliance from '@libp2p/interface-compliance-tests/transport'
import { tcp } from '@libp2p/tcp'
import { TCP } from '@multiformats/multiaddr-matcher'
import { afterAll, afterEach, describe, it, type TestContext } from 'vitest'
import { faultyTransport, NetworkFaults } from '../../../../src/p2p/index.js'

/** The suite's largest budget (its big-transfer cases set 120 s through `this.timeout`). */
const CASE_TIMEOUT_MS = 120_000

interface MochaThis {
  timeout(ms: number): void
  skip(): void
}

type MochaBody = (this: MochaThis) => unknown | Promise<unknown>

const mocha = {
  describe: (name: string, body: () => void) => describe(name, body),
  it: (name: string, body: MochaBody) =>
    it(
      name,
      async (context: TestContext) => {
        const self: MochaThis = {
          // Every case already runs under the largest budget the suite asks for.
          timeout: () => {},
          skip: () => context.skip(),
        }
        await body.call(self)
      },
      CASE_TIMEOUT_MS,
    ),
  afterEach: (body: () => Promise<void>) => afterEach(body, CASE_TIMEOUT_MS),
}

const globals = globalThis as unknown as Record<string, unknown>
Object.assign(globals, mocha)
afterAll(() => {
  for (const name of Object.keys(mocha)) delete globals[name]
})

function hostConfig() {
  const faults = new NetworkFaults({ seed: 1 })
  return {
    transports: [faultyTransport(tcp(), faults)],
    // The suite's own gater allows dialling loopback addresses; ours adds the fault layer's hooks.
    connectionGater: { ...faults.connectionGater, denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false },
  }
}

describe('faultyTransport(tcp()) with no faults: libp2p transport compliance', () => {
  transportCompliance({
    async setup() {
      return {
        dialer: hostConfig(),
        listener: {
          ...hostConfig(),
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] },
        },
        dialMultiaddrMatcher: TCP,
        listenMultiaddrMatcher: TCP,
      }
    },
    async teardown() {},
  })
})
