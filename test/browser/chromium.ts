/**
 * Where the browser tests find Chromium, and what they do without it: skip, saying so, unless
 * CHORUS_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium) makes it a failure.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const chromiumPath =
  process.env.CHORUS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-headless-shell'].find((p) => existsSync(p))

/** Skip the test (or fail it, in CI) when there is no Chromium. */
export function requireChromium(ctx: { skip(note: string): void }): void {
  if (chromiumPath !== undefined) return
  if (process.env.CHORUS_REQUIRE_BROWSER === '1')
    throw new Error('Chromium is missing: apt-get install chromium (or set CHORUS_CHROMIUM)')
  ctx.skip('no Chromium installed (apt-get install chromium, or set CHORUS_CHROMIUM): browser test skipped')
}

/** Headless, no sandbox (CI runs as root), no GPU, no background networking. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-background-networking'],
  })
}
