import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { resolveGenerationParams } from '../../../lib/contracts/generations';
import { createLogger } from '../../../lib/logger/logger';
import { freePort } from '../../../temporal-dev/dev-server';
import { ComfyClient, type PromptOutcome } from './client';
import { buildGraph, saveNodeId } from './graphs';
import { ComfyServer } from './server-process';
import { emptySafetensors } from './simulator/safetensors';

/**
 * ComfyClient.follow against the ComfyUI simulator (a real server on a free port), through a pass-through proxy
 * that counts the history reads: a success announced on the socket ends there, without reading history again.
 */
const root = mkdtempSync(path.join(os.tmpdir(), 'comfy-client-test-'));
let server: ComfyServer;
let proxy: http.Server;
let client: ComfyClient;
let lorasDir: string;
const historyReads = new Map<string, number>();

/** Forwards HTTP requests and WebSocket upgrades to `port`, counting GET /history/<id> by id. */
function countingProxy(port: number): http.Server {
  const forward = http.createServer((req, res) => {
    const id = /^\/history\/([^/?]+)/.exec(req.url ?? '')?.[1];
    if (id) historyReads.set(id, (historyReads.get(id) ?? 0) + 1);
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  forward.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(port, '127.0.0.1', () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`);
      upstream.write([`${req.method} ${req.url} HTTP/1.1`, ...headers, '', ''].join('\r\n'));
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  return forward;
}

beforeAll(async () => {
  const port = await freePort();
  const config = loadConfig({ DATA_DIR: root, GPU_WORKER_ID: 'client-test', COMFYUI_PORT: String(port), ISENGARD_SIM_COMFY_STEP_MS: '5' });
  lorasDir = config.storage.loras;
  server = new ComfyServer(config, createLogger({ service: 'worker', level: 'ERROR', dir: path.join(root, 'logs') }));
  await server.ensureRunning();
  proxy = countingProxy(port);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  client = new ComfyClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
}, 60_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/**
 * 40 steps of 5 ms: the socket is open long before the end, even on a busy machine. Each run has its own seed, or
 * ComfyUI would serve the sampler from its cache and finish before the socket opens.
 */
async function run(jobId: string, seed: number, outputNode: string | undefined): Promise<{ outcome: PromptOutcome; ticks: number }> {
  const params = resolveGenerationParams({ prompt: 'a lighthouse', width: 256, height: 256, steps: 40, seed, batch: 2 }, null, () => 0);
  const clientId = `test-${jobId}`;
  await client.submit(buildGraph(params, jobId), jobId, clientId);
  let ticks = 0;
  const outcome = await client.follow(jobId, clientId, () => ticks++, { outputNode: outputNode && saveNodeId(params) });
  return { outcome, ticks };
}

describe('following a prompt to its images', () => {
  it('takes a success and its images from the socket, the same ones history records', async () => {
    const { outcome, ticks } = await run('socket-end', 5, 'save');
    expect(outcome).toMatchObject({ kind: 'success', images: [{ type: 'output' }, { type: 'output' }] });
    expect(ticks).toBeGreaterThan(0);
    expect(historyReads.get('socket-end')).toBe(1); // the look as the socket opened (the prompt was still running)
    const history = await client.history('socket-end');
    expect(outcome.kind === 'success' && outcome.images).toEqual(Object.values(history!.outputs).flatMap((o) => o.images ?? []));
  });

  it('reads the outcome from history when the socket did not announce the images', async () => {
    const { outcome } = await run('history-end', 6, undefined);
    expect(outcome).toMatchObject({ kind: 'success', images: [{ type: 'output' }, { type: 'output' }] });
    expect(historyReads.get('history-end')).toBe(2);
  });
});

describe('a prompt id ComfyUI accepts again', () => {
  it("follows the new submission to its own end, never the earlier one's failure still in history", async () => {
    mkdirSync(lorasDir, { recursive: true });
    const loraFile = path.join(lorasDir, 'retried.safetensors');
    writeFileSync(loraFile, 'not a safetensors file');
    const lora = { id: '6f1c1b1e-8d7a-4c55-9a55-2a4c4e0f9f10', fileName: 'retried.safetensors', name: 'Retried', triggerWord: 'rt', baseModel: 'flux1-dev' as const };
    const params = resolveGenerationParams({ prompt: 'a lighthouse', width: 256, height: 256, steps: 40, seed: 9 }, lora, () => 0);
    const graph = buildGraph(params, 'retried');

    await client.submit(graph, 'retried', 'attempt-1');
    const first = await client.follow('retried', 'attempt-1', () => undefined);
    expect(first).toMatchObject({ kind: 'error', nodeId: '4', nodeType: 'LoraLoader', exceptionType: 'safetensors._safetensors_rust.SafetensorError' });
    expect(first.kind === 'error' && first.inputs.lora_name).toBe('retried.safetensors');

    // Fixed, then the same prompt id again: history still holds the first run's error until the second ends.
    writeFileSync(loraFile, emptySafetensors());
    await client.submit(graph, 'retried', 'attempt-2');
    expect(await client.history('retried')).toMatchObject({ status: { status_str: 'error' } });
    let ticks = 0;
    const second = await client.follow('retried', 'attempt-2', () => ticks++, { outputNode: saveNodeId(params) });
    expect(second).toMatchObject({ kind: 'success', images: [{ type: 'output' }] });
    expect(ticks).toBeGreaterThan(0);
  });
});
