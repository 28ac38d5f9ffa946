import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { resolveGenerationParams, type GenerationParams } from '../../../../lib/contracts/generations';
import { readPngText } from '../../../../lib/png-text';
import { freePort } from '../../../../temporal-dev/dev-server';
import { buildGraph, MODEL_FILES, type Graph } from '../graphs';
import { emptySafetensors, SIM_FACE_KEY } from './safetensors';
import { readGpuState, type Charged } from '../../../simulated-gpu/gpu-state';
import { closeSharedIdentityScorer, sharedIdentityScorer } from '../../../identity/registry';
import { portraitJpeg } from '../../../training/ai-toolkit/simulator/face-picture.mjs';
import { likenessOf, personPhotos, referencesOf } from '../../../training/ai-toolkit/simulator/face-fixtures';

/**
 * The ComfyUI simulator (server.ts beside this file) where the adapter looks (client.ts, comfyui.md §2-§4): the
 * product's own graphs, over real HTTP and WebSocket, on a free port, model files found through an
 * extra_model_paths.yaml like the one the GPU worker writes.
 */

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.ts');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'comfy-sim-test-'));
const spawned: ChildProcess[] = [];

afterAll(() => {
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

interface Sim {
  url: string;
  root: string;
  output: string;
  loras: string;
  log: { text: string };
  exit: Promise<number | null>;
}

function place(file: string, content: string | Buffer = emptySafetensors({ note: 'dummy weights' })): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function spawnSim(args: string[], env: Record<string, string>): { log: { text: string }; exit: Promise<number | null> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ISENGARD_SIM_')));
  // No engine time but the steps' unless a test asks for it (the simulated GPU's own tests below).
  const fast = { ISENGARD_SIM_COMFY_STEP_MS: '10', ISENGARD_SIM_TIME_SCALE: '0' };
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER, ...args], { env: { ...clean, ...fast, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(proc);
  const log = { text: '' };
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (log.text += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (log.text += s));
  return { log, exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
}

/** A simulator with the base models and one LoRA in place; `root` is reused to restart on the same folders. */
async function startSim(name: string, env: Record<string, string> = {}): Promise<Sim> {
  const root = path.join(scratch, name);
  const models = path.join(root, 'models');
  place(path.join(models, 'diffusion_models', MODEL_FILES.fluxUnet));
  place(path.join(models, 'text_encoders', MODEL_FILES.fluxT5));
  place(path.join(models, 'text_encoders', MODEL_FILES.fluxClipL));
  place(path.join(models, 'vae', MODEL_FILES.fluxVae));
  place(path.join(models, 'checkpoints', MODEL_FILES.sdxlCheckpoint));
  place(path.join(models, 'loras', 'ada.safetensors'));
  const sections = ['loras', 'diffusion_models', 'text_encoders', 'vae', 'checkpoints'].map((f) => `  ${f}: ${f}`);
  place(path.join(root, 'extra_model_paths.yaml'), ['isengard:', `  base_path: ${models}`, '  is_default: true', ...sections, ''].join('\n'));
  const port = await freePort();
  const output = path.join(root, 'output');
  const { log, exit } = spawnSim(
    ['--listen', '127.0.0.1', '--port', String(port), '--disable-auto-launch', '--disable-api-nodes', '--preview-method', 'none',
      '--output-directory', output, '--input-directory', path.join(root, 'input'), '--temp-directory', root,
      '--extra-model-paths-config', path.join(root, 'extra_model_paths.yaml')], // prettier-ignore
    env,
  );
  await vi.waitFor(() => expect(log.text).toContain(`To see the GUI go to: http://127.0.0.1:${port}`), { timeout: 30_000, interval: 20 });
  return { url: `http://127.0.0.1:${port}`, root, output, loras: path.join(models, 'loras'), log, exit };
}

const lora = { id: '6f1c1b1e-8d7a-4c55-9a55-2a4c4e0f9f10', fileName: 'ada.safetensors', name: 'Ada', triggerWord: 'ada', baseModel: 'flux1-dev' as const };

function params(input: Record<string, unknown>, withLora = true): GenerationParams {
  return resolveGenerationParams({ prompt: 'a lighthouse', width: 256, height: 192, steps: 4, seed: 7, ...input }, withLora ? lora : null, () => 0);
}

type Msg = { type: string; data: Record<string, unknown> };

/** A socket under `clientId`, collecting its JSON messages. */
async function listen(sim: Sim, clientId: string): Promise<{ msgs: Msg[]; ws: WebSocket }> {
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ws?clientId=${clientId}`);
  const msgs: Msg[] = [];
  ws.on('message', (data) => msgs.push(JSON.parse(String(data)) as Msg));
  await vi.waitFor(() => expect(msgs[0]).toEqual({ type: 'status', data: { status: { exec_info: { queue_remaining: expect.any(Number) } }, sid: clientId } }));
  return { msgs, ws };
}

async function post(sim: Sim, route: string, body: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${sim.url}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function submit(sim: Sim, graph: Graph, promptId: string, clientId = 'tester'): Promise<void> {
  const res = await post(sim, '/prompt', { prompt: graph, prompt_id: promptId, client_id: clientId, extra_data: { extra_pnginfo: { isengard_generation: promptId } } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The history entry once the prompt has ended. */
async function ended(sim: Sim, promptId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return vi.waitFor(
    async () => {
      const entry = ((await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<string, unknown>)[promptId];
      expect(entry).toBeDefined();
      return entry;
    },
    { timeout: 15_000, interval: 20 },
  );
}

async function image(sim: Sim, img: { filename: string; subfolder: string; type: string }): Promise<Buffer> {
  const res = await fetch(`${sim.url}/view?${new URLSearchParams(img)}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return Buffer.from(await res.arrayBuffer());
}

/** The pixels of each image a prompt saved. */
async function run(sim: Sim, p: GenerationParams, promptId: string): Promise<Buffer[]> {
  await submit(sim, buildGraph(p, promptId), promptId);
  const entry = await ended(sim, promptId);
  expect(entry.status.status_str).toBe('success');
  const images = Object.values(entry.outputs as Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>).flatMap((o) => o.images);
  return Promise.all(images.map(async (img) => sharp(await image(sim, img)).raw().toBuffer()));
}

describe('ComfyUI simulator', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim('main');
  });

  it("runs the product's FLUX graph: the message sequence, history, and PNGs with ComfyUI's text chunks", async () => {
    const { msgs, ws } = await listen(sim, 'tester');
    const p = params({ batch: 2 });
    await submit(sim, buildGraph(p, 'flux-1'), 'flux-1');
    await vi.waitFor(() => expect(msgs.at(-1)).toEqual({ type: 'executing', data: { node: null, prompt_id: 'flux-1' } }), { timeout: 15_000 });
    ws.close();
    const sequence = msgs.filter((m) => m.type !== 'status').map((m) => (m.type === 'executing' || m.type === 'executed' || m.type === 'progress' ? `${m.type} ${String(m.data.node)}` : m.type));
    // Every node runs once, each after its inputs; the sampler ticks once per step; the end as client.ts follows it.
    expect(sequence.slice(0, 2)).toEqual(['execution_start', 'execution_cached']);
    expect(sequence.filter((s) => s.startsWith('executing ')).sort()).toEqual([...Array.from({ length: 11 }, (_, i) => `executing ${i + 1}`), 'executing null'].sort());
    const sampler = sequence.indexOf('executing 9');
    expect(sequence.slice(sampler + 1, sampler + 5)).toEqual(Array(4).fill('progress 9'));
    expect(sequence.indexOf('executing 4')).toBeLessThan(sampler);
    expect(sequence.slice(-4)).toEqual(['executing 11', 'executed 11', 'execution_success', 'executing null']);
    expect(msgs.find((m) => m.type === 'progress')!.data).toEqual({ value: 1, max: 4, node: '9', prompt_id: 'flux-1' });

    const entry = await ended(sim, 'flux-1');
    const images = [
      { filename: 'img_00001_.png', subfolder: 'isengard/flux-1', type: 'output' },
      { filename: 'img_00002_.png', subfolder: 'isengard/flux-1', type: 'output' },
    ];
    expect(msgs.find((m) => m.type === 'executed')!.data.output).toEqual({ images });
    expect(entry).toMatchObject({
      prompt: [expect.any(Number), 'flux-1', buildGraph(p, 'flux-1'), { client_id: 'tester', extra_pnginfo: { isengard_generation: 'flux-1' } }, ['11']],
      outputs: { '11': { images } },
      status: { status_str: 'success', completed: true },
    });
    expect(entry.status.messages.map(([type]: [string]) => type)).toEqual(['execution_start', 'execution_cached', 'execution_success']);
    const png = await image(sim, images[0]!);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 256, height: 192 });
    expect(JSON.parse(readPngText(png).prompt!)).toEqual(buildGraph(p, 'flux-1'));
    expect(readPngText(png).isengard_generation).toBe('"flux-1"');
    expect((await fetch(`${sim.url}/view?filename=img_00009_.png&subfolder=isengard/flux-1`)).status).toBe(404);
  });

  it('paints the same pixels for the same inputs; image 1 of a batch is the single image of its seed, LoRA and seed change it', async () => {
    const [single] = await run(sim, params({ seed: 40 }), 'seed-40');
    const [first, second] = await run(sim, params({ seed: 40, batch: 2 }), 'seed-40-batch');
    const [next] = await run(sim, params({ seed: 41 }), 'seed-41');
    const [again] = await run(sim, params({ seed: 40 }), 'seed-40-again');
    const [noLora] = await run(sim, params({ seed: 40 }, false), 'seed-40-no-lora');
    const [sdxl] = await run(sim, params({ seed: 40, baseModel: 'sdxl' }, false), 'seed-40-sdxl');
    expect(again!.equals(single!)).toBe(true);
    expect(first!.equals(single!)).toBe(true);
    expect(second!.equals(next!)).toBe(false);
    expect(next!.equals(single!)).toBe(false);
    expect(noLora!.equals(single!)).toBe(false);
    expect(sdxl!.equals(noLora!)).toBe(false);
  });

  it('refuses a graph like ComfyUI: a missing model file named the way the adapter reads it', async () => {
    const graph = buildGraph(params({}), 'missing');
    (graph['4']!.inputs as Record<string, unknown>).lora_name = 'gone.safetensors';
    const res = await post(sim, '/prompt', { prompt: graph, prompt_id: 'missing' });
    expect(res).toEqual({
      status: 400,
      body: {
        error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
        node_errors: {
          '4': {
            errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: "lora_name: 'gone.safetensors' not in ['ada.safetensors']", extra_info: { input_name: 'lora_name', input_config: [['ada.safetensors']], received_value: 'gone.safetensors' } }],
            dependent_outputs: ['11'],
            class_type: 'LoraLoader',
          },
        },
      },
    });
    expect((await post(sim, '/prompt', {})).body.error.type).toBe('no_prompt');
    expect((await post(sim, '/prompt', { prompt: { '1': { class_type: 'Nope', inputs: {} } } })).body.error).toMatchObject({ type: 'invalid_prompt', details: "Node ID '#1'" });
    expect((await post(sim, '/prompt', { prompt: { '1': { class_type: 'VAELoader', inputs: { vae_name: 'ae.safetensors' } } } })).body.error.type).toBe('prompt_no_outputs');
    delete (graph['9']!.inputs as Record<string, unknown>).steps;
    expect((await post(sim, '/prompt', { prompt: graph })).body.node_errors['9'].errors[0]).toMatchObject({ type: 'required_input_missing', details: 'steps' });
  });

  it('fails a loader on a damaged file, and keeps serving a loaded file from its cache until /free', async () => {
    await run(sim, params({ seed: 60 }), 'cache-1');
    place(path.join(sim.loras, 'ada.safetensors'), '<html>502 Bad Gateway</html>');
    const [cached] = await run(sim, params({ seed: 61 }), 'cache-2');
    expect(cached).toBeDefined();
    expect((await ended(sim, 'cache-2')).status.messages[1][1].nodes.sort()).toEqual(['1', '2', '3', '4']);

    expect((await post(sim, '/free', { unload_models: true, free_memory: true })).status).toBe(200);
    await submit(sim, buildGraph(params({ seed: 62 }), 'cache-3'), 'cache-3');
    const entry = await ended(sim, 'cache-3');
    expect(entry.status).toMatchObject({ status_str: 'error', completed: false });
    expect(entry.status.messages.at(-1)).toEqual([
      'execution_error',
      expect.objectContaining({
        prompt_id: 'cache-3',
        node_id: '4',
        node_type: 'LoraLoader',
        exception_type: 'safetensors._safetensors_rust.SafetensorError',
        exception_message: 'Error while deserializing header: header too large\n',
        current_inputs: expect.objectContaining({ lora_name: ['ada.safetensors'] }),
      }),
    ]);
    place(path.join(sim.loras, 'ada.safetensors'));
  });

  it('interrupts the running prompt at a sampling step, drops a pending one, and lists both while queued', async () => {
    await submit(sim, buildGraph(params({ seed: 70, steps: 500 }), 'long'), 'long');
    await submit(sim, buildGraph(params({ seed: 71 }), 'pending'), 'pending');
    await vi.waitFor(async () => {
      const queue = (await (await fetch(`${sim.url}/queue`)).json()) as { queue_running: unknown[][]; queue_pending: unknown[][] };
      expect([queue.queue_running.map((i) => i[1]), queue.queue_pending.map((i) => i[1])]).toEqual([['long'], ['pending']]);
    });
    expect((await post(sim, '/queue', { delete: ['pending'] })).status).toBe(200);
    expect((await post(sim, '/interrupt', { prompt_id: 'someone-else' })).status).toBe(200);
    expect((await post(sim, '/interrupt', { prompt_id: 'long' })).status).toBe(200);
    const entry = await ended(sim, 'long');
    expect(entry.status).toMatchObject({ status_str: 'error', completed: false });
    expect(entry.status.messages.at(-1)).toEqual(['execution_interrupted', expect.objectContaining({ prompt_id: 'long', node_id: '9', node_type: 'KSampler' })]);
    expect(await (await fetch(`${sim.url}/history/pending`)).json()).toEqual({});
  });
});

describe('ComfyUI simulator engine time and memory (the simulated GPU)', () => {
  let sim: Sim;
  let stateFile: string;
  // Scale 1/1000 of the real figures: cold start 10 ms, base model load 20 ms, LoRA switch 5 ms, step 0.5 ms.
  beforeAll(async () => {
    stateFile = path.join(scratch, 'gpu', 'sim-gpu.json');
    sim = await startSim('gpu', { ISENGARD_SIM_TIME_SCALE: '0.001', ISENGARD_SIM_COMFY_STEP_MS: '', ISENGARD_SIM_GPU_STATE: stateFile });
  });

  const state = () => readGpuState(stateFile).comfyui!;
  const counts = (c: Charged) => ({ coldStarts: c.coldStarts, baseModelLoads: c.baseModelLoads, loraSwitches: c.loraSwitches });
  const device = async () => ((await (await fetch(`${sim.url}/system_stats`)).json()) as { devices: Array<Record<string, number>> }).devices[0]!;
  const freed = async (body: Record<string, boolean>) => {
    expect((await post(sim, '/free', body)).status).toBe(200);
    await vi.waitFor(() => expect(state().vramHeldBytes).toBe(0));
  };

  it('charges the cold start once, scaled, and starts holding nothing', async () => {
    expect(sim.log.text).toContain('[simulator] charged cold start: 10 ms');
    expect(state()).toMatchObject({ pid: expect.any(Number), baseModel: null, loras: [], vramHeldBytes: 0, charged: { coldStarts: 1, ms: { coldStart: 10 } } });
    const d = await device();
    expect(d).toMatchObject({ type: 'cuda', index: 0, torch_vram_total: 0 });
    expect(d.vram_free).toBe(d.vram_total);
  });

  it('loads the base model once, switches LoRAs only when file or strength change, and holds the memory meanwhile', async () => {
    await run(sim, params({ seed: 1, steps: 3 }), 'gpu-1');
    expect(counts(state().charged)).toEqual({ coldStarts: 1, baseModelLoads: 1, loraSwitches: 1 });
    expect(sim.log.text).toContain('[simulator] charged base model load (flux1-dev): 20 ms');
    expect(sim.log.text).toContain('[simulator] charged LoRA switch (none -> ada.safetensors @ 1): 5 ms');
    expect(state()).toMatchObject({ baseModel: 'flux1-dev', loras: [{ name: 'ada.safetensors', strength: 1 }] });
    const held = state().vramHeldBytes;
    expect(held).toBeGreaterThan(0);
    const d = await device();
    expect([d.vram_free, d.torch_vram_total]).toEqual([d.vram_total! - held, held]);

    await run(sim, params({ seed: 2, steps: 3, prompt: 'another prompt' }), 'gpu-2');
    expect(counts(state().charged)).toEqual({ coldStarts: 1, baseModelLoads: 1, loraSwitches: 1 });
    await run(sim, params({ seed: 3, steps: 3, loraStrength: 0.5 }), 'gpu-3');
    expect(counts(state().charged)).toEqual({ coldStarts: 1, baseModelLoads: 1, loraSwitches: 2 });
    await run(sim, params({ seed: 4, steps: 3 }, false), 'gpu-4');
    expect(counts(state().charged)).toEqual({ coldStarts: 1, baseModelLoads: 1, loraSwitches: 3 });
    expect(state()).toMatchObject({ baseModel: 'flux1-dev', loras: [], vramHeldBytes: held });
    expect(sim.log.text).toContain('[simulator] charged LoRA switch (ada.safetensors @ 0.5 -> none): 5 ms');
    // Steps at the scaled 500 ms: 0.5 ms each.
    expect(state().charged.steps).toBe(12);
    expect(state().charged.ms.steps).toBeCloseTo(6);
  });

  it('after /free it holds nothing and loads again; another base model replaces the loaded one', async () => {
    const before = state().charged.baseModelLoads;
    // unload_models alone keeps the node cache (the loaders are reported cached) but the weights are off the card.
    await freed({ unload_models: true });
    const d = await device();
    expect(d.vram_free).toBe(d.vram_total);
    await run(sim, params({ seed: 5, steps: 2 }), 'gpu-5');
    expect((await ended(sim, 'gpu-5')).status.messages[1][1].nodes).toEqual(expect.arrayContaining(['1', '2', '3']));
    expect(state().charged.baseModelLoads).toBe(before + 1);

    await freed({ unload_models: true, free_memory: true });
    await run(sim, params({ seed: 6, steps: 2 }), 'gpu-6');
    expect(state().charged.baseModelLoads).toBe(before + 2);

    const flux = state().vramHeldBytes;
    await run(sim, params({ seed: 7, steps: 2, baseModel: 'sdxl' }, false), 'gpu-7');
    expect(state()).toMatchObject({ baseModel: 'sdxl', loras: [], charged: { baseModelLoads: before + 3 } });
    expect(state().vramHeldBytes).toBeLessThan(flux);
    expect(sim.log.text).toContain('[simulator] charged base model load (sdxl, replacing flux1-dev): 20 ms');
  });

  it('a stopped simulator leaves the card free', async () => {
    const stopping = await startSim('gpu-stop', { ISENGARD_SIM_GPU_STATE: path.join(scratch, 'gpu-stop.json') });
    await run(stopping, params({ seed: 1, steps: 1 }), 'held');
    expect(readGpuState(path.join(scratch, 'gpu-stop.json')).comfyui!.vramHeldBytes).toBeGreaterThan(0);
    spawned.at(-1)!.kill('SIGTERM');
    expect(await stopping.exit).toBe(0);
    expect(readGpuState(path.join(scratch, 'gpu-stop.json')).comfyui!.vramHeldBytes).toBe(0);
  });
});

describe('ComfyUI simulator likeness (scored by the product\'s identity scorer)', () => {
  const scorer = sharedIdentityScorer();
  let sim: Sim;
  let references: Awaited<ReturnType<typeof referencesOf>>;
  const person = { ...lora, fileName: 'person.safetensors', name: 'Person', triggerWord: 'p3r5on' };
  beforeAll(async () => {
    sim = await startSim('likeness');
    const photos = await personPhotos();
    references = await referencesOf(scorer, photos);
    // What the ai-toolkit simulator writes into the LoRA files it saves: the person, and how faithfully the LoRA draws them.
    const jpeg = (await portraitJpeg(photos[0]!)).toString('base64');
    const face = (fidelity: number) => JSON.stringify({ fidelity, overfit: false, jpeg });
    place(path.join(sim.loras, 'person.safetensors'), emptySafetensors({ [SIM_FACE_KEY]: face(1) }));
    place(path.join(sim.loras, 'person-half.safetensors'), emptySafetensors({ [SIM_FACE_KEY]: face(0.5) }));
  });
  afterAll(() => closeSharedIdentityScorer());

  /** The likeness of the picture a prompt makes at 512², by the product's scorer. */
  async function likeness(input: Record<string, unknown>, withLora: typeof person | null, promptId: string) {
    const p = resolveGenerationParams({ prompt: 'p3r5on in a garden', width: 512, height: 512, steps: 2, seed: 5, ...input }, withLora, () => 0);
    await submit(sim, buildGraph(p, promptId), promptId);
    const entry = await ended(sim, promptId);
    expect(entry.status.status_str).toBe('success');
    const [img] = Object.values(entry.outputs as Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>).flatMap((o) => o.images);
    return likenessOf(scorer, await image(sim, img!), references);
  }

  it("draws the LoRA's person at strength 1, and a generic face at strength 0 or without the LoRA", async () => {
    for (const seed of [5, 6]) {
      const full = await likeness({ seed }, person, `full-${seed}`);
      expect(full, `seed ${seed}`).toMatchObject({ status: 'scored', recognisable: true, copyOf: null });
      const none = await likeness({ seed, loraStrength: 0 }, person, `zero-${seed}`);
      expect(none.recognisable, `seed ${seed}: ${JSON.stringify(none)}`).toBe(false);
      const generic = await likeness({ seed }, null, `generic-${seed}`);
      expect(generic.recognisable, `seed ${seed}: ${JSON.stringify(generic)}`).toBe(false);
      expect(generic.status, 'a face, only not theirs').toBe('scored');
    }
  });

  it("follows the strength and the LoRA's fidelity: a half-learnt LoRA, or half the strength, is less alike", async () => {
    const full = await likeness({ seed: 9 }, person, 'strength-1');
    const half = await likeness({ seed: 9, loraStrength: 0.5 }, person, 'strength-0.5');
    const halfLearnt = await likeness({ seed: 9 }, { ...person, fileName: 'person-half.safetensors' }, 'half-learnt');
    expect(half.similarity ?? 0).toBeLessThan(full.similarity!);
    expect(halfLearnt.similarity ?? 0).toBeLessThan(full.similarity!);
    expect(half.recognisable || halfLearnt.recognisable).toBe(false);
  });
});

describe('ComfyUI simulator faults and command line', () => {
  it('crash@N exits at that step, once per output folder; error@N fails the sampler with a CUDA OOM', async () => {
    const crashing = await startSim('crash', { ISENGARD_SIM_COMFY_FAULT: 'crash@2,error@3' });
    await submit(crashing, buildGraph(params({ seed: 1 }), 'crashed'), 'crashed');
    expect(await crashing.exit).toBe(1);

    const restarted = await startSim('crash', { ISENGARD_SIM_COMFY_FAULT: 'crash@2,error@3' });
    await submit(restarted, buildGraph(params({ seed: 1 }), 'oom'), 'oom');
    const entry = await ended(restarted, 'oom');
    expect(entry.status.messages.at(-1)[1]).toMatchObject({ node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError', exception_message: expect.stringMatching(/^CUDA out of memory/) });
    await run(restarted, params({ seed: 1 }), 'after'); // each fault fired once
  });

  it('dropws@N cuts the sockets and the prompt carries on into history', async () => {
    const dropping = await startSim('dropws', { ISENGARD_SIM_COMFY_FAULT: 'dropws@2' });
    const { ws } = await listen(dropping, 'tester');
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await submit(dropping, buildGraph(params({ seed: 1 }), 'dropped'), 'dropped');
    await closed;
    expect((await ended(dropping, 'dropped')).status.status_str).toBe('success');
  });

  it('refuses a flag the GPU worker never passes, with exit code 2', async () => {
    const { log, exit } = spawnSim(['--port', '1', '--enable-cors-header'], {});
    expect(await exit).toBe(2);
    expect(log.text).toContain('unrecognized arguments: --enable-cors-header');
  });
});
