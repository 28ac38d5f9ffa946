import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/project-root';

// The container's own scripts, run here as the image runs them (none needs Docker).
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-container-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runAsync(file: string, args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ code: number | null; out: string; err: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(file, args, { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - started }));
  });
}

/** A stand-in for the API on a free port: answers /api/health as told (or never). */
async function fakeApi(answer: { status: number; body?: unknown } | 'hang') {
  const server = http.createServer((req, res) => {
    if (answer === 'hang') return;
    res.writeHead(req.url === '/api/health' ? answer.status : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port: String(port), close };
}

const healthCheck = path.join(PROJECT_ROOT, 'scripts', 'runtime', 'health-check');
const entrypoint = path.join(PROJECT_ROOT, 'scripts', 'runtime', 'entrypoint');
const checks = (ok: boolean) => ({
  temporal: { ok: true, message: 'connected' },
  database: { ok: true, message: 'ok' },
  workers: { ok: true, message: '1 GPU worker' },
  engines: { ok, message: ok ? 'ready' : 'ComfyUI is not installed' },
});

describe('health-check', () => {
  it('is healthy when the API says ok or degraded (200)', async () => {
    for (const status of ['ok', 'degraded']) {
      const api = await fakeApi({ status: 200, body: { status, checks: checks(status === 'ok') } });
      const r = await runAsync(healthCheck, [], { PORT: api.port });
      await api.close();
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain(`answered 200 (${status})`);
      if (status === 'degraded') expect(r.out).toContain('engines: ComfyUI is not installed');
    }
  });

  it('is unhealthy when the API says down (503)', async () => {
    const api = await fakeApi({ status: 503, body: { status: 'down', checks: checks(false) } });
    const r = await runAsync(healthCheck, [], { PORT: api.port });
    await api.close();
    expect(r.code).toBe(1);
    expect(r.out).toContain('answered 503 (down)');
  });

  it('is unhealthy when nothing listens', async () => {
    const api = await fakeApi({ status: 200 });
    const port = api.port;
    await api.close();
    const r = await runAsync(healthCheck, [], { PORT: port });
    expect(r.code).toBe(1);
    expect(r.out).toContain('did not answer');
  });

  it('gives up on an API that does not answer, within a few seconds', async () => {
    const api = await fakeApi('hang');
    const r = await runAsync(healthCheck, [], { PORT: api.port });
    await api.close();
    expect(r.code).toBe(1);
    expect(r.out).toContain('no answer within 5 seconds');
    expect(r.ms).toBeLessThan(9_000);
  }, 20_000);
});

describe('entrypoint', () => {
  const show = ['sh', '-c', 'echo "DATA=$DATA_DIR LOGS=$LOG_DIR HF=$HF_HOME"'];
  const unset = { DATA_DIR: undefined, LOG_DIR: undefined, HF_HOME: undefined };

  it('puts data and logs on the first persistent volume present', async () => {
    const volume = path.join(scratch, 'workspace');
    mkdirSync(volume);
    const r = await runAsync(entrypoint, show, { ...unset, ISENGARD_VOLUMES: `${path.join(scratch, 'runpod-volume')} ${volume}` });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`DATA=${volume} LOGS=${volume}/logs HF=${volume}/huggingface`);
  });

  it("uses the image's data folder without a volume, and keeps what the operator set", async () => {
    const none = await runAsync(entrypoint, show, { ...unset, ISENGARD_VOLUMES: path.join(scratch, 'nothing') });
    expect(none.out).toContain(`DATA=${PROJECT_ROOT}/data LOGS=${PROJECT_ROOT}/data/logs`);
    const [data, logs] = [path.join(scratch, 'set-data'), path.join(scratch, 'set-logs')];
    const set = await runAsync(entrypoint, show, { ...unset, DATA_DIR: data, LOG_DIR: logs, ISENGARD_VOLUMES: scratch });
    expect(set.out).toContain(`DATA=${data} LOGS=${logs} HF=${data}/huggingface`);
  });

  it('stops with a plain explanation when the data folder cannot be written', async () => {
    writeFileSync(path.join(scratch, 'a-file'), '');
    const blocked = path.join(scratch, 'a-file', 'data');
    const r = await runAsync(entrypoint, ['true'], { ...unset, DATA_DIR: blocked });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Isengard cannot write to ${blocked}`);
    expect(r.err).toContain('run the container as root');
  });

  it('logs the pinned engine commits and warns about a checkout that is not at its pin', async () => {
    const pinned = await runAsync(entrypoint, ['true'], { ...unset, ISENGARD_VOLUMES: scratch });
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain('a125cd84b054a57729b5eecab930ca9408719832');
    expect(pinned.out).toContain('27a03a91f23eb1b757d5ec2e80ee3e129cfcc350');

    const vendor = path.join(scratch, 'vendor');
    mkdirSync(path.join(vendor, 'engine'), { recursive: true });
    writeFileSync(path.join(vendor, 'engine', 'run.py'), 'print(1)\n');
    writeFileSync(
      path.join(vendor, 'VENDOR_PINS.json'),
      JSON.stringify({ engine: { repository: 'https://example.com/engine', commit: 'a'.repeat(40), pinned_at: '2025-01-01', purpose: 'test' } }),
    );
    const off = await runAsync(entrypoint, ['true'], { ...unset, ISENGARD_VOLUMES: scratch, ISENGARD_VENDOR_DIR: vendor });
    expect(off.code, 'the container still starts').toBe(0);
    expect(off.err).toContain('WARNING: an engine above is not at its pinned commit');
  });
});

describe('smoke-internal-engines', () => {
  it('skips, successfully, where there is no Docker engine', () => {
    const r = spawnSync(path.join(PROJECT_ROOT, 'scripts', 'smoke', 'smoke-internal-engines'), [], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: `unix://${path.join(scratch, 'no-docker.sock')}` },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('skipped: no Docker engine');
  });
});
