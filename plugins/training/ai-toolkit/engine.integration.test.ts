import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { engineJobName, PRESETS, type TrainingSettings } from '../../../lib/contracts/training';
import { createLogger } from '../../../lib/logger/logger';
import type { TrainingEngineEvent, TrainingJob, TrainingOutcome } from '../interface';
import { createAiToolkitEngine } from './engine';

/**
 * The production adapter on the simulator (which follows the real engine where the adapter looks): what reaches the
 * engine from the user, and what a run's later starts do and announce.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aitk-engine-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const logs = () => {
  const logger = createLogger({ service: 'worker', file: 'engine-test', level: 'DEBUG', dir: path.join(scratch, 'logs') });
  return { stdout: logger, stderr: logger };
};

async function dataset(): Promise<string> {
  const dir = path.join(scratch, 'dataset');
  mkdirSync(dir, { recursive: true });
  for (const i of [0, 1]) {
    await sharp({ create: { width: 640, height: 768, channels: 3, background: { r: 40 * i, g: 90, b: 140 } } }).jpeg().toFile(path.join(dir, `${i}.jpg`));
  }
  return dir;
}

async function startOnce(env: Record<string, string>, job: TrainingJob): Promise<{ outcome: TrainingOutcome; events: TrainingEngineEvent[] }> {
  const config = loadConfig({ ISENGARD_MODE: 'fast-test', DATA_DIR: path.join(scratch, 'data'), ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_LOAD_MS: '0', ...env });
  const events: TrainingEngineEvent[] = [];
  const session = await createAiToolkitEngine(config).start(job, (e) => events.push(e), logs());
  return { outcome: await session.done, events };
}

describe('the ai-toolkit adapter across the starts of a run', () => {
  it('keeps the user\'s prompt text, announces each sample once, samples no step twice and never re-runs a finished run', async () => {
    const runId = randomUUID();
    const runDir = path.join(scratch, 'training', runId);
    const settings: TrainingSettings = {
      ...PRESETS.quick.settings,
      steps: 8,
      saveEvery: 4,
      sampleEvery: 3,
      // Without the adapter's encoding the engine would abort: HF_TOKEN and PRICE are not in its environment.
      samplePrompts: ['${HF_TOKEN} [trigger] costs ${PRICE}', '[trigger] smiling'],
    };
    const job: TrainingJob = { runId, name: engineJobName(runId), settings, triggerWord: 'ada_x1', datasetPath: await dataset(), runDir, vramProfile: 'standard', correlationId: undefined };
    const samplesOf = (events: TrainingEngineEvent[]) =>
      events.flatMap((e) => (e.type === 'sample' ? [`${e.step}:${e.promptIndex}:${e.prompt}`] : [])).sort();

    // First start: crashes at step 7, after samples at 0, 3 and 6 and the checkpoint at 4.
    const first = await startOnce({ ISENGARD_SIM_FAULT: 'crash@7' }, job);
    expect(first.outcome).toMatchObject({ kind: 'failed', failure: { code: 'crash' } });
    const text = (n: number) => (n === 0 ? '${HF_TOKEN} ada_x1 costs ${PRICE}' : 'ada_x1 smiling');
    expect(samplesOf(first.events)).toEqual([0, 3, 6].flatMap((s) => [0, 1].map((i) => `${s}:${i}:${text(i)}`)).sort());
    const startsDir = path.join(runDir, 'starts');
    const [firstConfig] = readdirSync(startsDir).filter((f) => f.endsWith('.json') && !f.includes('.engine'));
    expect(readFileSync(path.join(startsDir, firstConfig!), 'utf8')).not.toContain('$');
    expect(readFileSync(path.join(runDir, job.name, 'config.yaml'), 'utf8')).toContain('${HF_TOKEN} ada_x1 costs ${PRICE}');

    // Second start: resumes from step 4; the samples of the first start are not news, and step 6 is not sampled again.
    const second = await startOnce({}, job);
    expect(second.outcome).toMatchObject({ kind: 'completed', step: 8 });
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'resumed', step: 4 }));
    expect(samplesOf(second.events)).toEqual([`8:0:${text(0)}`, `8:1:${text(1)}`]);
    const files = () => readdirSync(path.join(runDir, job.name, 'samples')).filter((f) => f.endsWith('.jpg')).sort();
    expect(files().map((f) => /__(\d{9})_(\d)/.exec(f)!.slice(1).map(Number).join(':')).sort()).toEqual(
      ['0:0', '0:1', '3:0', '3:1', '6:0', '6:1', '8:0', '8:1'],
    );

    // Third start (the result of the second was lost): the final LoRA is there, so the engine is not run again.
    const before = files();
    const third = await startOnce({}, job);
    expect(third.outcome).toEqual({ kind: 'completed', finalCheckpoint: path.join(runDir, job.name, `${job.name}.safetensors`), step: 8 });
    expect(third.events).toEqual([]);
    expect(files()).toEqual(before);
  });
});
