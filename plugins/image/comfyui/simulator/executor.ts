/**
 * ComfyUI's prompt queue and worker (comfyui.md §2.2, §2.5, §3): one prompt at a time in queue order, the
 * WebSocket messages the adapter follows, routed to the prompt's client (§3.3), the history entry written before
 * `executing {node: null}`, interrupts honoured at node starts and sampling steps, and loaders kept in a cache
 * until `POST /free` (§4.6, §10: a file replaced under the same name is not read again before that).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Faults } from './faults';
import type { SamplingModel, SimulatedGpu } from './gpu';
import type { ModelFolders } from './model-folders';
import { NODES, NodeException, type Picture, type RunContext } from './nodes';
import { renderPng } from './render';
import type { Graph } from './validation';

/** A queue item as ComfyUI lists it: `[number, prompt_id, graph, extra_data, outputs_to_execute]`. */
export type QueueItem = [number, string, Graph, Record<string, unknown>, string[]];

export interface Sockets {
  /** Sends to one client, or to all when `clientId` is null. */
  send(type: string, data: Record<string, unknown>, clientId: string | null): void;
  dropAll(): void;
}

const OOM_MESSAGE =
  'CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 23.53 GiB of which 1.19 GiB is free. ' +
  'Of the allocated memory 21.71 GiB is allocated by PyTorch, and 210.52 MiB is reserved by PyTorch but unallocated.';
const OOM_TIPS = 'This error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.';

class Interrupted extends Error {}

const isLink = (v: unknown): v is [string, number] => Array.isArray(v) && v.length === 2 && typeof v[1] === 'number';

export class Executor {
  private number = 0;
  private readonly pending: QueueItem[] = [];
  private running: QueueItem | undefined;
  private readonly history = new Map<string, Record<string, unknown>>();
  /** Loader outputs by node signature; cleared by `POST /free`. */
  private readonly loaded = new Map<string, unknown[]>();
  /** `POST /free`, done between prompts: unload the models and, with `reset`, clear the loader cache too. */
  private freeRequested: { reset: boolean } | undefined;
  private interruptRequested = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly d: {
      models: ModelFolders;
      outputDir: string;
      sockets: Sockets;
      faults: Faults;
      gpu: SimulatedGpu;
      stepMs: number;
      log(line: string): void;
      crash(): never;
    },
  ) {}

  /** Queues a validated graph; `number` counts every POST /prompt, valid or not. */
  nextNumber(): number {
    return this.number++;
  }

  enqueue(item: QueueItem): void {
    this.pending.push(item);
    this.pending.sort((a, b) => a[0] - b[0]);
    this.sendStatus();
    this.wake?.();
  }

  queue(): { queue_running: QueueItem[]; queue_pending: QueueItem[] } {
    return { queue_running: this.running ? [this.running] : [], queue_pending: [...this.pending] };
  }

  remaining(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  historyOf(promptId: string): Record<string, unknown> {
    const entry = this.history.get(promptId);
    return entry ? { [promptId]: entry } : {};
  }

  /** Drops pending prompts (never the running one). */
  deletePending(ids: string[] | 'all'): void {
    const keep = this.pending.filter((item) => ids !== 'all' && !ids.includes(item[1]));
    this.pending.splice(0, this.pending.length, ...keep);
    this.sendStatus();
  }

  /** Interrupts the running prompt; with a prompt id, only if that one is running. */
  interrupt(promptId?: string): void {
    if (promptId === undefined || this.running?.[1] === promptId) this.interruptRequested = true;
  }

  /** Done between prompts, like ComfyUI's worker (main.py prompt_worker: unload_models, free_memory). */
  free(request: { reset: boolean }): void {
    this.freeRequested = { reset: request.reset || (this.freeRequested?.reset ?? false) };
    this.wake?.();
  }

  private sendStatus(): void {
    this.d.sockets.send('status', { status: { exec_info: { queue_remaining: this.remaining() } } }, null);
  }

  async run(): Promise<never> {
    for (;;) {
      const free = this.freeRequested;
      if (free) {
        this.freeRequested = undefined;
        this.d.gpu.unload();
        if (free.reset) this.loaded.clear();
        this.d.log(`[simulator] models unloaded${free.reset ? ', cache cleared' : ''}`);
      }
      const item = this.pending.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.running = item;
      this.sendStatus();
      const entry = await this.execute(item);
      this.d.gpu.promptEnded();
      this.history.set(item[1], entry);
      this.running = undefined;
      this.sendStatus();
      const clientId = (item[3].client_id as string | undefined) ?? null;
      if (clientId !== null) this.d.sockets.send('executing', { node: null, prompt_id: item[1] }, clientId);
    }
  }

  private async execute(item: QueueItem): Promise<Record<string, unknown>> {
    const [, promptId, graph, extraData, outputsToRun] = item;
    const clientId = (extraData.client_id as string | undefined) ?? null;
    this.interruptRequested = false;
    const messages: Array<[string, Record<string, unknown>]> = [];
    /** An `execution_*` message: recorded in history, sent to the client (or to all when `broadcast`). */
    const record = (type: string, data: Record<string, unknown>, broadcast = false) => {
      const stamped = { prompt_id: promptId, ...data, timestamp: Date.now() };
      messages.push([type, stamped]);
      if (clientId !== null || broadcast) this.d.sockets.send(type, stamped, clientId);
    };
    const send = (type: string, data: Record<string, unknown>, broadcast = false) => {
      if (clientId !== null || broadcast) this.d.sockets.send(type, { ...data, prompt_id: promptId }, clientId);
    };

    const order = executionOrder(graph, outputsToRun);
    const signature = (id: string) => `${String(graph[id]!.class_type)} ${JSON.stringify(graph[id]!.inputs)}`;
    record('execution_start', {});
    record('execution_cached', { nodes: order.filter((id) => NODES[String(graph[id]!.class_type)]!.loader && this.loaded.has(signature(id))) });

    const results = new Map<string, unknown[]>();
    const outputs: Record<string, unknown> = {};
    const executed: string[] = [];
    for (const id of order) {
      const classType = String(graph[id]!.class_type);
      const cls = NODES[classType]!;
      const inputs = Object.fromEntries(Object.entries(graph[id]!.inputs ?? {}).map(([k, v]) => [k, isLink(v) ? results.get(String(v[0]))?.[v[1]] : v]));
      const cached = cls.loader ? this.loaded.get(signature(id)) : undefined;
      if (cached) {
        results.set(id, cached);
        continue;
      }
      try {
        if (this.interruptRequested) throw new Interrupted();
        send('executing', { node: id, display_node: id });
        const { outputs: values, ui } = await cls.run(inputs, this.context(graph, id, extraData, send));
        results.set(id, values);
        if (cls.loader) this.loaded.set(signature(id), values);
        if (ui) {
          outputs[id] = ui;
          send('executed', { node: id, display_node: id, output: ui });
        }
        executed.push(id);
        await yieldToLoop();
      } catch (err) {
        if (err instanceof Interrupted) {
          this.d.log('Processing interrupted');
          record('execution_interrupted', { node_id: id, node_type: classType, executed }, true);
        } else {
          const e = err instanceof NodeException ? err : asPythonException(err as NodeJS.ErrnoException);
          const oom = e.exceptionType === 'torch.OutOfMemoryError';
          this.d.log(`!!! Exception during processing !!! ${e.message}`);
          record('execution_error', {
            node_id: id,
            node_type: classType,
            executed,
            exception_message: `${e.message}\n${oom ? OOM_TIPS : ''}`,
            exception_type: e.exceptionType,
            traceback: [],
            current_inputs: Object.fromEntries(Object.entries(graph[id]!.inputs ?? {}).filter(([, v]) => !isLink(v)).map(([k, v]) => [k, [v]])),
            current_outputs: [...results.keys()],
          });
        }
        return { prompt: item, outputs, status: { status_str: 'error', completed: false, messages }, meta: {} };
      }
    }
    record('execution_success', {});
    const meta = Object.fromEntries(Object.keys(outputs).map((id) => [id, { node_id: id, display_node: id, parent_node: null, real_node_id: id }]));
    return { prompt: item, outputs, status: { status_str: 'success', completed: true, messages }, meta };
  }

  private context(graph: Graph, nodeId: string, extraData: Record<string, unknown>, send: (type: string, data: Record<string, unknown>, broadcast?: boolean) => void): RunContext {
    const d = this.d;
    return {
      modelFile: (folder, name) => d.models.find(folder, name),
      prepare: (model: SamplingModel) => d.gpu.prepare(model),
      sample: async (steps) => {
        for (let step = 1; step <= steps; step++) {
          const ms = d.stepMs * d.faults.slowFactor();
          await d.gpu.step(ms);
          if (ms === 0) await yieldToLoop();
          const fault = d.faults.atStep(step);
          if (fault?.kind === 'crash') d.crash();
          if (fault?.kind === 'error') throw new NodeException('torch.OutOfMemoryError', OOM_MESSAGE);
          if (fault?.kind === 'dropws') {
            d.log(`[simulator] fault ${fault.spec}: dropping all WebSocket connections`);
            d.sockets.dropAll();
          }
          if (this.interruptRequested) throw new Interrupted();
          send('progress', { value: step, max: steps, node: nodeId }, true);
        }
      },
      save: async (picture: Picture, prefix: string) => {
        const texts: Array<[string, string]> = [['prompt', JSON.stringify(graph)]];
        const pngInfo = extraData.extra_pnginfo;
        if (pngInfo && typeof pngInfo === 'object') for (const [k, v] of Object.entries(pngInfo)) texts.push([k, JSON.stringify(v)]);
        const dir = path.resolve(d.outputDir, path.dirname(prefix));
        if (path.relative(d.outputDir, dir).startsWith('..')) throw new NodeException('Exception', `**** ERROR: Saving image outside the output folder is not allowed.`);
        const base = path.basename(prefix);
        mkdirSync(dir, { recursive: true });
        let counter = nextCounter(dir, base);
        const images = [];
        for (let index = 0; index < picture.batch; index++, counter++) {
          const filename = `${base}_${String(counter).padStart(5, '0')}_.png`;
          writeFileSync(path.join(dir, filename), await renderPng(picture, index, texts));
          images.push({ filename, subfolder: path.relative(d.outputDir, dir).split(path.sep).join('/'), type: 'output' });
        }
        return { images };
      },
    };
  }
}

/** How Python would name a failure of ours: a full disk is `OSError: [Errno 28] No space left on device`. */
function asPythonException(err: NodeJS.ErrnoException): NodeException {
  if (err.code === 'ENOSPC') return new NodeException('OSError', `[Errno 28] No space left on device: '${err.path ?? ''}'`);
  return new NodeException('Exception', err.message);
}

/** 1 + the highest counter of `<base>_NNNNN_.png` in `dir` (`folder_paths.get_save_image_path`). */
function nextCounter(dir: string, base: string): number {
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)_`);
  const counters = readdirSync(dir).map((f) => Number(pattern.exec(f)?.[1] ?? 0));
  return Math.max(0, ...counters) + 1;
}

/** The nodes the outputs need, each after its inputs. */
function executionOrder(graph: Graph, outputs: string[]): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return; // a cycle: its node fails at run time, on an input never computed
    seen.add(id);
    for (const v of Object.values(graph[id]!.inputs ?? {})) if (isLink(v)) visit(String(v[0]));
    order.push(id);
  };
  outputs.forEach(visit);
  return order;
}
