/**
 * The netns level of a chaos run (`--netns`, process mode): every node process in a network
 * namespace of its own, joined by a veth pair to a bridge the run creates, and partitions made
 * by nftables rules inside the namespaces, which drop the packets both ways (connections stay
 * open and stall, as on a real network, rather than being closed). It needs root, `ip`
 * (iproute2) and `nft` (nftables); `netnsSupport` says whether this machine has them.
 * Everything it creates is named after the run and removed when the run ends.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The ruleset each namespace starts with: an empty set of cut peers, dropped both ways. */
const RULESET = `table inet chorus {
  set cut { type ipv4_addr; }
  chain input { type filter hook input priority 0; policy accept; ip saddr @cut drop; }
  chain output { type filter hook output priority 0; policy accept; ip daddr @cut drop; }
}
`

async function sh(file: string, args: readonly string[], input?: string): Promise<void> {
  const child = run(file, [...args])
  if (input !== undefined) {
    child.child.stdin?.end(input)
  }
  try {
    await child
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`${file} ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`)
  }
}

/** Whether this machine can run the netns level, and if not, why. */
export async function netnsSupport(): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces are a Linux feature' }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'creating network namespaces needs root' }
  const probe = `chorus-probe-${process.pid}`
  try {
    await sh('ip', ['netns', 'add', probe])
  } catch (err) {
    return { ok: false, reason: `cannot create a network namespace (${(err as Error).message})` }
  }
  try {
    await sh('ip', ['netns', 'exec', probe, 'nft', '-f', '-'], RULESET)
    return { ok: true }
  } catch (err) {
    return { ok: false, reason: `nftables does not work in a namespace (${(err as Error).message})` }
  } finally {
    await sh('ip', ['netns', 'del', probe]).catch(() => {})
  }
}

export class NetnsNetwork {
  private readonly created: { namespaces: string[]; bridge?: string } = { namespaces: [] }
  private readonly ips = new Map<string, string>()
  private readonly spaces = new Map<string, string>()

  private constructor() {}

  /**
   * A bridge and a namespace per node, each with one address of 10.<a>.<b>.0/24 (from `tag`,
   * so runs at once do not collide); the bridge itself is .1.
   */
  static async create(names: readonly string[], tag: number): Promise<NetnsNetwork> {
    if (names.length > 250) throw new Error('the netns level takes at most 250 nodes')
    const id = (tag % 0xffff).toString(36)
    const net = new NetnsNetwork()
    const subnet = `10.${200 + ((tag >> 8) % 50)}.${tag % 256}`
    try {
      const bridge = `chbr${id}`
      await sh('ip', ['link', 'add', bridge, 'type', 'bridge'])
      net.created.bridge = bridge
      await sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge])
      await sh('ip', ['link', 'set', bridge, 'up'])
      for (const [i, name] of names.entries()) {
        const ns = `chorus-${id}-${i}`
        const ip = `${subnet}.${i + 2}`
        await sh('ip', ['netns', 'add', ns])
        net.created.namespaces.push(ns)
        const outside = `ch${id}o${i}`
        const inside = `ch${id}i${i}`
        await sh('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside])
        await sh('ip', ['link', 'set', inside, 'netns', ns])
        await sh('ip', ['link', 'set', outside, 'master', bridge, 'up'])
        await sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', inside])
        await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up'])
        await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'])
        await sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], RULESET)
        net.ips.set(name, ip)
        net.spaces.set(name, ns)
      }
    } catch (err) {
      await net.destroy()
      throw err
    }
    return net
  }

  ipOf(name: string): string {
    const ip = this.ips.get(name)
    if (ip === undefined) throw new Error(`no namespace for ${name}`)
    return ip
  }

  /** The command line that runs `command` inside the node's namespace. */
  wrap(name: string, command: readonly string[]): string[] {
    const ns = this.spaces.get(name)
    if (ns === undefined) throw new Error(`no namespace for ${name}`)
    return ['ip', 'netns', 'exec', ns, ...command]
  }

  /** Drop every packet between two nodes, both ways. */
  async cut(a: string, b: string): Promise<void> {
    await this.rule(a, 'add', this.ipOf(b))
    await this.rule(b, 'add', this.ipOf(a))
  }

  async heal(a: string, b: string): Promise<void> {
    await this.rule(a, 'delete', this.ipOf(b))
    await this.rule(b, 'delete', this.ipOf(a))
  }

  private async rule(name: string, op: 'add' | 'delete', peer: string): Promise<void> {
    const ns = this.spaces.get(name)
    if (ns === undefined) throw new Error(`no namespace for ${name}`)
    await sh('ip', ['netns', 'exec', ns, 'nft', op, 'element', 'inet', 'chorus', 'cut', `{ ${peer} }`])
  }

  /** Remove every namespace and the bridge (the veth pairs go with their namespaces). */
  async destroy(): Promise<void> {
    for (const ns of this.created.namespaces.splice(0)) await sh('ip', ['netns', 'del', ns]).catch(() => {})
    const bridge = this.created.bridge
    this.created.bridge = undefined
    if (bridge !== undefined) await sh('ip', ['link', 'del', bridge]).catch(() => {})
  }
}
