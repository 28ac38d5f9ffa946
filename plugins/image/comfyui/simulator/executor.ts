/**
 * The prompt worker (`main.prompt_worker` + `execution.PromptExecutor`): one prompt at a time from the queue, the
 * WebSocket sequence of spec §3.5 (execution_start, execution_cached, progress_state/executing per node, progress
 * ticks per sampling step, executed, execution_success|error|interrupted), routed per §3.3, then the history write,
 * the final `status` and `executing {node: null}`. Interrupts are honoured at node starts and progress ticks.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { SimArgs } from './args';
import { OutputCache } from './cache';
import { ExecutionList, isLink } from './execution-list';
import type { Faults } from './faults';
import type { NodeDef, NodeEnv, NodeRunContext, PreviewFrame } from './node-types';
import { PyError, PyFloat, isDict, num, pyBool, pyJsonDumps, pyRepr, type Jsonish, type PyDict, type PyValue } from './py';
import type { PromptQueue, QueueItem } from './queue';
import type { SystemState } from './system';
import { toPyError } from './validation';
import { BinaryEvent, type WsHub } from './ws-hub';

class Interrupted extends Error {}

const FUNCTION_NAMES: Record<string, [string, string, number]> = {
  KSampler: ['nodes.py', 'sample', 1524],
  CheckpointLoaderSimple: ['nodes.py', 'load_checkpoint', 577],
  CLIPTextEncode: ['nodes.py', 'encode', 71],
  VAEDecode: ['nodes.py', 'decode', 295],
  VAELoader: ['nodes.py', 'load_vae', 785],
  EmptyLatentImage: ['nodes.py', 'generate', 1185],
  SaveImage: ['nodes.py', 'save_images', 1590],
  PreviewImage: ['nodes.py', 'save_images', 1590],
  LoadImage: ['nodes.py', 'load_image', 1646],
  EmptyImage: ['nodes.py', 'generate', 1877],
  LoraLoader: ['nodes.py', 'load_lora', 667],
  CLIPLoader: ['nodes.py', 'load_clip', 952],
  UNETLoader: ['nodes.py', 'load_unet', 924],
  DualCLIPLoader: ['nodes.py', 'load_clip', 982],
  LoraLoaderModelOnly: ['nodes.py', 'load_lora_model_only', 692],
  BasicScheduler: ['comfy_extras/nodes_custom_sampler.py', 'get_sigmas', 31],
  KSamplerSelect: ['comfy_extras/nodes_custom_sampler.py', 'get_sampler', 346],
  BasicGuider: ['comfy_extras/nodes_custom_sampler.py', 'get_guider', 690],
  RandomNoise: ['comfy_extras/nodes_custom_sampler.py', 'get_noise', 798],
  SamplerCustomAdvanced: ['comfy_extras/nodes_custom_sampler.py', 'sample', 835],
  ModelSamplingFlux: ['comfy_extras/nodes_model_advanced.py', 'patch', 167],
  SaveImageWebsocket: ['custom_nodes/websocket_image_save.py', 'save_images', 27],
};

const OOM_TIPS =
  'This error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.';

const OOM_MESSAGE =
  'CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 23.53 GiB of which 1.19 GiB is free. ' +
  'Including non-PyTorch memory, this process has 22.33 GiB memory in use. Of the allocated memory 21.71 GiB is allocated by PyTorch, ' +
  'and 210.52 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting ' +
  'PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  ' +
  '(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)';

function traceback(classType: string, extra: string[] = []): string[] {
  const [file, fn, line] = FUNCTION_NAMES[classType] ?? ['nodes.py', 'execute', 1];
  return [
    '  File "/ComfyUI/execution.py", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n',
    '  File "/ComfyUI/execution.py", line 315, in get_output_data\n    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n',
    '  File "/ComfyUI/execution.py", line 289, in _async_map_node_over_list\n    await process_inputs(input_dict, i)\n',
    '  File "/ComfyUI/execution.py", line 277, in process_inputs\n    result = f(**inputs)\n',
    `  File "/ComfyUI/${file}", line ${line}, in ${fn}\n`,
    ...extra,
  ];
}

const OOM_FRAMES = [
  '  File "/ComfyUI/comfy/samplers.py", line 1163, in sample\n    output = executor.execute(noise, latent_image, sampler, sigmas, denoise_mask, callback, disable_pbar, seed)\n',
  '  File "/ComfyUI/comfy/k_diffusion/sampling.py", line 199, in sample_euler\n    denoised = model(x, sigma_hat * s_in, **extra_args)\n',
  '  File "/ComfyUI/comfy/ldm/flux/layers.py", line 212, in forward\n    attn = attention(q, k, v, pe=pe, mask=attn_mask)\n',
  '  File "/ComfyUI/comfy/ldm/modules/attention.py", line 524, in attention_pytorch\n    out = comfy.ops.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0, is_causal=False)\n',
];

/** `execution.format_value`. */
function formatValue(x: unknown): Jsonish {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean' || typeof x === 'string' || x instanceof PyFloat) return x;
  if (x instanceof Map || Array.isArray(x)) return pyRepr(x);
  return String(x);
}

interface NodeFailure {
  nodeId: string;
  interrupted: boolean;
  error?: { exception_message: string; exception_type: string; traceback: string[]; current_inputs: Jsonish };
}

export interface ExecutorDeps {
  nodes: Map<string, NodeDef>;
  env: NodeEnv;
  queue: PromptQueue;
  hub: WsHub;
  system: SystemState;
  faults: Faults;
  args: SimArgs;
  stepMs: number;
  log(line: string): void;
  crash(): never;
}

export class Executor {
  clientId: unknown = null;
  lastNodeId: string | null = null;
  private interruptFlag = false;
  private success = true;
  private statusMessages: [string, Jsonish][] = [];
  private readonly cache: OutputCache;
  private progress = new Map<string, { state: string; value: Jsonish; max: Jsonish }>();
  private promptId = '';
  private stopped = false;
  private historyResult = { outputs: new Map<string, Jsonish>(), meta: new Map<string, Jsonish>() };

  constructor(private readonly d: ExecutorDeps) {
    this.cache = new OutputCache(
      d.nodes,
      d.args.cacheLru > 0 ? { kind: 'lru', size: d.args.cacheLru } : d.args.cacheNone ? { kind: 'none' } : { kind: 'classic' },
    );
  }

  /** `nodes.interrupt_processing()`: honoured at the next node start or progress tick. */
  interrupt(): void {
    this.interruptFlag = true;
  }

  stop(): void {
    this.stopped = true;
  }

  private throwIfInterrupted() {
    if (this.interruptFlag) {
      this.interruptFlag = false;
      throw new Interrupted();
    }
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const got = this.d.queue.get();
      if (got) await this.runItem(got.item, got.id);
      const flags = this.d.queue.takeFlags();
      const freeMemory = flags.get('free_memory') ?? false;
      if (pyBool(flags.has('unload_models') ? flags.get('unload_models')! : freeMemory)) {
        this.d.system.unloadAll();
        this.d.log('[simulator] unloaded all models');
      }
      if (pyBool(freeMemory)) {
        this.cache.reset();
        this.d.log('[simulator] freed memory: node cache cleared');
      }
      if (!got) await this.d.queue.waitForWork();
    }
  }

  private async runItem(item: QueueItem, id: number) {
    const started = performance.now();
    await this.execute(item.prompt, item.promptId, item.extraData, item.outputs);
    this.d.queue.taskDone(id, this.historyResult, {
      status_str: this.success ? 'success' : 'error',
      completed: this.success,
      messages: this.statusMessages,
    });
    if (this.clientId !== null) this.d.hub.send('executing', { node: null, prompt_id: item.promptId }, this.clientId);
    this.d.log(`Prompt executed in ${((performance.now() - started) / 1000).toFixed(2)} seconds`);
  }

  private addMessage(event: string, data: Record<string, Jsonish>, broadcast: boolean) {
    const withTs = { ...data, timestamp: Date.now() };
    this.statusMessages.push([event, withTs]);
    if (this.clientId !== null || broadcast) this.d.hub.send(event, withTs, this.clientId);
  }

  private sendProgressState() {
    const nodes = new Map<string, Jsonish>();
    for (const [id, st] of this.progress) {
      if (st.state === 'pending') continue;
      nodes.set(id, {
        value: st.value,
        max: st.max,
        state: st.state,
        node_id: id,
        prompt_id: this.promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
      });
    }
    this.d.hub.send('progress_state', { prompt_id: this.promptId, nodes }, this.clientId);
  }

  private entry(id: string) {
    let e = this.progress.get(id);
    if (!e) {
      e = { state: 'pending', value: 0, max: 1 };
      this.progress.set(id, e);
    }
    return e;
  }

  /** The ProgressBar hook of main.py: interrupt check, progress_state, progress (+ preview frames). */
  private async tick(nodeId: string, value: number, max: number, preview?: PreviewFrame) {
    this.throwIfInterrupted();
    const v = Math.min(value, max);
    const e = this.entry(nodeId);
    e.state = 'running';
    e.value = v;
    e.max = max;
    this.sendProgressState();
    const flags = this.d.hub.supportsPreviewMetadata(this.clientId);
    if (preview && flags) {
      const meta = Buffer.from(
        pyJsonDumps({
          node_id: nodeId,
          prompt_id: this.promptId,
          display_node_id: nodeId,
          parent_node_id: null,
          real_node_id: nodeId,
          image_type: preview.format === 'PNG' ? 'image/png' : 'image/jpeg',
        }),
        'utf8',
      );
      const len = Buffer.alloc(4);
      len.writeUInt32BE(meta.length);
      this.d.hub.sendBytes(BinaryEvent.PREVIEW_IMAGE_WITH_METADATA, Buffer.concat([len, meta, preview.bytes]), this.clientId);
    }
    this.d.hub.send('progress', { value: v, max, prompt_id: this.promptId, node: nodeId }, this.clientId);
    if (preview && !flags) {
      const fmt = Buffer.alloc(4);
      fmt.writeUInt32BE(preview.format === 'PNG' ? 2 : 1);
      this.d.hub.sendBytes(BinaryEvent.PREVIEW_IMAGE, Buffer.concat([fmt, preview.bytes]), this.clientId);
    }
  }

  private async execute(prompt: PyDict, promptId: string, extraData: PyDict, outputs: string[]) {
    this.interruptFlag = false;
    this.promptId = promptId;
    this.clientId = extraData.has('client_id') ? extraData.get('client_id')! : null;
    this.statusMessages = [];
    this.addMessage('execution_start', { prompt_id: promptId }, false);
    this.progress = new Map();
    this.cache.setPrompt(prompt, this.d.env);
    const cachedNodes = [...prompt.keys()].filter((id) => this.cache.getOutputs(id) !== undefined);
    this.addMessage('execution_cached', { nodes: cachedNodes, prompt_id: promptId }, false);
    const executed: string[] = [];
    const list = new ExecutionList(prompt, this.d.nodes, (id) => this.cache.getOutputs(id) !== undefined);
    const currentOutputs = this.cache.nodeIds();
    for (const o of outputs) list.addNode(o);
    let failed = false;
    while (!list.isEmpty()) {
      const staged = list.stage();
      if ('cycle' in staged) {
        this.handleError(prompt, currentOutputs, executed, {
          nodeId: staged.cycle[0]!,
          interrupted: false,
          error: { exception_message: 'Dependency cycle detected', exception_type: 'graph.DependencyCycleError', traceback: [], current_inputs: [] },
        });
        failed = true;
        break;
      }
      const failure = await this.executeNode(prompt, staged.id, extraData, executed);
      this.success = failure === null;
      if (failure) {
        this.handleError(prompt, currentOutputs, executed, failure);
        failed = true;
        break;
      }
      list.complete();
      await yieldToLoop();
    }
    if (!failed) this.addMessage('execution_success', { prompt_id: promptId }, false);
    const uiOutputs = new Map<string, Jsonish>();
    const meta = new Map<string, Jsonish>();
    for (const id of this.cache.nodeIds()) {
      const ui = this.cache.getUi(id);
      if (ui) {
        uiOutputs.set(id, ui.output);
        meta.set(id, ui.meta);
      }
    }
    this.historyResult = { outputs: uiOutputs, meta };
    this.lastNodeId = null;
  }

  private handleError(prompt: PyDict, currentOutputs: string[], executed: string[], f: NodeFailure) {
    const node = prompt.get(f.nodeId);
    const classType = isDict(node) ? node.get('class_type')! : null;
    if (f.interrupted) {
      this.addMessage('execution_interrupted', { prompt_id: this.promptId, node_id: f.nodeId, node_type: classType, executed: [...executed] }, true);
    } else {
      const e = f.error!;
      this.addMessage(
        'execution_error',
        {
          prompt_id: this.promptId,
          node_id: f.nodeId,
          node_type: classType,
          executed: [...executed],
          exception_message: e.exception_message,
          exception_type: e.exception_type,
          traceback: e.traceback,
          current_inputs: e.current_inputs,
          current_outputs: [...currentOutputs],
        },
        false,
      );
    }
  }

  /** `execution.get_input_data`: literal inputs as 1-lists, links resolved from the output cache, hidden inputs. */
  private inputData(prompt: PyDict, id: string, def: NodeDef, extraData: PyDict): { data: Map<string, unknown[]>; unexpected: string[] } {
    const node = prompt.get(id) as PyDict;
    const inputs = node.get('inputs');
    const types = def.inputTypes(this.d.env);
    const data = new Map<string, unknown[]>();
    const unexpected: string[] = [];
    if (isDict(inputs)) {
      for (const [x, v] of inputs) {
        const declared = x in types.required || (types.optional !== undefined && x in types.optional) || (types.hidden !== undefined && x in types.hidden);
        if (isLink(v)) {
          const cached = this.cache.getOutputs(v[0]);
          const slot = num(v[1]);
          if (!cached || slot >= cached.length) data.set(x, [null]);
          else data.set(x, [cached[slot]]);
          if (!declared) unexpected.push(x);
        } else if (declared) data.set(x, [v]);
      }
    }
    for (const [x, kind] of Object.entries(types.hidden ?? {})) {
      const k = Array.isArray(kind) ? kind[0] : kind;
      if (k === 'PROMPT') data.set(x, [prompt]);
      else if (k === 'EXTRA_PNGINFO') data.set(x, [extraData.has('extra_pnginfo') ? extraData.get('extra_pnginfo') : null]);
      else if (k === 'UNIQUE_ID') data.set(x, [id]);
    }
    return { data, unexpected };
  }

  private async executeNode(prompt: PyDict, id: string, extraData: PyDict, executed: string[]): Promise<NodeFailure | null> {
    const node = prompt.get(id) as PyDict;
    const classType = node.get('class_type') as string;
    const def = this.d.nodes.get(classType)!;
    if (this.cache.getOutputs(id) !== undefined) {
      if (this.clientId !== null) {
        this.d.hub.send('executed', { node: id, display_node: id, output: this.cache.getUi(id)?.output ?? null, prompt_id: this.promptId }, this.clientId);
      }
      this.finish(id);
      return null;
    }
    let inputData: Map<string, unknown[]> | null = null;
    try {
      const e = this.entry(id);
      e.state = 'running';
      e.value = new PyFloat(0);
      e.max = new PyFloat(1);
      this.sendProgressState();
      const got = this.inputData(prompt, id, def, extraData);
      inputData = got.data;
      if (this.clientId !== null) {
        this.lastNodeId = id;
        this.d.hub.send('executing', { node: id, display_node: id, prompt_id: this.promptId }, this.clientId);
      }
      this.throwIfInterrupted();
      if (got.unexpected.length > 0) {
        const fn = FUNCTION_NAMES[classType]?.[1] ?? 'execute';
        throw new PyError('TypeError', `${classType}.${fn}() got an unexpected keyword argument '${got.unexpected[0]}'`);
      }
      const values: Record<string, unknown> = {};
      for (const [k, v] of inputData) values[k] = v[0];
      const result = await def.run(this.context(prompt, id, classType, extraData), values);
      if (result.ui && result.ui.size > 0) {
        this.cache.setUi(id, { meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id }, output: result.ui });
        if (this.clientId !== null) {
          this.d.hub.send('executed', { node: id, display_node: id, output: result.ui, prompt_id: this.promptId }, this.clientId);
        }
      }
      this.cache.setOutputs(id, result.outputs);
    } catch (e) {
      if (e instanceof Interrupted) {
        this.d.log('Processing interrupted');
        return { nodeId: id, interrupted: true };
      }
      const ex = toPyError(e);
      const isOom = ex.pyType === 'torch.OutOfMemoryError';
      const currentInputs = new Map<string, Jsonish>();
      if (inputData) for (const [k, v] of inputData) currentInputs.set(k, v.map(formatValue));
      this.d.log(`!!! Exception during processing !!! ${ex.pyMessage}`);
      if (isOom) {
        this.d.log('Got an OOM, unloading all loaded models.');
        this.d.system.unloadAll();
      }
      return {
        nodeId: id,
        interrupted: false,
        error: {
          exception_message: `${ex.pyMessage}\n${isOom ? OOM_TIPS : ''}`,
          exception_type: ex.pyType,
          traceback: traceback(classType, isOom ? OOM_FRAMES : []),
          current_inputs: currentInputs,
        },
      };
    }
    this.finish(id);
    executed.push(id);
    return null;
  }

  private finish(id: string) {
    const e = this.entry(id);
    e.state = 'finished';
    e.value = e.max;
    this.sendProgressState();
  }

  private context(prompt: PyDict, nodeId: string, classType: string, extraData: PyDict): NodeRunContext {
    const d = this.d;
    return {
      ...d.env,
      nodeId,
      classType,
      disableMetadata: d.args.disableMetadata,
      previewMethod: d.args.previewMethod,
      previewSize: d.args.previewSize,
      prompt,
      extraPnginfo: extraData.has('extra_pnginfo') ? (extraData.get('extra_pnginfo') as PyValue) : undefined,
      progress: (value, max, preview) => this.tick(nodeId, value, max, preview),
      sample: async (steps, preview) => {
        for (let step = 1; step <= steps; step++) {
          const ms = d.stepMs * d.faults.slowFactor();
          if (ms > 0) await sleep(ms);
          else await yieldToLoop();
          const fault = d.faults.atStep(step);
          if (fault?.kind === 'crash') d.crash();
          if (fault?.kind === 'error') throw new PyError('torch.OutOfMemoryError', OOM_MESSAGE);
          if (fault?.kind === 'dropws') {
            d.log(`[simulator] fault ${fault.spec}: dropping all WebSocket connections`);
            d.hub.dropAll();
          }
          await this.tick(nodeId, step, steps, preview ? await preview(step) : undefined);
        }
      },
      loadModel: (name, bytes) => d.system.load(name, bytes),
      nodeObject: (make) => this.cache.object(nodeId, classType, make),
    };
  }
}
