/**
 * Files shipped with the package (configs/, default topics), found from the package root
 * wherever the code runs from: the sources under src/, or the build under dist/src/.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** The directory of this package's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'chorus') {
      root = dir
      return dir
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find the chorus package root above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

/** A path under the package root, e.g. `packageFile('configs/topics/default.json')`. */
export function packageFile(relative: string): string {
  return join(packageRoot(), relative)
}
