/**
 * Loaded (`--import`) into the `chorus node` process the soak suite measures: appends the
 * process's memory to the file CHORUS_SOAK_SAMPLES names, one JSON line every
 * CHORUS_SOAK_SAMPLE_MS (wall-clock time `t` in ms; sizes in bytes), each after a full garbage
 * collection (as the suite does for the cluster). The timer is unref'd, so it never keeps the
 * process alive; without the variable it does nothing.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Kernel counters of this process's resident memory, in bytes (NaN where /proc has none). */
function residentParts(): { readonly rssAnon: number; readonly rssFile: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024
    return { rssAnon: kib('RssAnon'), rssFile: kib('RssFile') + kib('RssShmem') }
  } catch {
    return { rssAnon: Number.NaN, rssFile: Number.NaN }
  }
}

/**
 * This process's memory in bytes: RSS split into anonymous memory (the JS heap, malloc) and
 * file-backed memory (code, mapped files), the JS heap used and committed, external memory
 * and ArrayBuffers.
 */
export function memoryNow(): Record<
  'rss' | 'rssAnon' | 'rssFile' | 'heap' | 'heapTotal' | 'external' | 'arrayBuffers',
  number
> {
  const m = process.memoryUsage()
  return {
    rss: m.rss,
    ...residentParts(),
    heap: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  }
}

const file = process.env.CHORUS_SOAK_SAMPLES
if (file !== undefined && file !== '') {
  const every = Number(process.env.CHORUS_SOAK_SAMPLE_MS ?? 5000)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  setInterval(() => {
    gc()
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), ...memoryNow() })}\n`)
  }, every).unref()
}
