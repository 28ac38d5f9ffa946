/**
 * ComfyUI's output cache, spec §4.6: a node's cache key is its input signature (class, IS_CHANGED value, literal
 * inputs, and the signatures of its ordered ancestry), so an identical resubmission is served from cache.
 * classic (default): after each prompt is set, entries the new prompt does not use are dropped (`clean_unused`);
 * --cache-lru N: entries survive across prompts, the least recently used beyond N are dropped;
 * --cache-none: nothing survives from one prompt to the next.
 */
import { isLink } from './execution-list';
import type { NodeDef, NodeEnv, NodeResult } from './node-types';
import { PyFloat, isDict, num, type Jsonish, type PyDict, type PyValue } from './py';

let uniqueToken = 0;

/** A hashable, order-insensitive rendering of a JSON value (Python's `to_hashable`: 1 == 1.0 == True). */
function canon(v: PyValue | undefined): string {
  if (v === undefined || v === null) return 'N';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) {
    if (typeof v === 'bigint') return `n${v}`;
    const x = num(v);
    if (Number.isNaN(x)) return `nan${uniqueToken++}`; // NaN never equals itself
    return `n${Number.isInteger(x) && Math.abs(x) < 2 ** 53 ? String(x) : x.toExponential()}`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => `${i}:${canon(x)}`).join(',')}]`;
  return `{${[...v.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, x]) => `${JSON.stringify(k)}:${canon(x)}`)
    .join(',')}}`;
}

export interface CachedUi {
  meta: Jsonish;
  output: Map<string, Jsonish>;
}

export class OutputCache {
  private outputs = new Map<string, NodeResult['outputs']>();
  private ui = new Map<string, CachedUi>();
  private objects = new Map<string, unknown>();
  /** node id -> key, for the current prompt */
  private keys = new Map<string, string>();

  constructor(
    private readonly nodes: Map<string, NodeDef>,
    private readonly mode: { kind: 'classic' | 'none' } | { kind: 'lru'; size: number } = { kind: 'classic' },
  ) {}

  reset(): void {
    this.outputs.clear();
    this.ui.clear();
    this.objects.clear();
    this.keys.clear();
  }

  /** `set_prompt` + `clean_unused` for the output, ui and object caches. */
  setPrompt(prompt: PyDict, env: NodeEnv): void {
    const isChanged = new Map<string, string>();
    const changed = (id: string, node: PyDict, def: NodeDef): string => {
      let v = isChanged.get(id);
      if (v === undefined) {
        v = 'False';
        if (def.isChanged) {
          const values: Record<string, PyValue> = {};
          const inputs = node.get('inputs');
          if (isDict(inputs)) for (const [k, x] of inputs) if (!isLink(x)) values[k] = x;
          try {
            const r = def.isChanged(env, values);
            v = r === 'never' ? `unique${uniqueToken++}` : r;
          } catch {
            v = `unique${uniqueToken++}`;
          }
        }
        isChanged.set(id, v);
      }
      return v;
    };
    const immediate = (id: string, order: Map<string, number>): string => {
      const node = prompt.get(id);
      if (!isDict(node)) return `missing${uniqueToken++}`;
      const classType = node.get('class_type') as string;
      const def = this.nodes.get(classType);
      if (!def) return `missing${uniqueToken++}`;
      const parts = [JSON.stringify(classType), changed(id, node, def)];
      const inputs = node.get('inputs');
      const entries = isDict(inputs) ? [...inputs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
      for (const [k, x] of entries) {
        if (isLink(x)) parts.push(`${JSON.stringify(k)}:A${order.get(x[0])}:${num(x[1])}`);
        else parts.push(`${JSON.stringify(k)}:${canon(x)}`);
      }
      return `(${parts.join('|')})`;
    };
    const ancestry = (id: string, ancestors: string[], order: Map<string, number>) => {
      const node = prompt.get(id);
      if (!isDict(node)) return;
      const inputs = node.get('inputs');
      if (!isDict(inputs)) return;
      for (const k of [...inputs.keys()].sort()) {
        const x = inputs.get(k);
        if (!isLink(x)) continue;
        if (!order.has(x[0])) {
          ancestors.push(x[0]);
          order.set(x[0], ancestors.length - 1);
          ancestry(x[0], ancestors, order);
        }
      }
    };
    this.keys = new Map();
    for (const id of prompt.keys()) {
      const ancestors: string[] = [];
      const order = new Map<string, number>();
      ancestry(id, ancestors, order);
      this.keys.set(id, [immediate(id, order), ...ancestors.map((a) => immediate(a, order))].join(''));
    }
    const used = new Set(this.keys.values());
    if (this.mode.kind === 'none') {
      this.outputs.clear();
      this.ui.clear();
    } else if (this.mode.kind === 'lru') {
      for (const k of used) {
        // refresh recency of the entries this prompt uses
        const o = this.outputs.get(k);
        if (o !== undefined) {
          this.outputs.delete(k);
          this.outputs.set(k, o);
        }
      }
      while (this.outputs.size > this.mode.size) {
        const oldest = this.outputs.keys().next().value!;
        this.outputs.delete(oldest);
        this.ui.delete(oldest);
      }
    } else {
      for (const k of [...this.outputs.keys()]) if (!used.has(k)) this.outputs.delete(k);
      for (const k of [...this.ui.keys()]) if (!used.has(k)) this.ui.delete(k);
    }
    const objectKeys = new Set([...prompt.entries()].map(([id, n]) => `${id}|${isDict(n) ? String(n.get('class_type')) : ''}`));
    for (const k of [...this.objects.keys()]) if (!objectKeys.has(k)) this.objects.delete(k);
  }

  getOutputs(id: string): NodeResult['outputs'] | undefined {
    const k = this.keys.get(id);
    return k === undefined ? undefined : this.outputs.get(k);
  }

  setOutputs(id: string, v: NodeResult['outputs']): void {
    this.outputs.set(this.keys.get(id)!, v);
  }

  getUi(id: string): CachedUi | undefined {
    const k = this.keys.get(id);
    return k === undefined ? undefined : this.ui.get(k);
  }

  setUi(id: string, v: CachedUi): void {
    this.ui.set(this.keys.get(id)!, v);
  }

  object<T>(id: string, classType: string, make: () => T): T {
    const k = `${id}|${classType}`;
    if (!this.objects.has(k)) this.objects.set(k, make());
    return this.objects.get(k) as T;
  }

  /** Node ids of the current prompt (ComfyUI's `current_outputs` in execution_error). */
  nodeIds(): string[] {
    return [...this.keys.keys()];
  }
}
