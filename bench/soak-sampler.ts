/**
 * Loaded (`--import`) into the `chorus node` process the soak suite measures: appends the
 * process's memory to the file CHORUS_SOAK_SAMPLES names, one JSON line every
 * CHORUS_SOAK_SAMPLE_MS (wall-clock time `t` in ms; sizes in bytes), each after a full garbage
 * collection (as the suite does for the cluster). The timer is unref'd, so it never keeps the
 * process alive; without the variable it does nothing.
 */
import { appendFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const file = process.env.CHORUS_SOAK_SAMPLES
if (file !== undefined && file !== '') {
  const every = Number(process.env.CHORUS_SOAK_SAMPLE_MS ?? 5000)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  setInterval(() => {
    gc()
    const m = process.memoryUsage()
    const line = { t: Date.now(), rss: m.rss, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
    appendFileSync(file, `${JSON.stringify(line)}\n`)
  }, every).unref()
}
