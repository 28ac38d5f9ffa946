import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactStore } from '../lib/artifacts';
import type { ArtifactStore } from '../lib/artifacts/store';
import type { Lora } from '../lib/contracts/loras';
import { engineJobName, type Checkpoint } from '../lib/contracts/training';
import { logFilePath } from '../lib/logger/logger';
import { relativeToRoot } from '../lib/photo-storage';
import { generate, waitForGeneration } from './helpers/generation';
import { request } from './helpers/http';
import { startObjectStore, type TestObjectStore } from './helpers/object-store';
import { eventually, startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

/**
 * Issue 25: with STORAGE_URL, a GPU worker needs no disk in common with the control plane. The worker here runs as
 * its own process on a data root of its own; every file crosses through a real S3 server (SeaweedFS).
 */
describe('a GPU worker on its own data root, the files through an S3 store', () => {
  let objects: TestObjectStore;
  let stack: TestStack;
  let store: ArtifactStore;
  let gpuRoot: string;

  beforeAll(async () => {
    objects = await startObjectStore();
    stack = await startTestStack({
      // The internal token is given: a generated one lives under a data root, and here there are two.
      env: { ...objects.env(), ISENGARD_INTERNAL_TOKEN: 'object-store-stack-internal-token' },
    });
    // A cache index of its own beside the control plane's (named after the logger's service).
    store = createArtifactStore(stack.config, stack.logs.web);
    gpuRoot = mkdtempSync(path.join(os.tmpdir(), 'isengard-gpu-root-'));
    await stack.spawnGpuWorker('gpu-remote', { DATA_DIR: gpuRoot });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await objects?.close();
    if (gpuRoot) rmSync(gpuRoot, { recursive: true, force: true });
  });

  const keysUnder = async (prefix: string) => (await store.list(prefix)).map((a) => a.key).sort();

  it('trains on the remote worker, registers the LoRA, and generates with it; the store holds every file', async () => {
    const character = await characterWithPhotos(stack, 'Remote Ada', 3);
    // characterWithPhotos writes the photos straight to the control plane's disk; photo intake pushes them (its own tests).
    for (const name of readdirSync(path.join(stack.config.storage.uploads, character.id))) {
      await store.push(relativeToRoot(stack.config.storage, path.join(stack.config.storage.uploads, character.id, name)));
    }

    const run = await startTraining(stack, character.id, { steps: 120, saveEvery: 50, sampleEvery: 50 });
    const done = await waitForTraining(stack, run.id, finished, 120_000);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', step: 120, gpuWorker: 'gpu-remote' });
    expect(done.loraId).not.toBeNull();

    // The dataset went through the store to the worker's own disk; the photos themselves never went there.
    expect(await keysUnder(`datasets/${run.id}`)).toEqual(['001.jpg', '001.txt', '002.jpg', '002.txt', '003.jpg', '003.txt'].map((f) => `datasets/${run.id}/${f}`));
    expect(readdirSync(path.join(gpuRoot, 'datasets', run.id))).toHaveLength(6);
    expect(existsSync(path.join(gpuRoot, 'uploads', character.id))).toBe(false);

    // Every checkpoint and sample the worker wrote is stored, the final LoRA file among them.
    const trained = await keysUnder(`training/${run.id}`);
    const checkpoints = trained.filter((k) => k.endsWith('.safetensors')).map((k) => path.posix.basename(k));
    expect(checkpoints.some((name) => /_000000050\.safetensors$/.test(name))).toBe(true);
    expect(checkpoints.some((name) => /_000000100\.safetensors$/.test(name))).toBe(true);
    expect(checkpoints.some((name) => !/_\d{9}\.safetensors$/.test(name))).toBe(true);
    expect(trained.filter((k) => k.includes('/samples/'))).toHaveLength(done.samples.length);
    // Samples are served by the control plane, which pulled them from the store.
    const sample = await fetch(`${stack.plane.url}${done.samples[0]!.url}`);
    expect(sample.status).toBe(200);

    // The LoRA registered on the control plane is stored, byte for byte what the API serves.
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    const loraKey = `models/loras/${lora.fileName}`;
    expect(await keysUnder(path.posix.dirname(loraKey))).toEqual([loraKey]);
    const file = Buffer.from(await (await fetch(`${stack.plane.url}${lora.downloadUrl}`)).arrayBuffer());
    expect(createHash('sha256').update(file).digest('hex')).toBe(lora.sha256);

    // A generation with it runs on the remote worker, which pulls the LoRA; its images are stored and served.
    const generation = await generate(stack, { prompt: 'a portrait in the park', loraId: lora.id, batch: 2 });
    const generated = await waitForGeneration(stack, generation.id);
    expect(generated.error).toBeNull();
    expect(generated.status).toBe('completed');
    expect(existsSync(path.join(gpuRoot, 'models', 'loras', lora.fileName))).toBe(true);
    expect(generated.outputs).toHaveLength(2);
    const outputs = await keysUnder(`outputs/${generation.id}`);
    expect(outputs).toHaveLength(2);
    for (const output of generated.outputs) {
      const image = await fetch(`${stack.plane.url}${output.url}`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await image.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    }
  }, 240_000);

  it('lists the stored checkpoints while the run trains, generates with one, and leaves no pruned save in the store', async () => {
    const character = await characterWithPhotos(stack, 'Remote Grace', 3);
    for (const name of readdirSync(path.join(stack.config.storage.uploads, character.id))) {
      await store.push(relativeToRoot(stack.config.storage, path.join(stack.config.storage.uploads, character.id, name)));
    }
    // 21 step saves: the engine keeps the newest 20 (job-config: checkpointsToKeep), so it prunes the save at step 50.
    const run = await startTraining(stack, character.id, { steps: 1100, saveEvery: 50, sampleEvery: 5000 });
    await waitForTraining(stack, run.id, (r) => finished(r) || (r.lastCheckpointStep ?? 0) >= 100, 90_000, 'a second stored checkpoint');
    // The control plane has no disk in common with the worker: what it lists, it lists from the store.
    const listed = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    const download = await fetch(`${stack.plane.url}/api/trainings/${run.id}/checkpoints/100`);
    const generation = await generate(stack, { prompt: 'a portrait at dusk', checkpoint: { runId: run.id, step: 100 }, characterId: character.id });
    expect((await request<{ status: string }>(stack, `/api/trainings/${run.id}`)).body.status).toBe('running');
    expect(listed.filter((c) => c.step <= 100).map((c) => [c.step, c.final])).toEqual([[50, false], [100, false]]);
    expect(download.status).toBe(200);
    const name = engineJobName(run.id);
    const stepFile = (step: number) => `training/${run.id}/${name}/${name}_${String(step).padStart(9, '0')}.safetensors`;
    const stored = (await store.list(path.posix.dirname(stepFile(100)))).find((a) => a.key === stepFile(100));
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(stored?.sha256);

    // The generation waits for the GPU, then loads the checkpoint at step 100 (the engine keeps it to the end).
    const generated = await waitForGeneration(stack, generation.id, undefined, 180_000);
    expect(generated.error).toBeNull();
    expect(generated.status).toBe('completed');
    const done = await waitForTraining(stack, run.id, finished, 180_000);
    expect(done.status).toBe('completed');

    // The store holds what the engine kept: the newest 20 saves and the final file, and the optimizer state of the
    // newest save only.
    const trained = await keysUnder(`training/${run.id}/${name}`);
    const saves = trained.filter((k) => /_\d{9}\.safetensors$/.test(k));
    expect(saves).not.toContain(stepFile(50));
    expect(saves).toEqual(Array.from({ length: 20 }, (_, i) => stepFile(100 + 50 * i)));
    expect(trained).toContain(`training/${run.id}/${name}/${name}.safetensors`);
    expect(await keysUnder(`training/${run.id}/optimizer`)).toEqual([`training/${run.id}/optimizer/optimizer_000001050.pt`]);
    const final = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    expect(final.map((c) => c.step)).toEqual([...Array.from({ length: 20 }, (_, i) => 100 + 50 * i), 1100]);
  }, 300_000);
});

/**
 * The test: two GPU workers on two data roots and no disk in common. The run's worker is killed with SIGKILL
 * once its second checkpoint is stored; the other pulls that checkpoint, resumes from it and finishes, then generates
 * with the LoRA. A store stopped mid-run delays the run and loses nothing.
 */
describe('a training survives its GPU worker on another host, through the store', () => {
  let objects: TestObjectStore;
  let stack: TestStack;
  let store: ArtifactStore;
  const roots: string[] = [];

  beforeAll(async () => {
    objects = await startObjectStore();
    stack = await startTestStack({ env: { ...objects.env(), ISENGARD_INTERNAL_TOKEN: 'object-store-stack-internal-token' } });
    // A cache index of its own beside the control plane's (named after the logger's service).
    store = createArtifactStore(stack.config, stack.logs.web);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await objects?.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** Every GPU worker this file starts, by id: a later test may need to stop whichever took its job. */
  const spawned = new Map<string, ChildProcess>();
  const spawnWorker = async (id: string, env: Record<string, string>) => {
    const child = await stack.spawnGpuWorker(id, env);
    spawned.set(id, child);
    return child;
  };
  const ownRoot = () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'isengard-gpu-root-'));
    roots.push(root);
    return root;
  };
  const pushPhotos = async (characterId: string) => {
    const folder = path.join(stack.config.storage.uploads, characterId);
    for (const name of readdirSync(folder)) await store.push(relativeToRoot(stack.config.storage, path.join(folder, name)));
  };

  it('kill -9 after the second stored checkpoint: the other host resumes from it, finishes, and generates with the LoRA', async () => {
    const hosts = { 'gpu-a': { root: ownRoot() }, 'gpu-b': { root: ownRoot() } };
    const workers = {
      'gpu-a': await spawnWorker('gpu-a', { DATA_DIR: hosts['gpu-a'].root, ISENGARD_SIM_STEP_MS: '30' }),
      'gpu-b': await spawnWorker('gpu-b', { DATA_DIR: hosts['gpu-b'].root, ISENGARD_SIM_STEP_MS: '30' }),
    };
    const character = await characterWithPhotos(stack, 'Far Survivor', 3);
    await pushPhotos(character.id);
    const run = await startTraining(stack, character.id, { steps: 300, saveEvery: 50, sampleEvery: 1000 });
    // lastCheckpointStep is reported only once that checkpoint is in the store.
    const running = await waitForTraining(stack, run.id, (r) => (r.lastCheckpointStep ?? 0) >= 100, 90_000, 'a second stored checkpoint');
    // ...and the optimizer state of the newest stored save, set aside once that save is complete.
    const name = engineJobName(run.id);
    const stepFile = (step: number) => `${name}_${String(step).padStart(9, '0')}.safetensors`;
    await eventually(
      async () => {
        const keys = (await store.list(`training/${run.id}`)).map((a) => a.key);
        const newest = Math.max(...keys.map((k) => /_(\d{9})\.safetensors$/.exec(k)?.[1]).filter((s) => s !== undefined).map(Number));
        return keys.includes(`training/${run.id}/optimizer/optimizer_${String(newest).padStart(9, '0')}.pt`) || undefined;
      },
      60_000,
      'the optimizer state of the newest stored checkpoint',
    );
    const pinned = running.gpuWorker as keyof typeof workers;
    const other = pinned === 'gpu-a' ? 'gpu-b' : 'gpu-a';
    const gone = new Promise((resolve) => workers[pinned].once('exit', resolve));
    workers[pinned].kill('SIGKILL');
    await gone;
    // What the lost host left in the store is what the other resumes with: a save may have landed between the look
    // above and the kill, its optimizer state not yet set aside.
    const left = (await store.list(`training/${run.id}`)).map((a) => a.key);
    const newestLeft = Math.max(...left.map((k) => /_(\d{9})\.safetensors$/.exec(k)?.[1]).filter((s) => s !== undefined).map(Number));
    const stateLeft = left.includes(`training/${run.id}/optimizer/optimizer_${String(newestLeft).padStart(9, '0')}.pt`);

    const done = await waitForTraining(stack, run.id, finished, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.gpuWorker).toBe(other);
    // The other host resumed from a stored checkpoint (the engine's own resume line), not from step 0.
    const stdout = readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    const resumed = [...stdout.matchAll(/Found step (\d+) in metadata, starting from there/g)].map((m) => Number(m[1]));
    expect(resumed).toEqual([newestLeft]);
    expect(newestLeft).toBeGreaterThanOrEqual(100);
    // ...with the optimizer state of that save, which came through the store (the first start had none to load);
    // almost always there, and never a state that belongs to another save.
    expect(stdout.match(/Loading optimizer state from/g) ?? []).toHaveLength(stateLeft ? 1 : 0);
    expect(stdout).not.toContain('Failed to load optimizer state');
    expect(existsSync(path.join(hosts[other].root, 'training', run.id, name, stepFile(resumed[0]!)))).toBe(true);
    // The lost host never finished the run: the final LoRA file is only on the other host and in the store.
    expect(existsSync(path.join(hosts[pinned].root, 'training', run.id, name, `${name}.safetensors`))).toBe(false);
    const stored = (await store.list(`training/${run.id}/${name}`)).map((a) => path.posix.basename(a.key));
    for (const step of [50, 100, 150, 200, 250]) expect(stored).toContain(stepFile(step));
    expect(stored).toContain(`${name}.safetensors`);

    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora.steps).toBe(300);
    const generation = await generate(stack, { prompt: 'a portrait by the sea', loraId: lora.id });
    const generated = await waitForGeneration(stack, generation.id);
    expect(generated.error).toBeNull();
    expect(generated.status).toBe('completed');
    // The surviving host pulled the registered LoRA into its cache; the images went to the store and are served.
    expect(existsSync(path.join(hosts[other].root, 'models', 'loras', lora.fileName))).toBe(true);
    expect((await store.list(`outputs/${generation.id}`)).length).toBe(generated.outputs.length);
    const image = await fetch(`${stack.plane.url}${generated.outputs[0]!.url}`);
    expect(image.status).toBe(200);
  }, 300_000);

  it('a worker that leaves (SIGTERM) saves, stores the save with its optimizer state, and the run goes on elsewhere', async () => {
    await spawnWorker('gpu-d', { DATA_DIR: ownRoot(), ISENGARD_SIM_STEP_MS: '30' });
    const character = await characterWithPhotos(stack, 'Leaving Ada', 3);
    await pushPhotos(character.id);
    // Whichever live worker takes the run is the one told to leave; another stays to take it over.
    const run = await startTraining(stack, character.id, { steps: 400, saveEvery: 100, sampleEvery: 1000 });
    const running = await waitForTraining(stack, run.id, (r) => r.step >= 120 && r.gpuWorker !== null, 90_000, 'the run under way');
    const pinned = running.gpuWorker!;
    const child = spawned.get(pinned)!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const done = await waitForTraining(stack, run.id, finished, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.gpuWorker).not.toBe(pinned);
    const stdout = readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    // Saved at the stop (not the last periodic save at 100), resumed there on the other host, with the optimizer.
    const resumed = [...stdout.matchAll(/Found step (\d+) in metadata, starting from there/g)].map((m) => Number(m[1]));
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toBeGreaterThan(100);
    expect(stdout.match(/Loading optimizer state from/g)).toHaveLength(1);
    expect(stdout).not.toContain('Failed to load optimizer state');
  }, 300_000);

  it('a store stopped mid-run delays the run and loses nothing', async () => {
    const root = ownRoot();
    await stack.spawnGpuWorker('gpu-c', { DATA_DIR: root, ISENGARD_SIM_STEP_MS: '30' });
    const character = await characterWithPhotos(stack, 'Patient Ada', 3);
    await pushPhotos(character.id);
    const run = await startTraining(stack, character.id, { steps: 300, saveEvery: 50, sampleEvery: 100 });
    // On whichever worker takes it (the survivor of the test before is still there).
    await waitForTraining(stack, run.id, (r) => finished(r) || (r.lastCheckpointStep ?? 0) >= 50, 90_000, 'a first stored checkpoint');
    await objects.stop();
    // The engine trains to the end while the store is down, but the run waits: no checkpoint since counts as stored,
    // and the final LoRA is not registered until it is stored.
    const during = await waitForTraining(stack, run.id, (r) => finished(r) || r.step >= 300, 60_000, 'the last step while the store is down');
    expect(during.status).toBe('running');
    expect(during.lastCheckpointStep).toBeLessThan(300);
    expect(during.loraId).toBeNull();
    await objects.start();

    const done = await waitForTraining(stack, run.id, finished, 180_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.lastCheckpointStep).toBe(300);
    const name = engineJobName(run.id);
    const stored = (await store.list(`training/${run.id}/${name}`)).map((a) => path.posix.basename(a.key));
    for (const step of [50, 100, 150, 200, 250]) expect(stored).toContain(`${name}_${String(step).padStart(9, '0')}.safetensors`);
    expect(stored).toContain(`${name}.safetensors`);
    const samples = (await store.list(`training/${run.id}/${name}/samples`)).map((a) => a.key);
    expect(samples).toHaveLength(done.samples.length);
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora.steps).toBeGreaterThan(0);
  }, 300_000);
});
