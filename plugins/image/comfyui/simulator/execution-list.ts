/**
 * `comfy_execution.graph.ExecutionList`: the topological dissolve ComfyUI uses to pick the next node, including its
 * "UX friendly" preference for output nodes and their direct feeders, so `executing` messages come in the same order.
 */
import type { NodeDef } from './node-types';
import { PyFloat, num, type PyDict, type PyValue } from './py';

/** `graph_utils.is_link`. */
export const isLink = (v: PyValue | undefined): v is [string, number | bigint | boolean | PyFloat] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && (typeof v[1] === 'number' || typeof v[1] === 'bigint' || typeof v[1] === 'boolean' || v[1] instanceof PyFloat);

export class ExecutionList {
  private readonly pending = new Map<string, true>();
  private readonly blockCount = new Map<string, number>();
  private readonly blocking = new Map<string, Map<string, Map<number, true>>>();
  private staged: string | null = null;

  constructor(
    private readonly prompt: PyDict,
    private readonly nodes: Map<string, NodeDef>,
    private readonly isCached: (id: string) => boolean,
  ) {}

  private inputs(id: string): PyDict {
    const node = this.prompt.get(id);
    const inputs = node instanceof Map ? node.get('inputs') : undefined;
    return inputs instanceof Map ? inputs : new Map();
  }

  private def(id: string): NodeDef {
    const node = this.prompt.get(id) as PyDict;
    return this.nodes.get(node.get('class_type') as string)!;
  }

  private addStrongLink(from: string, socket: number, to: string) {
    if (this.isCached(from)) return;
    this.addNode(from);
    const b = this.blocking.get(from)!;
    if (!b.has(to)) {
      b.set(to, new Map());
      this.blockCount.set(to, (this.blockCount.get(to) ?? 0) + 1);
    }
    b.get(to)!.set(socket, true);
  }

  addNode(id: string): void {
    const stack = [id];
    const links: [string, number, string][] = [];
    while (stack.length > 0) {
      const uid = stack.pop()!;
      if (this.pending.has(uid)) continue;
      this.pending.set(uid, true);
      this.blockCount.set(uid, 0);
      this.blocking.set(uid, new Map());
      for (const value of this.inputs(uid).values()) {
        if (!isLink(value)) continue;
        const [from, socket] = value;
        if (!this.isCached(from)) {
          stack.push(from);
          links.push([from, num(socket), uid]);
        }
      }
    }
    for (const l of links) this.addStrongLink(...l);
  }

  isEmpty(): boolean {
    return this.pending.size === 0;
  }

  private ready(): string[] {
    return [...this.pending.keys()].filter((id) => this.blockCount.get(id) === 0);
  }

  /** The next node, or a dependency-cycle error. */
  stage(): { id: string } | { cycle: string[] } {
    const available = this.ready();
    if (available.length === 0) return { cycle: [...this.pending.keys()] };
    this.staged = this.pick(available);
    return { id: this.staged };
  }

  private pick(list: string[]): string {
    const isOutput = (id: string) => this.def(id).outputNode;
    for (const id of list) if (isOutput(id)) return id;
    for (const id of list) for (const b of this.blocking.get(id)!.keys()) if (isOutput(b)) return id;
    for (const id of list) for (const b of this.blocking.get(id)!.keys()) for (const b1 of this.blocking.get(b)?.keys() ?? []) if (isOutput(b1)) return id;
    return list[0]!;
  }

  complete(): void {
    const id = this.staged!;
    this.pending.delete(id);
    for (const blocked of this.blocking.get(id)!.keys()) this.blockCount.set(blocked, this.blockCount.get(blocked)! - 1);
    this.blocking.delete(id);
    this.staged = null;
  }
}
