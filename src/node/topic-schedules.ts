/**
 * A node's topic clocks and configs follow the chain: when governance changes a topic's epoch
 * length, the block that applies it gives the topic a new schedule (from the epoch after
 * next), and every role of the node (its worker's timing, its validator's windows) must time
 * epochs by it. Checked once at start (a restored chain may hold changes) and after every
 * block this node commits or adopts.
 */
import type { ConsensusDriver } from '../consensus/driver/driver.js'
import type { TopicRuntime } from '../topic/windows.js'

/** Keep `runtimes` (which may grow) on the schedules of `driver`'s chain. */
export function followTopicSchedules(driver: ConsensusDriver, runtimes: readonly TopicRuntime[]): void {
  const follow = (): void => {
    for (const runtime of runtimes) {
      const run = driver.chain.topics.get(runtime.config.id)
      if (run === undefined) continue
      runtime.clock.follow(run.schedule)
      if (runtime.config.epochMs !== run.config.epochMs)
        runtime.config = {
          ...runtime.config,
          epochMs: run.config.epochMs,
          submissionWindowMs: run.config.submissionWindowMs,
        }
    }
  }
  follow()
  driver.events.on('commit', follow)
}
