import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';

/**
 * The ComfyUI simulator (server.ts beside this file) against shared/specs/comfyui.md, driven like the production
 * adapter drives ComfyUI: a child process on a free port, real HTTP and WebSocket, dummy model files found through
 * the default model folders and an extra_model_paths.yaml.
 */

const SIM_DIR = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(SIM_DIR, 'server.ts');
const REPO = path.resolve(SIM_DIR, '../../../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'comfy-sim-test-'));

const spawned: ChildProcess[] = [];

afterAll(() => {
  // a failed test must not leave a simulator behind
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------- fixtures

interface Dirs {
  root: string;
  base: string;
  output: string;
  input: string;
  temp: string;
  yaml: string;
}

function touch(file: string, content = 'dummy weights') {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Model files through every route of spec §6: default folders, an is_default section, aliases, multi-line values. */
function makeDirs(name: string): Dirs {
  const root = path.join(scratch, name);
  const d: Dirs = {
    root,
    base: path.join(root, 'comfy'),
    output: path.join(root, 'out'),
    input: path.join(root, 'in'),
    temp: path.join(root, 'tmp'),
    yaml: path.join(root, 'config', 'comfy_paths.yaml'),
  };
  touch(path.join(d.base, 'models/checkpoints/sd_xl_base_1.0.safetensors'));
  touch(path.join(d.base, 'models/loras/builtin.safetensors'));
  touch(path.join(root, 'config/store/loras/person_v1.safetensors'));
  touch(path.join(root, 'config/store/loras/sub/nested.safetensors'));
  touch(path.join(root, 'config/store/loras/readme.txt'), 'not a model');
  touch(path.join(root, 'config/store/flux/flux1-dev.safetensors'));
  touch(path.join(root, 'config/store/te1/t5xxl_fp16.safetensors'));
  touch(path.join(root, 'config/store/te2/clip_l.safetensors'));
  touch(path.join(root, 'config/store/vae/ae.safetensors'));
  touch(path.join(root, 'config/extra-loras/zzz.safetensors'));
  mkdirSync(d.input, { recursive: true });
  touch(
    d.yaml,
    [
      'platform:',
      '  base_path: ./store        # relative: against the yaml directory',
      '  is_default: true',
      '  loras: loras',
      '  unet: flux                # legacy alias of diffusion_models',
      '  clip: |                   # legacy alias of text_encoders, one path per line',
      '    te1',
      '    te2',
      '  vae: vae',
      'other:',
      '  loras: extra-loras        # no base_path: relative to the yaml, appended',
      '',
    ].join('\n'),
  );
  return d;
}

// ---------------------------------------------------------------- process

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Sim {
  port: number;
  proc: ChildProcess;
  log: { text: string };
  exit: Promise<number | null>;
  dirs: Dirs;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('ISENGARD_SIM_COMFY')) delete env[k];
  return { ...env, ISENGARD_SIM_COMFY_STEP_MS: '20', ...extra };
}

function spawnSim(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER, ...args], { cwd: REPO, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(proc);
  const log = { text: '' };
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (log.text += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (log.text += s));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, log, exit };
}

async function startSim(dirs: Dirs, env: Record<string, string> = {}, extra: string[] = []): Promise<Sim> {
  const port = await freePort();
  const { proc, log, exit } = spawnSim(
    [
      '--listen', '127.0.0.1', '--port', String(port),
      '--output-directory', dirs.output, '--input-directory', dirs.input, '--temp-directory', dirs.temp,
      '--base-directory', dirs.base, '--extra-model-paths-config', dirs.yaml,
      '--disable-auto-launch', '--disable-api-nodes', '--preview-method', 'none', '--cpu', ...extra,
    ], // prettier-ignore
    env,
  );
  await waitUntil(() => log.text.includes(`To see the GUI go to: http://127.0.0.1:${port}`), 'startup', 30_000, () => log.text);
  return { port, proc, log, exit, dirs };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000, detail?: () => string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

// ---------------------------------------------------------------- HTTP and WebSocket clients

interface Res {
  status: number;
  text: string;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function request(port: number, method: string, p: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, text: buf.toString('utf8'), body: buf, headers: res.headers, json: () => JSON.parse(buf.toString('utf8')) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const get = (sim: Sim, p: string, headers?: Record<string, string>) => request(sim.port, 'GET', p, undefined, headers);
const post = (sim: Sim, p: string, body: unknown) => request(sim.port, 'POST', p, typeof body === 'string' ? body : JSON.stringify(body));

interface Msg {
  type: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

class Client {
  readonly msgs: Msg[] = [];
  readonly frames: Buffer[] = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.frames.push(Buffer.from(data));
      else this.msgs.push(JSON.parse(data.toString()) as Msg);
    });
    ws.on('close', () => (this.closed = true));
  }
  static async open(sim: Sim, clientId: string, opts: { api?: boolean; flags?: boolean } = {}): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${sim.port}${opts.api ? '/api' : ''}/ws?clientId=${clientId}`);
    const c = new Client(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    if (opts.flags) ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    await waitUntil(() => c.msgs.length > (opts.flags ? 1 : 0), 'first ws message');
    return c;
  }
  async waitFor(pred: (m: Msg) => boolean, what: string, timeoutMs = 15_000): Promise<Msg> {
    let found: Msg | undefined;
    await waitUntil(() => (found = this.msgs.find(pred)) !== undefined, what, timeoutMs, () => JSON.stringify(this.msgs.slice(-5)));
    return found!;
  }
  done(promptId: string, timeoutMs = 15_000): Promise<Msg> {
    return this.waitFor((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId, `completion of ${promptId}`, timeoutMs);
  }
  since(k: number): Msg[] {
    return this.msgs.slice(k);
  }
  close() {
    this.ws.close();
  }
}

// ---------------------------------------------------------------- graphs (spec §5)

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function fluxGraph(o: { seed?: number | string; prefix: string; lora?: string; steps?: number; width?: number; height?: number; batch?: number; text?: string }): Graph {
  return {
    '1': { class_type: 'UNETLoader', inputs: { unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' } },
    '2': { class_type: 'DualCLIPLoader', inputs: { clip_name1: 't5xxl_fp16.safetensors', clip_name2: 'clip_l.safetensors', type: 'flux' } },
    '3': { class_type: 'VAELoader', inputs: { vae_name: 'ae.safetensors' } },
    '4': {
      class_type: 'LoraLoader',
      inputs: { model: ['1', 0], clip: ['2', 0], lora_name: o.lora ?? 'person_v1.safetensors', strength_model: 1.0, strength_clip: 0.75 },
    },
    '5': { class_type: 'CLIPTextEncode', inputs: { text: o.text ?? 'a photo of sks person on a mountain', clip: ['4', 1] } },
    '6': { class_type: 'FluxGuidance', inputs: { conditioning: ['5', 0], guidance: 3.5 } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
    '8': { class_type: 'EmptySD3LatentImage', inputs: { width: o.width ?? 256, height: o.height ?? 192, batch_size: o.batch ?? 1 } },
    '9': {
      class_type: 'KSampler',
      inputs: {
        model: ['4', 0], seed: o.seed ?? 42, steps: o.steps ?? 4, cfg: 1.0, sampler_name: 'euler', scheduler: 'simple',
        positive: ['6', 0], negative: ['7', 0], latent_image: ['8', 0], denoise: 1.0,
      }, // prettier-ignore
    },
    '10': { class_type: 'VAEDecode', inputs: { samples: ['9', 0], vae: ['3', 0] } },
    '11': { class_type: 'SaveImage', inputs: { images: ['10', 0], filename_prefix: o.prefix } },
  };
}

function fluxAdvancedGraph(o: { seed: number; prefix: string; steps: number }): Graph {
  const g = fluxGraph({ prefix: o.prefix });
  delete g['7'];
  delete g['9'];
  g['4'] = { class_type: 'LoraLoaderModelOnly', inputs: { model: ['1', 0], lora_name: 'sub/nested.safetensors', strength_model: 0.9 } };
  g['5'] = { class_type: 'CLIPTextEncode', inputs: { text: 'sks person reading in a cafe', clip: ['2', 0] } };
  g['12'] = { class_type: 'RandomNoise', inputs: { noise_seed: o.seed } };
  g['13'] = { class_type: 'BasicGuider', inputs: { model: ['17', 0], conditioning: ['6', 0] } };
  g['14'] = { class_type: 'KSamplerSelect', inputs: { sampler_name: 'euler' } };
  g['15'] = { class_type: 'BasicScheduler', inputs: { model: ['17', 0], scheduler: 'simple', steps: o.steps, denoise: 1.0 } };
  g['16'] = {
    class_type: 'SamplerCustomAdvanced',
    inputs: { noise: ['12', 0], guider: ['13', 0], sampler: ['14', 0], sigmas: ['15', 0], latent_image: ['8', 0] },
  };
  g['17'] = { class_type: 'ModelSamplingFlux', inputs: { model: ['4', 0], max_shift: 1.15, base_shift: 0.5, width: 256, height: 192 } };
  g['10'] = { class_type: 'VAEDecode', inputs: { samples: ['16', 0], vae: ['3', 0] } };
  return g;
}

function sdxlGraph(o: { seed: number; prefix: string; steps?: number; size?: number; batch?: number }): Graph {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    '10': { class_type: 'LoraLoader', inputs: { model: ['4', 0], clip: ['4', 1], lora_name: 'builtin.safetensors', strength_model: 0.8, strength_clip: 0.8 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'portrait of sks person, studio light', clip: ['10', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['10', 1] } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: o.size ?? 256, height: o.size ?? 256, batch_size: o.batch ?? 1 } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        model: ['10', 0], seed: o.seed, steps: o.steps ?? 3, cfg: 7.0, sampler_name: 'dpmpp_2m', scheduler: 'karras',
        positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0], denoise: 1.0,
      }, // prettier-ignore
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: o.prefix } },
  };
}

const smokeGraph = (width: number, prefix: string): Graph => ({
  '1': { class_type: 'EmptyImage', inputs: { width, height: 48, batch_size: 2, color: 0xff0000 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
});

// ---------------------------------------------------------------- PNG helpers (independent of the simulator's)

function pngText(png: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (let p = 8; p + 8 <= png.length; ) {
    const len = png.readUInt32BE(p);
    const type = png.toString('latin1', p + 4, p + 8);
    if (type === 'tEXt') {
      const data = png.subarray(p + 8, p + 8 + len);
      const z = data.indexOf(0);
      out.set(data.toString('latin1', 0, z), data.toString('latin1', z + 1));
    }
    p += 12 + len;
  }
  return out;
}

async function pixels(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function submit(sim: Sim, graph: Graph, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await post(sim, '/prompt', { prompt: graph, ...extra });
  expect(r.status, r.text).toBe(200);
  return r.json().prompt_id as string;
}

const history = async (sim: Sim, id: string) => (await get(sim, `/history/${id}`)).json()[id];

async function idle(sim: Sim): Promise<void> {
  await expect
    .poll(async () => (await get(sim, '/prompt')).json().exec_info.queue_remaining, { timeout: 15_000, interval: 20, message: 'queue did not drain' })
    .toBe(0);
}

// ================================================================= the main simulator

describe('ComfyUI simulator', () => {
  let sim: Sim;
  let dirs: Dirs;

  beforeAll(async () => {
    dirs = makeDirs('main');
    sim = await startSim(dirs);
  });

  afterAll(async () => {
    if (sim.proc.exitCode === null) {
      sim.proc.kill('SIGTERM');
      await sim.exit;
    }
  });

  it('runs the §5(c) smoke graph with the exact WebSocket sequence, routed to its client only', async () => {
    const a = await Client.open(sim, 'clientA');
    const b = await Client.open(sim, 'observer', { api: true });
    expect(a.msgs[0]).toEqual({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'clientA' } });
    const before = Date.now();
    const id = await submit(sim, smokeGraph(64, 'smoke/test'), { client_id: 'clientA', extra_data: { extra_pnginfo: { workflow: { x: 1 } } } });
    await a.done(id);
    const seq = a.since(1);
    expect(seq.map((m) => m.type)).toEqual([
      'status', 'status', 'execution_start', 'execution_cached',
      'progress_state', 'executing', 'progress_state',
      'progress_state', 'executing', 'executed', 'progress_state',
      'execution_success', 'status', 'executing',
    ]); // prettier-ignore
    expect(seq[0]!.data).toEqual({ status: { exec_info: { queue_remaining: 1 } } });
    expect(seq[1]!.data).toEqual({ status: { exec_info: { queue_remaining: 1 } } });
    expect(seq[2]!.data.prompt_id).toBe(id);
    expect(seq[2]!.data.timestamp).toBeGreaterThanOrEqual(before);
    expect(seq[2]!.data.timestamp).toBeLessThanOrEqual(Date.now());
    expect(seq[3]!.data).toMatchObject({ nodes: [], prompt_id: id });
    expect(seq[4]!.data.nodes['1']).toMatchObject({ state: 'running', value: 0, max: 1, node_id: '1', display_node_id: '1', parent_node_id: null });
    expect(seq[5]!.data).toEqual({ node: '1', display_node: '1', prompt_id: id });
    expect(seq[6]!.data.nodes['1'].state).toBe('finished');
    expect(seq[8]!.data).toEqual({ node: '2', display_node: '2', prompt_id: id });
    const images = [
      { filename: 'test_00001_.png', subfolder: 'smoke', type: 'output' },
      { filename: 'test_00002_.png', subfolder: 'smoke', type: 'output' },
    ];
    expect(seq[9]!.data).toEqual({ node: '2', display_node: '2', output: { images }, prompt_id: id });
    expect(seq[12]!.data).toEqual({ status: { exec_info: { queue_remaining: 0 } } });
    expect(seq[13]!.data).toEqual({ node: null, prompt_id: id });
    // the observer saw the broadcast status messages and nothing else
    expect(b.since(1).map((m) => m.type)).toEqual(['status', 'status', 'status']);

    const h = await history(sim, id);
    expect(h.outputs).toEqual({ '2': { images } });
    expect(h.status.status_str).toBe('success');
    expect(h.status.messages.map((m: [string, unknown]) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_success']);
    expect(h.prompt[1]).toBe(id);
    expect(h.prompt[3]).toEqual({ extra_pnginfo: { workflow: { x: 1 } }, client_id: 'clientA' });
    expect(h.prompt[4]).toEqual(['2']);
    expect(h.meta['2']).toEqual({ node_id: '2', display_node: '2', parent_node: null, real_node_id: '2' });
    const png = readFileSync(path.join(dirs.output, 'smoke/test_00001_.png'));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([64, 48]);
    expect(JSON.parse(pngText(png).get('prompt')!)).toEqual(smokeGraph(64, 'smoke/test'));
    expect(pngText(png).get('workflow')).toBe('{"x": 1}');

    // without client_id: no execution_* / executing to anyone, progress_state broadcast to everyone
    const k = a.msgs.length;
    const k2 = b.msgs.length;
    const id2 = await submit(sim, smokeGraph(65, 'smoke/anon'));
    await waitUntil(() => a.msgs.filter((m, i) => i >= k && m.type === 'status').length >= 3, 'anonymous prompt to finish');
    expect(new Set(a.since(k).map((m) => m.type))).toEqual(new Set(['status', 'progress_state']));
    expect(new Set(b.since(k2).map((m) => m.type))).toEqual(new Set(['status', 'progress_state']));
    expect((await history(sim, id2)).status.status_str).toBe('success');
    a.close();
    b.close();
  });

  it('runs the §5(a) FLUX graph: node order, sampler progress ticks, PNGs with the metadata and a readable label', async () => {
    const a = await Client.open(sim, 'flux');
    const graph = fluxGraph({ seed: '18446744073709551615', prefix: 'jobs/j1/flux', batch: 2, steps: 5 });
    // the maximum seed has to survive JSON parsing exactly (Python ints are unbounded)
    const body = JSON.stringify({ prompt: graph, client_id: 'flux' }).replace('"18446744073709551615"', '18446744073709551615');
    const r = await post(sim, '/prompt', body);
    expect(r.status, r.text).toBe(200);
    const id = r.json().prompt_id as string;
    await a.done(id);
    const seq = a.since(1);
    const order = seq.filter((m) => m.type === 'executing' && m.data.node !== null).map((m) => m.data.node);
    expect(order).toEqual(['3', '8', '2', '1', '4', '7', '5', '6', '9', '10', '11']);
    const expected: string[] = ['status', 'status', 'execution_start', 'execution_cached'];
    for (const n of order) {
      expected.push('progress_state', 'executing');
      if (n === '9') for (let s = 0; s < 5; s++) expected.push('progress_state', 'progress');
      if (n === '11') expected.push('executed');
      expected.push('progress_state');
    }
    expected.push('execution_success', 'status', 'executing');
    expect(seq.map((m) => m.type)).toEqual(expected);
    const ticks = seq.filter((m) => m.type === 'progress');
    expect(ticks.map((m) => m.data)).toEqual([1, 2, 3, 4, 5].map((v) => ({ value: v, max: 5, prompt_id: id, node: '9' })));
    const executed = seq.find((m) => m.type === 'executed')!;
    expect(executed.data.output.images).toEqual([
      { filename: 'flux_00001_.png', subfolder: 'jobs/j1', type: 'output' },
      { filename: 'flux_00002_.png', subfolder: 'jobs/j1', type: 'output' },
    ]);
    const file = path.join(dirs.output, 'jobs/j1/flux_00001_.png');
    const png = readFileSync(file);
    expect((await sharp(png).metadata()).width).toBe(256);
    expect((await sharp(png).metadata()).height).toBe(192);
    // the prompt chunk is Python's json.dumps of the graph: the huge seed stays exact, floats stay floats
    const chunk = pngText(png).get('prompt')!;
    expect(chunk).toContain('"seed": 18446744073709551615');
    expect(chunk).toContain('"cfg": 1.0');
    expect(chunk).toContain('"9": {"class_type": "KSampler"');
    const second = await pixels(path.join(dirs.output, 'jobs/j1/flux_00002_.png'));
    expect(second.data.equals((await pixels(file)).data)).toBe(false); // batch image i uses seed + i
    a.close();
  });

  it('runs the FLUX SamplerCustomAdvanced variant and the §5(b) SDXL graph; same seed, same picture', async () => {
    const a = await Client.open(sim, 'variants');
    const adv = await submit(sim, fluxAdvancedGraph({ seed: 7, prefix: 'jobs/adv/img', steps: 3 }), { client_id: 'variants' });
    await a.done(adv);
    const advTicks = a.msgs.filter((m) => m.type === 'progress' && m.data.prompt_id === adv);
    expect(advTicks.map((m) => [m.data.node, m.data.value, m.data.max])).toEqual([
      ['16', 1, 3],
      ['16', 2, 3],
      ['16', 3, 3],
    ]);
    expect((await history(sim, adv)).outputs['11'].images[0].filename).toBe('img_00001_.png');

    // seed 2 in between, so the second seed-1 prompt is not served from cache but rendered again
    const ids = [
      await submit(sim, sdxlGraph({ seed: 1, prefix: 'jobs/s1/sdxl' }), { client_id: 'variants' }),
      await submit(sim, sdxlGraph({ seed: 2, prefix: 'jobs/%width%x%height%/sdxl' }), { client_id: 'variants' }),
      await submit(sim, sdxlGraph({ seed: 1, prefix: 'jobs/s1b/sdxl' }), { client_id: 'variants' }),
    ];
    for (const id of ids) await a.done(id);
    const hs = await Promise.all(ids.map((id) => history(sim, id)));
    expect(hs.map((h) => h.status.status_str)).toEqual(['success', 'success', 'success']);
    expect(hs[1].outputs['9'].images[0]).toEqual({ filename: 'sdxl_00001_.png', subfolder: 'jobs/256x256', type: 'output' });
    const third = a.msgs.filter((m) => m.type === 'executing' && m.data.prompt_id === ids[2] && m.data.node).map((m) => m.data.node);
    expect(third).toEqual(['3', '8', '9']);
    const [p1, p1b, p2] = await Promise.all([
      pixels(path.join(dirs.output, 'jobs/s1/sdxl_00001_.png')),
      pixels(path.join(dirs.output, 'jobs/s1b/sdxl_00001_.png')),
      pixels(path.join(dirs.output, 'jobs/256x256/sdxl_00001_.png')),
    ]);
    expect([p1.width, p1.height]).toEqual([256, 256]);
    expect(p1.data.equals(p1b.data)).toBe(true);
    expect(p1.data.equals(p2.data)).toBe(false);
    // the label differs where the seed is printed, the background everywhere
    let differing = 0;
    for (let i = 0; i < p1.data.length; i++) if (p1.data[i] !== p2.data[i]) differing++;
    expect(differing).toBeGreaterThan(p1.data.length / 2);
    a.close();
  });

  it('serves an identical resubmission from cache: same filenames, nothing written', async () => {
    const a = await Client.open(sim, 'cache');
    const graph = fluxGraph({ seed: 99, prefix: 'jobs/cached/img' });
    const first = await submit(sim, graph, { client_id: 'cache' });
    await a.done(first);
    const files = readdirSync(path.join(dirs.output, 'jobs/cached'));
    const k = a.msgs.length;
    const again = await submit(sim, graph, { client_id: 'cache' });
    await a.done(again);
    const seq = a.since(k);
    expect(seq.map((m) => m.type)).toEqual([
      'status', 'status', 'execution_start', 'execution_cached', 'executed', 'progress_state', 'execution_success', 'status', 'executing',
    ]); // prettier-ignore
    expect(seq[3]!.data.nodes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    expect(seq[4]!.data.output.images).toEqual([{ filename: 'img_00001_.png', subfolder: 'jobs/cached', type: 'output' }]);
    expect(readdirSync(path.join(dirs.output, 'jobs/cached'))).toEqual(files);
    expect((await history(sim, again)).outputs['11'].images[0].filename).toBe('img_00001_.png');
    // a new seed re-runs only the sampler and what follows it
    const k2 = a.msgs.length;
    const third = await submit(sim, fluxGraph({ seed: 100, prefix: 'jobs/cached/img' }), { client_id: 'cache' });
    await a.done(third);
    expect(a.since(k2).find((m) => m.type === 'execution_cached')!.data.nodes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(a.since(k2).filter((m) => m.type === 'executing' && m.data.node).map((m) => m.data.node)).toEqual(['9', '10', '11']);
    expect((await history(sim, third)).outputs['11'].images[0].filename).toBe('img_00002_.png');
    a.close();
  });

  it('validates like ComfyUI: error types, messages, details and node_errors', async () => {
    const bad = async (graph: unknown, extra: Record<string, unknown> = {}) => {
      const r = await post(sim, '/prompt', { prompt: graph, ...extra });
      expect(r.status, r.text).toBe(400);
      return r.json();
    };
    const lora = await bad(fluxGraph({ prefix: 'x', lora: 'missing.safetensors' }));
    expect(lora.error).toEqual({ type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} });
    expect(lora.node_errors['4']).toEqual({
      errors: [
        {
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: "lora_name: 'missing.safetensors' not in ['builtin.safetensors', 'person_v1.safetensors', 'sub/nested.safetensors', 'zzz.safetensors']",
          extra_info: {
            input_name: 'lora_name',
            input_config: [['builtin.safetensors', 'person_v1.safetensors', 'sub/nested.safetensors', 'zzz.safetensors'], { tooltip: 'The name of the LoRA.' }],
            received_value: 'missing.safetensors',
          },
        },
      ],
      dependent_outputs: ['11'],
      class_type: 'LoraLoader',
    });

    const g = fluxGraph({ prefix: 'x' });
    delete (g['9']!.inputs as Record<string, unknown>).model;
    g['9']!.inputs.steps = 0;
    g['9']!.inputs.denoise = 2;
    g['9']!.inputs.cfg = 'abc';
    const multi = await bad(g);
    expect(multi.node_errors['9'].errors).toEqual([
      { type: 'required_input_missing', message: 'Required input is missing', details: 'model', extra_info: { input_name: 'model' } },
      {
        type: 'value_smaller_than_min',
        message: 'Value 0 smaller than min of 1',
        details: 'steps',
        extra_info: { input_name: 'steps', input_config: ['INT', expect.objectContaining({ min: 1, max: 10000 })], received_value: 0 },
      },
      {
        type: 'invalid_input_type',
        message: 'Failed to convert an input value to a FLOAT value',
        details: "cfg, abc, could not convert string to float: 'abc'",
        extra_info: expect.objectContaining({ input_name: 'cfg', received_value: 'abc', exception_message: "could not convert string to float: 'abc'" }),
      },
      {
        type: 'value_bigger_than_max',
        message: 'Value 2.0 bigger than max of 1.0',
        details: 'denoise',
        extra_info: expect.objectContaining({ input_name: 'denoise', received_value: 2 }),
      },
    ]);

    const dangling = fluxGraph({ prefix: 'x' });
    dangling['11']!.inputs.images = ['99', 0];
    const d1 = await bad(dangling);
    expect(d1.error.details).toBe("Exception when validating node: '99'");
    expect(d1.node_errors['11'].errors[0]).toMatchObject({ type: 'exception_during_validation', details: "'99'", extra_info: { exception_type: 'KeyError' } });
    const inner = fluxGraph({ prefix: 'x' });
    inner['9']!.inputs.latent_image = ['99', 0];
    const d2 = await bad(inner);
    expect(d2.error.details).toBe('');
    expect(d2.node_errors['9'].errors[0]).toMatchObject({
      type: 'exception_during_inner_validation',
      details: "'99'",
      extra_info: { input_name: 'samples', exception_type: 'KeyError', linked_node: ['9', 0] },
    });

    const mismatch = fluxGraph({ prefix: 'x' });
    mismatch['11']!.inputs.images = ['3', 0];
    const m = await bad(mismatch);
    expect(m.error.details).toBe('Return type mismatch between linked nodes: images, received_type(VAE) mismatch input_type(IMAGE)');
    expect(m.node_errors['11'].errors[0].extra_info).toMatchObject({ received_type: 'VAE', linked_node: ['3', 0] });

    const badLink = fluxGraph({ prefix: 'x' });
    badLink['10']!.inputs.vae = ['3'];
    expect((await bad(badLink)).node_errors['10'].errors[0].type).toBe('bad_linked_input');

    expect((await bad({ '1': { class_type: 'LoadImage', inputs: { image: 'nope.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } })).node_errors['1'].errors[0]).toEqual({
      type: 'custom_validation_failed',
      message: 'Custom validation failed for node',
      details: 'image - Invalid image file: nope.png',
      extra_info: { input_name: 'image' },
    });

    // more than 20 options: no list in details, no input_config (files appear live, no restart)
    for (let i = 0; i < 21; i++) touch(path.join(dirs.base, `models/vae/v${String(i).padStart(2, '0')}.safetensors`));
    const many = fluxGraph({ prefix: 'x' });
    many['3']!.inputs.vae_name = 'missing.safetensors';
    const big = (await bad(many)).node_errors['3'].errors[0];
    expect(big.details).toBe("vae_name: 'missing.safetensors' not in (list of length 23)");
    expect(big.extra_info.input_config).toBeNull();
    rmSync(path.join(dirs.base, 'models/vae'), { recursive: true });

    const r1 = await post(sim, '/prompt', { nothing: 1 });
    expect([r1.status, r1.json()]).toEqual([400, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} }]);
    expect((await bad({ '5': { inputs: {} } })).error).toEqual({
      type: 'invalid_prompt',
      message: 'Cannot execute because a node is missing the class_type property.',
      details: "Node ID '#5'",
      extra_info: {},
    });
    expect((await bad({ '5': { class_type: 'Bogus', inputs: {} } })).error.message).toBe('Cannot execute because node Bogus does not exist.');
    expect((await bad({ '1': { class_type: 'EmptyImage', inputs: {} } })).error.type).toBe('prompt_no_outputs');

    // one valid output and one invalid: 200, the valid one runs, the other is listed
    const a = await Client.open(sim, 'partial');
    const two = { ...smokeGraph(66, 'partial/ok'), '3': { class_type: 'SaveImage', inputs: { images: ['9', 0], filename_prefix: 'partial/bad' } } };
    const r2 = await post(sim, '/prompt', { prompt: two, client_id: 'partial', prompt_id: 'my-own-id' });
    expect(r2.status).toBe(200);
    expect(r2.json().prompt_id).toBe('my-own-id');
    expect(r2.json().node_errors['3'].errors[0].type).toBe('exception_during_validation');
    await a.done('my-own-id');
    expect((await history(sim, 'my-own-id')).prompt[4]).toEqual(['2']);
    a.close();
  });

  it('counts `number` like ComfyUI: rejected prompts use one, explicit numbers and front', async () => {
    const n0 = (await post(sim, '/prompt', { prompt: smokeGraph(70, 'n/a') })).json().number as number;
    await post(sim, '/prompt', { prompt: {} });
    const n1 = (await post(sim, '/prompt', { prompt: smokeGraph(71, 'n/b') })).json().number;
    expect(n1).toBe(n0 + 2);
    const explicit = await post(sim, '/prompt', { prompt: smokeGraph(72, 'n/c'), number: 3 });
    expect(explicit.text).toContain('"number": 3.0');
    const front = await post(sim, '/prompt', { prompt: smokeGraph(73, 'n/d'), front: true });
    expect(front.json().number).toBe(-(n0 + 3));
    await idle(sim);
  });

  it('interrupts the running prompt at a sampling step; the next prompt then runs', async () => {
    const a = await Client.open(sim, 'intr');
    const long = await submit(sim, fluxGraph({ seed: 5, prefix: 'jobs/long/img', steps: 400 }), { client_id: 'intr' });
    const next = await submit(sim, smokeGraph(80, 'after/interrupt'), { client_id: 'intr' });
    await a.waitFor((m) => m.type === 'progress' && m.data.prompt_id === long && m.data.value >= 2, 'sampling');
    const q = (await get(sim, '/queue')).json();
    expect(q.queue_running.map((it: unknown[]) => it[1])).toEqual([long]);
    expect(q.queue_pending.map((it: unknown[]) => it[1])).toEqual([next]);
    expect((await get(sim, '/prompt')).json()).toEqual({ exec_info: { queue_remaining: 2 } });
    // targeted at a prompt that is not running: a no-op
    expect((await post(sim, '/interrupt', { prompt_id: next })).status).toBe(200);
    const seen = a.msgs.length;
    await a.waitFor((m) => m.type === 'progress' && a.msgs.indexOf(m) > seen, 'sampling to carry on');
    const r = await post(sim, '/interrupt', { prompt_id: long });
    expect([r.status, r.text]).toEqual([200, '']);
    await a.done(long);
    const interrupted = a.msgs.find((m) => m.type === 'execution_interrupted')!;
    expect(interrupted.data).toMatchObject({ prompt_id: long, node_id: '9', node_type: 'KSampler' });
    expect(interrupted.data.executed).not.toContain('9');
    const h = await history(sim, long);
    expect([h.status.status_str, h.status.completed]).toEqual(['error', false]);
    expect(h.status.messages.at(-1)[0]).toBe('execution_interrupted');
    expect(h.outputs).toEqual({});
    await a.done(next);
    expect((await history(sim, next)).status.status_str).toBe('success');
    a.close();
  });

  it('deletes and clears pending prompts, and re-announces the running node to a reconnecting client', async () => {
    const a = await Client.open(sim, 'qd');
    const long = await submit(sim, fluxGraph({ seed: 6, prefix: 'jobs/qd/img', steps: 400 }), { client_id: 'qd' });
    const p2 = await submit(sim, smokeGraph(81, 'qd/a'));
    const p3 = await submit(sim, smokeGraph(82, 'qd/b'));
    await a.waitFor((m) => m.type === 'progress' && m.data.prompt_id === long, 'sampling');
    a.close();
    const again = await Client.open(sim, 'qd');
    expect(again.msgs[0]!.type).toBe('status');
    await again.waitFor((m) => m.type === 'executing', 'reconnect executing');
    expect(again.msgs[1]).toEqual({ type: 'executing', data: { node: '9' } });
    await post(sim, '/queue', { delete: [p2] });
    expect((await get(sim, '/queue')).json().queue_pending.map((it: unknown[]) => it[1])).toEqual([p3]);
    await post(sim, '/queue', { clear: true });
    expect((await get(sim, '/api/queue')).json().queue_pending).toEqual([]);
    expect((await request(sim.port, 'POST', '/interrupt')).status).toBe(200); // no body: global
    await again.done(long);
    const all = (await get(sim, '/history')).json();
    expect(Object.keys(all)).toContain(long);
    expect(Object.keys(all)).not.toContain(p2);
    expect(Object.keys(all)).not.toContain(p3);
    again.close();
  });

  it('serves history and /view with ComfyUI status codes', async () => {
    const all = (await get(sim, '/history')).json();
    const ids = Object.keys(all);
    expect(Object.keys((await get(sim, '/history?max_items=2')).json())).toEqual(ids.slice(-2));
    expect(Object.keys((await get(sim, '/history?max_items=2&offset=1')).json())).toEqual(ids.slice(1, 3));
    expect((await get(sim, '/history/unknown-id')).json()).toEqual({});
    const view = await get(sim, '/view?filename=test_00001_.png&subfolder=smoke&type=output');
    expect(view.status).toBe(200);
    expect(view.headers['content-type']).toBe('image/png');
    expect(view.headers['content-disposition']).toBe('filename="test_00001_.png"');
    expect(view.body.equals(readFileSync(path.join(dirs.output, 'smoke/test_00001_.png')))).toBe(true);
    const webp = await get(sim, '/api/view?filename=test_00001_.png&subfolder=smoke&preview=webp;50');
    expect([webp.status, webp.headers['content-type']]).toEqual([200, 'image/webp']);
    expect((await get(sim, '/view?filename=../secret.png')).status).toBe(400);
    expect((await get(sim, '/view?filename=x.png&type=bogus')).status).toBe(400);
    expect((await get(sim, '/view?filename=test_00001_.png&subfolder=../..')).status).toBe(403);
    const missing = await get(sim, '/view?filename=nope.png');
    expect([missing.status, missing.body.length]).toEqual([404, 0]);
    await post(sim, '/history', { delete: [ids[0]] });
    expect(Object.keys((await get(sim, '/history')).json())).not.toContain(ids[0]);
  });

  it('names uploads like ComfyUI and loads them with LoadImage; previews go to temp', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const other = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#cc3366' } }).png().toBuffer();
    const upload = async (data: Buffer, fields: Record<string, string> = {}) => {
      const boundary = 'simtestboundary';
      const parts = [
        ...Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="up.png"\r\nContent-Type: image/png\r\n\r\n`,
      ];
      const body = Buffer.concat([Buffer.from(parts.join('')), data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
      return request(sim.port, 'POST', '/upload/image', body, { 'Content-Type': `multipart/form-data; boundary=${boundary}` });
    };
    expect((await upload(png, { subfolder: 'jobs/abc' })).json()).toEqual({ name: 'up.png', subfolder: 'jobs/abc', type: 'input' });
    expect((await upload(png, { subfolder: 'jobs/abc' })).json().name).toBe('up.png');
    expect((await upload(other, { subfolder: 'jobs/abc' })).json().name).toBe('up (1).png');
    expect((await upload(other, { subfolder: '../..' })).status).toBe(400);
    expect((await request(sim.port, 'POST', '/upload/image', '', { 'Content-Type': 'multipart/form-data; boundary=x' })).status).toBe(400);

    const a = await Client.open(sim, 'img2img');
    const graph = {
      '1': { class_type: 'LoadImage', inputs: { image: 'jobs/abc/up.png' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'loaded/img' } },
      '3': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      '4': { class_type: 'SaveImageWebsocket', inputs: { images: ['1', 0] } },
    };
    const id = await submit(sim, graph, { client_id: 'img2img' });
    await a.done(id);
    const h = await history(sim, id);
    const saved = await pixels(path.join(dirs.output, 'loaded/img_00001_.png'));
    expect(saved.data.equals((await sharp(png).raw().toBuffer()))).toBe(true);
    const preview = h.outputs['3'].images[0];
    expect(preview.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.png$/);
    expect(preview.type).toBe('temp');
    expect((await get(sim, `/view?filename=${preview.filename}&type=temp`)).status).toBe(200);
    expect(h.outputs['4']).toBeUndefined(); // SaveImageWebsocket has no UI output
    const frame = a.frames[0]!;
    expect([frame.readUInt32BE(0), frame.readUInt32BE(4)]).toEqual([1, 2]);
    expect(frame.subarray(8, 12).toString('latin1')).toBe('\x89PNG');
    a.close();
  });

  it('answers the introspection routes in ComfyUI shapes, with and without /api', async () => {
    const stats = (await get(sim, '/api/system_stats')).json();
    expect(stats.system.comfyui_version).toBe('0.3.64');
    expect(stats.system.argv.join(' ')).toContain('simulator/server.ts');
    expect(stats.devices[0]).toMatchObject({ name: 'cpu', type: 'cpu', index: null });
    expect((await get(sim, '/features')).json()).toEqual({ supports_preview_metadata: true, max_upload_size: 104857600 });
    const models = (await get(sim, '/models')).json();
    expect(models.slice(0, 6)).toEqual(['checkpoints', 'configs', 'loras', 'vae', 'text_encoders', 'diffusion_models']);
    expect((await get(sim, '/models/loras')).json()).toEqual(['builtin.safetensors', 'person_v1.safetensors', 'sub/nested.safetensors', 'zzz.safetensors']);
    expect((await get(sim, '/models/text_encoders')).json()).toEqual(['clip_l.safetensors', 't5xxl_fp16.safetensors']);
    expect((await get(sim, '/models/diffusion_models')).json()).toEqual(['flux1-dev.safetensors']);
    for (const p of ['/models/clip', '/models/unet', '/models/bogus']) expect((await get(sim, p)).status).toBe(404);
    const folders = (await get(sim, '/internal/folder_paths')).json();
    const store = path.join(dirs.root, 'config/store');
    expect(folders.loras).toEqual([path.join(store, 'loras'), path.join(dirs.base, 'models/loras'), path.join(dirs.root, 'config/extra-loras'), path.join(dirs.output, 'loras')]);
    expect(folders.text_encoders.slice(0, 2)).toEqual([path.join(store, 'te2'), path.join(store, 'te1')]);
    touch(path.join(store, 'loras/new_person.safetensors'));
    expect((await get(sim, '/models/loras')).json()).toContain('new_person.safetensors');

    const ks = (await get(sim, '/object_info/KSampler')).json().KSampler;
    expect(ks.input.required.sampler_name[0]).toHaveLength(42);
    expect(ks.input.required.sampler_name[0].slice(0, 3)).toEqual(['euler', 'euler_cfg_pp', 'euler_ancestral']);
    expect(ks.input.required.scheduler[0]).toEqual(['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal']);
    expect(ks.input_order.required).toEqual(['model', 'seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'positive', 'negative', 'latent_image', 'denoise']);
    expect(ks).toMatchObject({ output: ['LATENT'], output_is_list: [false], output_name: ['LATENT'], name: 'KSampler', category: 'sampling', output_node: false });
    expect((await get(sim, '/object_info/KSampler')).text).toContain('"max": 18446744073709551615');
    expect((await get(sim, '/object_info/Nope')).json()).toEqual({});
    const all = (await get(sim, '/object_info')).json();
    for (const cls of [
      'UNETLoader', 'DualCLIPLoader', 'CLIPLoader', 'VAELoader', 'CheckpointLoaderSimple', 'LoraLoader', 'LoraLoaderModelOnly',
      'CLIPTextEncode', 'FluxGuidance', 'EmptySD3LatentImage', 'EmptyLatentImage', 'KSampler', 'KSamplerSelect', 'BasicScheduler',
      'BasicGuider', 'RandomNoise', 'SamplerCustomAdvanced', 'ModelSamplingFlux', 'VAEDecode', 'SaveImage', 'PreviewImage',
      'SaveImageWebsocket', 'EmptyImage', 'LoadImage',
    ]) expect(all[cls]?.name, cls).toBe(cls); // prettier-ignore
    expect(all.LoraLoader.input.required.lora_name[0]).toContain('new_person.safetensors');
    expect(all.VAELoader.input.required.vae_name[0]).toEqual(['ae.safetensors', 'pixel_space']);
    expect(all.SaveImage.input.hidden).toEqual({ prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' });
    expect(all.FluxGuidance).toMatchObject({ display_name: null, output_tooltips: [null], deprecated: false, api_node: false });

    expect((await get(sim, '/embeddings')).json()).toEqual([]);
    const forged = await get(sim, '/queue', { Host: `127.0.0.1:${sim.port}`, Origin: 'http://evil.example.com' });
    expect([forged.status, forged.body.length]).toEqual([403, 0]);
    expect((await get(sim, '/queue', { Host: `127.0.0.1:${sim.port}`, Origin: `http://127.0.0.1:${sim.port}` })).status).toBe(200);
    const broken = await post(sim, '/prompt', '{not json');
    expect([broken.status, broken.text]).toEqual([500, '500 Internal Server Error\n\nServer got itself in trouble']);
  });

  it('reports fake VRAM and honours /free {unload_models}', async () => {
    const a = await Client.open(sim, 'vram');
    const id = await submit(sim, fluxGraph({ seed: 11, prefix: 'jobs/vram/img' }), { client_id: 'vram' });
    await a.done(id);
    const loaded = (await get(sim, '/system_stats')).json().devices[0];
    expect(loaded.vram_free).toBeLessThan(loaded.vram_total - 10 * 1024 ** 3);
    expect((await post(sim, '/free', { unload_models: true })).status).toBe(200);
    await waitUntil(() => sim.log.text.includes('[simulator] unloaded all models'), 'unload');
    const freed = (await get(sim, '/system_stats')).json().devices[0];
    expect(freed.vram_free).toBeGreaterThan(loaded.vram_free + 10 * 1024 ** 3);
    a.close();
  });

  it('shuts down cleanly on SIGTERM', async () => {
    sim.proc.kill('SIGTERM');
    expect(await sim.exit).toBe(0);
    expect(existsSync(path.join(dirs.temp, 'temp'))).toBe(false);
  });
});

// ================================================================= faults and the command line

describe('ComfyUI simulator faults and CLI', () => {
  it('crash@N kills the process at that step, once per output directory; slow makes steps 10x longer', async () => {
    const dirs = makeDirs('crash');
    const sim = await startSim(dirs, { ISENGARD_SIM_COMFY_FAULT: 'slow,crash@3', ISENGARD_SIM_COMFY_STEP_MS: '15' });
    const a = await Client.open(sim, 'c');
    const id = await submit(sim, fluxGraph({ seed: 1, prefix: 'jobs/crash/img', steps: 6 }), { client_id: 'c' });
    expect(await sim.exit).toBe(1);
    await waitUntil(() => a.closed, 'socket to drop');
    const ticks = a.msgs.filter((m) => m.type === 'progress');
    expect(ticks.map((m) => m.data.value)).toEqual([1, 2]);
    expect(sim.log.text).not.toContain('Stopped server');
    expect(JSON.parse(readFileSync(path.join(dirs.output, '.isengard-comfyui-sim-faults.json'), 'utf8')).fired).toEqual(['slow', 'crash@3']);

    const again = await startSim(dirs, { ISENGARD_SIM_COMFY_FAULT: 'slow,crash@3', ISENGARD_SIM_COMFY_STEP_MS: '15' });
    expect((await get(again, `/history/${id}`)).json()).toEqual({}); // history does not survive a restart
    const b = await Client.open(again, 'c');
    const started = Date.now();
    const id2 = await submit(again, fluxGraph({ seed: 1, prefix: 'jobs/crash/img', steps: 6 }), { client_id: 'c' });
    await b.done(id2);
    expect(Date.now() - started).toBeLessThan(6 * 150);
    expect((await history(again, id2)).status.status_str).toBe('success');
    b.close();
    again.proc.kill('SIGTERM');
    expect(await again.exit).toBe(0);
  });

  it('error@N raises a CUDA OOM at the sampler, dropws@N cuts the sockets; previews are sent when enabled', async () => {
    const dirs = makeDirs('errors');
    const sim = await startSim(dirs, { ISENGARD_SIM_COMFY_FAULT: 'error@2,dropws@2' }, ['--preview-method', 'auto', '--preview-size', '64']);
    const a = await Client.open(sim, 'e', { flags: true });
    expect(a.msgs[1]).toEqual({ type: 'feature_flags', data: { supports_preview_metadata: true, max_upload_size: 104857600 } });
    const id = await submit(sim, fluxGraph({ seed: 3, prefix: 'jobs/err/img', steps: 4 }), { client_id: 'e' });
    await a.done(id);
    const err = a.msgs.find((m) => m.type === 'execution_error')!.data;
    expect(err).toMatchObject({ prompt_id: id, node_id: '9', node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError' });
    expect(err.exception_message).toMatch(/^CUDA out of memory\. Tried to allocate .*\nThis error means you ran out of memory on your GPU\./s);
    expect(err.current_inputs).toMatchObject({ seed: [3], steps: [4], cfg: [1], sampler_name: ['euler'], scheduler: ['simple'] });
    expect(err.current_outputs).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    expect(err.traceback.length).toBeGreaterThan(0);
    expect(a.msgs.some((m) => m.type === 'execution_success')).toBe(false);
    const h = await history(sim, id);
    expect([h.status.status_str, h.status.completed, h.status.messages.at(-1)[0]]).toEqual(['error', false, 'execution_error']);
    // step 1 came with a latent preview in the metadata format this client negotiated
    const meta = a.frames[0]!;
    expect(meta.readUInt32BE(0)).toBe(4);
    const len = meta.readUInt32BE(4);
    expect(JSON.parse(meta.subarray(8, 8 + len).toString())).toMatchObject({ node_id: '9', prompt_id: id, image_type: 'image/jpeg' });
    expect(meta.subarray(8 + len, 10 + len)).toEqual(Buffer.from([0xff, 0xd8]));

    const id2 = await submit(sim, fluxGraph({ seed: 4, prefix: 'jobs/err/img', steps: 4 }), { client_id: 'e' });
    await waitUntil(() => a.closed, 'dropped socket');
    await expect.poll(() => history(sim, id2), { timeout: 10_000, interval: 20 }).toBeDefined();
    expect((await history(sim, id2)).status.status_str).toBe('success'); // the prompt carried on without its socket

    const b = await Client.open(sim, 'legacy');
    const id3 = await submit(sim, fluxGraph({ seed: 5, prefix: 'jobs/err/img', steps: 3 }), { client_id: 'legacy' });
    await b.done(id3);
    expect(b.closed).toBe(false);
    expect((await history(sim, id3)).status.status_str).toBe('success');
    expect(b.frames).toHaveLength(3);
    expect([b.frames[0]!.readUInt32BE(0), b.frames[0]!.readUInt32BE(4), b.frames[0]![8], b.frames[0]![9]]).toEqual([1, 1, 0xff, 0xd8]);
    expect((await sharp(b.frames[0]!.subarray(8)).metadata()).width).toBe(64);
    b.close();
    sim.proc.kill('SIGTERM');
    expect(await sim.exit).toBe(0);
  });

  it('rejects unknown and conflicting flags like argparse (exit 2)', async () => {
    const runs = await Promise.all(
      [['--bogus'], ['--cpu', '--lowvram'], ['--port', 'abc']].map(async (args) => {
        const { log, exit } = spawnSim(args, {});
        return { code: await exit, text: log.text };
      }),
    );
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]!.text).toMatch(/^usage: /);
    expect(runs[0]!.text).toContain('error: unrecognized arguments: --bogus');
    expect(runs[1]!.text).toContain('error: argument --lowvram: not allowed with argument --cpu');
    expect(runs[2]!.text).toContain("error: argument --port: invalid int value: 'abc'");
  });
});
