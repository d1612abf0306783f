/**
 * The dashboard a node serves at `/` with `--api`: a page, its script and style (dashboard/ in
 * the package) and the uPlot chart library (from node_modules), read once at start and served
 * from memory; no CDN, the machine may have no internet. The page reads the chain's recent
 * blocks from `GET /v1/dashboard/history`, then follows `GET /v1/events`.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { decodeBlock } from '../consensus/chain/block.js'
import { toHex } from '../wire/index.js'
import { packageFile } from '../util/package-files.js'
import { liveBlockFrom, liveBlockOf, type LiveBlock } from './live-block.js'
import type { ApiNode, CommitEvent } from './node.js'

export interface Asset {
  readonly type: string
  readonly body: Buffer
}

/** The page and the files it loads, by the name it loads them with. */
export function dashboardAssets(): { readonly page: Asset; readonly files: ReadonlyMap<string, Asset> } {
  const uplot = createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js')
  const read = (path: string, type: string): Asset => ({ type, body: readFileSync(path) })
  return {
    page: read(packageFile('dashboard/index.html'), 'text/html; charset=utf-8'),
    files: new Map([
      ['app.js', read(packageFile('dashboard/app.js'), 'text/javascript; charset=utf-8')],
      ['style.css', read(packageFile('dashboard/style.css'), 'text/css; charset=utf-8')],
      ['uPlot.esm.js', read(uplot, 'text/javascript; charset=utf-8')],
      ['uPlot.min.css', read(uplot.replace(/uPlot\.esm\.js$/, 'uPlot.min.css'), 'text/css; charset=utf-8')],
    ]),
  }
}

/**
 * The last `capacity` blocks as the live stream tells them: the ones committed while the
 * server runs, and older ones read from the store once, when a page first asks for them.
 */
export class RecentBlocks {
  private readonly byHeight = new Map<number, LiveBlock>()

  constructor(
    private readonly node: ApiNode,
    readonly capacity = 1000,
  ) {}

  onCommit(commit: CommitEvent): LiveBlock {
    const live = liveBlockOf(commit)
    this.byHeight.set(live.height, live)
    this.byHeight.delete(live.height - this.capacity)
    return live
  }

  /** Up to `limit` blocks up to the tip, oldest first. */
  latest(limit: number): LiveBlock[] {
    const tip = this.node.chain().height
    return this.range(Math.max(1, tip - Math.min(limit, this.capacity) + 1), limit)
  }

  /** Up to `limit` blocks from height `from` on (fewer at the tip), oldest first. */
  range(from: number, limit: number): LiveBlock[] {
    const tip = this.node.chain().height
    const out: LiveBlock[] = []
    for (let h = Math.max(1, from); h <= tip && out.length < Math.min(limit, this.capacity); h++) {
      let live = this.byHeight.get(h)
      if (live === undefined) {
        const stored = this.node.block(h)
        if (stored === undefined) continue
        live = liveBlockFrom(decodeBlock(stored.bytes), toHex(stored.hash), null)
        if (h > tip - this.capacity) this.byHeight.set(h, live)
      }
      out.push(live)
    }
    this.trim(tip)
    return out
  }

  private trim(tip: number): void {
    for (const h of this.byHeight.keys()) if (h <= tip - this.capacity) this.byHeight.delete(h)
  }
}
