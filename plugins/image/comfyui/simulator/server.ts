/**
 * ComfyUI simulator entry point, started like ComfyUI's `main.py`:
 *
 *   node --import tsx plugins/image/comfyui/simulator/server.ts --listen 127.0.0.1 --port 8188 \
 *     --output-directory DIR --input-directory DIR --temp-directory DIR --base-directory DIR \
 *     --extra-model-paths-config FILE [FILE...] --disable-auto-launch --disable-api-nodes --preview-method none --cpu
 *
 * It speaks ComfyUI's HTTP + WebSocket API (shared/specs/comfyui.md) without a GPU or weights: validation runs
 * against the real model folders, execution is symbolic and the saved PNGs show what was asked for.
 * Environment: ISENGARD_SIM_COMFY_STEP_MS (per sampling step, default 50), ISENGARD_SIM_COMFY_FAULT (faults.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { ArgError, errorText, helpText, parseArgs, type SimArgs } from './args';
import { Executor } from './executor';
import { Faults, parseFaults } from './faults';
import { createRequestHandler, originRejected } from './http-routes';
import { ModelFolders, loadAllExtraConfigs } from './model-folders';
import type { NodeEnv } from './node-types';
import { registeredNodes } from './nodes';
import { PyFloat, type Jsonish } from './py';
import { PromptQueue } from './queue';
import { COMFYUI_VERSION, SystemState } from './system';
import { Validator } from './validation';
import { WsHub } from './ws-hub';

const SIM_DIR = path.dirname(fileURLToPath(import.meta.url));
const PROG = 'server.ts';

function fail(message: string, code: number): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

function parseCli(): SimArgs {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
      process.stdout.write(helpText(PROG));
      process.exit(0);
    }
    return args;
  } catch (e) {
    if (e instanceof ArgError) fail(errorText(PROG, e.message), 2);
    throw e;
  }
}

function stepMsFromEnv(): number {
  const raw = process.env.ISENGARD_SIM_COMFY_STEP_MS;
  if (raw === undefined || raw.trim() === '') return 50;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) fail(`ISENGARD_SIM_COMFY_STEP_MS must be a number of milliseconds >= 0, got '${raw}'`, 1);
  return v;
}

async function main(): Promise<void> {
  const args = parseCli();
  const out = args.logStdout ? process.stdout : process.stderr;
  const log = (line: string) => {
    out.write(`${line}\n`);
  };

  let faults: Faults;
  const stepMs = stepMsFromEnv();
  const base = args.baseDirectory ? path.resolve(args.baseDirectory) : SIM_DIR;
  const outputDir = args.outputDirectory ? path.resolve(args.outputDirectory) : path.join(base, 'output');
  const inputDir = args.inputDirectory ? path.resolve(args.inputDirectory) : path.join(base, 'input');
  const tempDir = args.tempDirectory ? path.join(path.resolve(args.tempDirectory), 'temp') : path.join(base, 'temp');
  try {
    faults = new Faults(parseFaults(process.env.ISENGARD_SIM_COMFY_FAULT), outputDir);
  } catch (e) {
    fail((e as Error).message, 1);
  }

  const models = new ModelFolders(base);
  try {
    loadAllExtraConfigs(models, SIM_DIR, args.extraModelPathsConfig, log);
  } catch (e) {
    fail(`Failed to load extra model paths config: ${(e as Error).message}`, 1);
  }
  models.add('checkpoints', path.join(outputDir, 'checkpoints'));
  models.add('clip', path.join(outputDir, 'clip'));
  models.add('vae', path.join(outputDir, 'vae'));
  models.add('diffusion_models', path.join(outputDir, 'diffusion_models'));
  models.add('loras', path.join(outputDir, 'loras'));

  mkdirSync(inputDir, { recursive: true });
  log(`Setting temp directory to: ${tempDir}`);
  rmSync(tempDir, { recursive: true, force: true });
  if (args.quickTestForCi) process.exit(0);

  const system = new SystemState(args, process.argv.slice(1));
  const maxUploadBytes = Math.round(args.maxUploadSize * 1024 * 1024);
  const serverFeatures = (): Jsonish => ({
    supports_preview_metadata: true,
    max_upload_size: args.maxUploadSizeIsFloat ? new PyFloat(args.maxUploadSize * 1024 * 1024) : args.maxUploadSize * 1024 * 1024,
  });
  const nodes = registeredNodes(args.disableAllCustomNodes, args.whitelistCustomNodes);
  const env: NodeEnv = { models, inputDir, outputDir, tempDir };

  let executor: Executor | null = null;
  let queue: PromptQueue | null = null;
  const hub = new WsHub({
    queueRemaining: () => queue?.tasksRemaining() ?? 0,
    runningFor: () => ({ clientId: executor?.clientId ?? null, lastNodeId: executor?.lastNodeId ?? null }),
    serverFeatures,
    log,
  });
  queue = new PromptQueue(() => hub.send('status', { status: { exec_info: { queue_remaining: queue!.tasksRemaining() } } }, null));
  executor = new Executor({
    nodes,
    env,
    queue,
    hub,
    system,
    faults,
    args,
    stepMs,
    log,
    crash: () => process.exit(1),
  });

  const handler = createRequestHandler({
    args,
    dirs: { output: outputDir, input: inputDir, temp: tempDir },
    models,
    nodes,
    env,
    validator: new Validator(nodes, env),
    queue,
    executor,
    system,
    maxUploadBytes,
    serverFeatures,
    log,
  });

  log(`Total VRAM ${args.cpu ? 65536 : 24564} MB, total RAM 65536 MB`);
  log(`pytorch version: ${args.cpu ? '2.13.0+cpu' : '2.13.0+cu128'}`);
  log(`Device: ${args.cpu ? 'cpu' : 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync'}`);
  log(`ComfyUI version: ${COMFYUI_VERSION}`);
  log(`[simulator] Isengard ComfyUI simulator (no GPU, no model weights); step ${stepMs} ms${process.env.ISENGARD_SIM_COMFY_FAULT ? `, faults: ${process.env.ISENGARD_SIM_COMFY_FAULT}` : ''}`);
  log(`[simulator] output ${outputDir}, input ${inputDir}, temp ${tempDir}`);

  const wss = new WebSocketServer({ noServer: true });
  const servers: http.Server[] = [];
  const addresses = args.listen.split(',');
  log('Starting server\n');
  for (const address of addresses) {
    const server = http.createServer((req, res) => {
      void handler(req, res);
    });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404: Not Found');
        return;
      }
      void (async () => {
        // The Host/Origin check applies to /ws too (it is an aiohttp middleware).
        const { host, origin } = req.headers;
        if (args.enableCorsHeader === null && host !== undefined && origin !== undefined) {
          const rejected = await originRejected(req.headers);
          if (rejected) {
            socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
            return;
          }
        }
        wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, req));
      })();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(args.port, address, () => resolve());
    }).catch((e: NodeJS.ErrnoException) => fail(`[Errno ${e.errno ?? ''}] error while attempting to bind on address ('${address}', ${args.port}): ${e.message}`, 1));
    servers.push(server);
    const actual = server.address();
    const port = typeof actual === 'object' && actual ? actual.port : args.port;
    log(`To see the GUI go to: http://${address.includes(':') ? `[${address}]` : address}:${port}`);
  }

  const worker = executor.run();

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log('\nStopped server');
    executor!.stop();
    hub.closeAll();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    rmSync(tempDir, { recursive: true, force: true });
    setTimeout(() => process.exit(0), 50).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  worker.catch((e: unknown) => {
    log(`prompt worker crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
}

void main();
