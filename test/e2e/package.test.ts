/**
 * The package as a user installs it: `npm run build`, `npm pack`, then an install of the
 * tarball into an empty prefix. Its `chorus` bin runs from anywhere (configs are found from
 * the package root) and its entry points load on their own (`chorus`, `chorus/consumer`).
 *
 * The install prefers npm's cache (filled by the `npm ci` that preceded the tests)
 * and skips install scripts; better-sqlite3's compiled addon is then copied from this
 * checkout, since building it again would only test the compiler, not this package.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../utils/cli.js'

const run = promisify(execFile)
const tmp = mkdtempSync(join(tmpdir(), 'chorus-package-'))
const prefix = join(tmp, 'prefix')
const bin = join(prefix, 'node_modules', '.bin', 'chorus')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

beforeAll(async () => {
  await run(npm, ['run', 'build'], { cwd: ROOT })
  await run(npm, ['pack', '--pack-destination', tmp], { cwd: ROOT })
  const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'))
  if (tarball === undefined) throw new Error('npm pack wrote no tarball')
  await run(
    npm,
    [
      'install',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      join(tmp, tarball),
    ],
    { cwd: tmp },
  )
  cpSync(join(ROOT, 'node_modules/better-sqlite3/build'), join(prefix, 'node_modules/better-sqlite3/build'), {
    recursive: true,
  })
}, 240_000)
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('the installed package', () => {
  it('ships its configs and docs, not its tests', () => {
    const pkg = join(prefix, 'node_modules', 'chorus')
    expect(existsSync(join(pkg, 'configs/topics/default.json'))).toBe(true)
    expect(existsSync(join(pkg, 'dist/src/cli/main.js'))).toBe(true)
    expect(existsSync(join(pkg, 'test'))).toBe(false)
  })

  it('has a chorus bin: node --help, and a 3-epoch cluster from another directory', async () => {
    const help = await run(bin, ['node', '--help'], { cwd: tmp })
    expect(help.stdout).toContain('--role <role>')
    const cluster = await run(bin, ['cluster', '--epochs', '3', '--json'], { cwd: tmp, timeout: 90_000 })
    const summary = JSON.parse(cluster.stdout.trim().split('\n').at(-1) as string) as { type: string; forks: number }
    expect(summary).toMatchObject({ type: 'summary', forks: 0 })
  }, 120_000)

  it('loads its entry points on their own', async () => {
    const script = [
      "const lib = await import('chorus')",
      "const consumer = await import('chorus/consumer')",
      "if (typeof lib.LocalCluster?.start !== 'function') throw new Error('no LocalCluster')",
      "if (typeof consumer.verifyCommittedInference !== 'function') throw new Error('no verifier')",
      // The library starts libp2p nodes on Node 20 without the caller importing a polyfill.
      "const topic = await lib.loadTopicConfig('node_modules/chorus/configs/topics/default.json')",
      'const cluster = await lib.LocalCluster.start({ topics: [topic], coordinators: 1, workers: 1, reputers: 1 })',
      'await cluster.stop()',
      "console.log('ok')",
    ].join('\n')
    const out = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: prefix, timeout: 60_000 })
    expect(out.stdout.trim()).toBe('ok')
  }, 90_000)
})
