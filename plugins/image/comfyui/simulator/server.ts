/**
 * ComfyUI simulator, started like ComfyUI's `main.py` with the flags the GPU worker passes (server-process.ts):
 *
 *   node --import tsx plugins/image/comfyui/simulator/server.ts --listen 127.0.0.1 --port 8188 \
 *     --output-directory DIR --input-directory DIR --temp-directory DIR --extra-model-paths-config FILE \
 *     --disable-auto-launch --disable-api-nodes --preview-method none [--cpu]
 *
 * It serves the routes and WebSocket messages the adapter uses (client.ts; comfyui.md §2, §3), in ComfyUI's shapes.
 * Environment: the engine times of ../../../simulated-gpu/figures.json (ISENGARD_SIM_TIME_SCALE and each time's own
 * variable, gpu.ts), ISENGARD_SIM_GPU_STATE (the state file shared with the trainer), ISENGARD_SIM_COMFY_FAULT (faults.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { simulatedGpuFigures, simulatedTimes } from '../../../simulated-gpu/figures';
import { GPU_STATE_VARIABLE } from '../../../simulated-gpu/gpu-state';
import { Executor, type Sockets } from './executor';
import { Faults, parseFaults } from './faults';
import { SimulatedGpu } from './gpu';
import { ModelFolders } from './model-folders';
import { validatePrompt } from './validation';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The flags the product passes; anything else is refused, as argparse would, with exit code 2. */
function parseArgs(argv: string[]) {
  const args = { listen: '127.0.0.1', port: 8188, output: 'output', input: 'input', temp: '.', modelPaths: [] as string[] };
  const valued: Record<string, (v: string) => void> = {
    '--listen': (v) => (args.listen = v),
    '--port': (v) => (args.port = Number(v)),
    '--output-directory': (v) => (args.output = v),
    '--input-directory': (v) => (args.input = v),
    '--temp-directory': (v) => (args.temp = v),
    '--extra-model-paths-config': (v) => args.modelPaths.push(v),
    '--preview-method': () => undefined,
  };
  const ignored = new Set(['--disable-auto-launch', '--disable-api-nodes', '--cpu']);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (ignored.has(flag)) continue;
    const set = valued[flag];
    const value = argv[i + 1];
    if (!set) fail(`usage: server.ts [flags]\nserver.ts: error: unrecognized arguments: ${flag} (the simulator takes only the flags the GPU worker passes)`, 2);
    if (value === undefined || value.startsWith('--')) fail(`server.ts: error: argument ${flag}: expected one argument`, 2);
    set(value);
    i++;
    // --extra-model-paths-config takes several files, like ComfyUI's nargs='+'.
    while (flag === '--extra-model-paths-config' && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) set(argv[++i]!);
  }
  if (!Number.isInteger(args.port)) fail(`server.ts: error: argument --port: invalid int value`, 2);
  return args;
}

type Reply = { status: number; body?: unknown; file?: string };

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  return JSON.parse(text) as Record<string, unknown>; // malformed: 500, as aiohttp answers
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const outputDir = path.resolve(args.output);
  const folders: Record<string, string> = { output: outputDir, input: path.resolve(args.input), temp: path.join(path.resolve(args.temp), 'temp') };
  let faults: Faults;
  let models: ModelFolders;
  let gpu: SimulatedGpu;
  let stepMs: number;
  try {
    const figures = simulatedGpuFigures();
    const times = simulatedTimes(process.env, figures);
    stepMs = times.comfyStep;
    gpu = new SimulatedGpu({ times, memory: figures.memory, stateFile: process.env[GPU_STATE_VARIABLE] || undefined, log });
    faults = new Faults(parseFaults(process.env.ISENGARD_SIM_COMFY_FAULT), outputDir);
    models = new ModelFolders(args.modelPaths);
  } catch (err) {
    fail((err as Error).message, 1);
  }

  const clients = new Map<string, WebSocket>();
  const sockets: Sockets = {
    send(type, data, clientId) {
      const text = JSON.stringify({ type, data });
      const targets = clientId === null ? [...clients.values()] : [clients.get(clientId)].filter((s) => s !== undefined);
      for (const socket of targets) socket.send(text);
    },
    dropAll() {
      for (const socket of clients.values()) socket.terminate();
      clients.clear();
    },
  };
  const executor = new Executor({ models, outputDir, sockets, faults, gpu, stepMs, log, crash: () => process.exit(1) });

  const routes: Record<string, (url: URL, body: () => Promise<Record<string, unknown> | undefined>) => Promise<Reply> | Reply> = {
    'GET /system_stats': () => ({
      status: 200,
      body: {
        system: { os: 'posix', ...SimulatedGpu.ram(), comfyui_version: '0.3.64', python_version: '3.11.7', pytorch_version: '2.13.0+cu128', embedded_python: false, argv: process.argv.slice(1) },
        devices: [gpu.device()],
      },
    }),
    'POST /prompt': async (_url, body) => {
      const b = (await body()) ?? {};
      const number = b.number !== undefined ? Number(b.number) : executor.nextNumber();
      if (!('prompt' in b)) {
        return { status: 400, body: { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} } };
      }
      const checked = validatePrompt(b.prompt, models);
      if (!checked.ok) return { status: 400, body: { error: checked.error, node_errors: checked.node_errors } };
      const promptId = b.prompt_id !== undefined ? String(b.prompt_id) : randomUUID();
      const extraData = { ...((b.extra_data as Record<string, unknown> | undefined) ?? {}), ...(b.client_id !== undefined ? { client_id: b.client_id } : {}) };
      executor.enqueue([b.front ? -number : number, promptId, b.prompt as never, extraData, checked.outputs]);
      return { status: 200, body: { prompt_id: promptId, number, node_errors: {} } };
    },
    'GET /queue': () => ({ status: 200, body: executor.queue() }),
    'POST /queue': async (_url, body) => {
      const b = (await body()) ?? {};
      if (b.clear) executor.deletePending('all');
      if (Array.isArray(b.delete)) executor.deletePending(b.delete.map(String));
      return { status: 200 };
    },
    'POST /interrupt': async (_url, body) => {
      const b = await body().catch(() => undefined);
      executor.interrupt(b?.prompt_id === undefined ? undefined : String(b.prompt_id));
      return { status: 200 };
    },
    'POST /free': async (_url, body) => {
      const b = (await body()) ?? {};
      // main.py's prompt_worker: free_memory unloads the models too, and clears the cache.
      if (b.unload_models || b.free_memory) executor.free({ reset: Boolean(b.free_memory) });
      return { status: 200 };
    },
    'GET /view': (url) => {
      const filename = url.searchParams.get('filename');
      const folder = folders[url.searchParams.get('type') || 'output'];
      if (!filename) return { status: 404 };
      if (!folder) return { status: 400 };
      if (filename.startsWith('/') || filename.includes('..')) return { status: 400 };
      const dir = path.resolve(folder, url.searchParams.get('subfolder') ?? '');
      if (path.relative(folder, dir).startsWith('..')) return { status: 403 };
      const file = path.join(dir, filename);
      return existsSync(file) && statSync(file).isFile() ? { status: 200, file } : { status: 404 };
    },
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes[`${req.method} ${url.pathname.replace(/^\/api\//, '/')}`];
    const history = /^(?:\/api)?\/history\/([^/]+)$/.exec(url.pathname);
    const handle = async (): Promise<Reply> => {
      if (route) return route(url, () => readJson(req));
      if (history && req.method === 'GET') return { status: 200, body: executor.historyOf(decodeURIComponent(history[1]!)) };
      return { status: 404, body: '404: Not Found' };
    };
    handle().then(
      (reply) => {
        if (reply.file) {
          res.writeHead(200, { 'Content-Type': reply.file.endsWith('.png') ? 'image/png' : 'application/octet-stream', 'Content-Disposition': `filename="${path.basename(reply.file)}"` });
          res.end(readFileSync(reply.file));
        } else if (typeof reply.body === 'string') {
          res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(reply.body);
        } else if (reply.body !== undefined) {
          res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply.body));
        } else {
          res.writeHead(reply.status, { 'Content-Length': 0 }).end();
        }
      },
      () => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('500 Internal Server Error\n\nServer got itself in trouble'),
    );
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') || randomBytes(16).toString('hex');
      clients.set(sid, ws); // a new socket with the same id replaces the old one
      ws.on('close', () => clients.get(sid) === ws && clients.delete(sid));
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: executor.remaining() } }, sid } }));
    });
  });

  log(`[simulator] Isengard ComfyUI simulator (no GPU, no model weights); step ${stepMs} ms${process.env.ISENGARD_SIM_COMFY_FAULT ? `, faults: ${process.env.ISENGARD_SIM_COMFY_FAULT}` : ''}`);
  await gpu.coldStart();
  log('Starting server\n');
  server.once('error', (e: NodeJS.ErrnoException) => fail(`error while attempting to bind on address ('${args.listen}', ${args.port}): ${e.message}`, 1));
  server.listen(args.port, args.listen, () => log(`To see the GUI go to: http://${args.listen}:${args.port}`));
  void executor.run();
  const shutdown = () => {
    gpu.unload(); // the process's memory goes with it
    log('\nStopped server');
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
