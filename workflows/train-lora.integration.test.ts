import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asControlActivities } from '../activities/control';
import type { RunTrainingInput } from '../activities/gpu/train';
import { resolveSettings } from '../lib/contracts/training';
import { CONTROL_QUEUE } from '../lib/temporal/queues';
import { leaseOf, withStubWorkers, workflowEnvironment, type StubWorkers } from '../test/helpers/workflow-env';
import { trainLora } from './train-lora';

/**
 * `trainLora` as it runs in production (the bundle, the real dev server), with stub activities: how a run reacts to
 * an out-of-memory engine, a lost GPU worker, a Stop, a transient and a deterministic failure of a control step.
 */
const FAST = { scheduleToStart: '2 seconds', heartbeat: '2 seconds', startToClose: '1 minute' } as const;

/** Waits until the activity is cancelled (heartbeating meanwhile, as a real one does), then throws. */
async function runUntilCancelled(details: unknown): Promise<never> {
  const context = Context.current();
  for (;;) {
    heartbeat(details);
    await context.sleep(100);
  }
}

interface Overrides {
  control?: StubWorkers['control'];
  pinned?: Partial<Record<string, StubWorkers['pinned'][string]>>;
  acquire?: StubWorkers['acquire'];
  /** GPU workers that answered an acquire, then died: nothing polls their queue. */
  dead?: string[];
}

function stubs(over: Overrides, calls: string[]): StubWorkers {
  const record = <T>(name: string, answer: T) => async (input: { status?: string; workerId?: string }) => {
    calls.push([name, input.status ?? input.workerId].filter(Boolean).join(':'));
    return answer;
  };
  const control = asControlActivities(undefined, {
    trainingStarted: record('started', { characterId: randomUUID(), triggerWord: 'ada_x1', settings: resolveSettings('quick', {}), name: 'isengard_test', vramProfile: 'standard' as const }),
    prepareDataset: record('dataset', { datasetDir: 'datasets/x', photoCount: 3 }),
    trainingWaitingForGpu: record('waiting', undefined),
    trainingOnWorker: record('on', 1),
    trainingEvent: async (input: { kind: string; vramProfile?: string }) => void calls.push(`event:${input.kind}:${input.vramProfile ?? ''}`),
    recommendCheckpoint: record('recommend', { checkpoint: 'training/x/final.safetensors', step: 1000, reason: 'Step 1000: 3 of 5 pictures recognisable' }),
    scoreTrainingLikeness: record('likeness', undefined),
    registerLora: record('lora', 'lora-final'),
    keepStoppedTraining: record('kept', { loraId: 'lora-kept', step: 120 }),
    trainingFinished: async (input: { status: string; message: string; errorCode?: string }) =>
      void calls.push(`finished:${input.status}:${input.errorCode ?? ''}:${input.message}`),
    ...over.control,
  });
  const pinned = (workerId: string) => ({
    releaseGpu: async () => void calls.push(`released:${workerId}`),
    runTraining: async (input: RunTrainingInput) => {
      calls.push(`train:${workerId}:${input.vramProfile}`);
      return { checkpoint: 'training/x/final.safetensors', step: 1000, resumedFromStep: null };
    },
    saveTrainingNow: async () => void calls.push('save-now'),
    ...over.pinned?.[workerId],
  });
  return {
    control,
    acquire: over.acquire ?? (async () => leaseOf('gpu-a')),
    pinned: Object.fromEntries(
      Object.keys({ 'gpu-a': 1, ...over.pinned })
        .filter((id) => !over.dead?.includes(id))
        .map((id) => [id, pinned(id)]),
    ),
  };
}

describe('trainLora, with stub activities on the real server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await workflowEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const start = (runId = randomUUID()) =>
    env.client.workflow.start(trainLora, { taskQueue: CONTROL_QUEUE, workflowId: `training-${runId}`, args: [{ runId, gpuTimeouts: FAST }] });

  it('trains, gives the GPU back and registers the LoRA', async () => {
    const calls: string[] = [];
    const result = await withStubWorkers(env, stubs({}, calls), async () => (await start()).result());
    expect(result).toEqual({ loraId: 'lora-final', steps: 1000 });
    expect(calls).toEqual(['started', 'dataset', 'waiting', 'on:gpu-a', 'train:gpu-a:standard', 'released:gpu-a', 'recommend', 'lora', 'finished:completed::Training completed after 1000 steps']);
  });

  it('registers the checkpoint the likeness recommends, which need not be the final one', async () => {
    const calls: string[] = [];
    const recommendCheckpoint = async (input: { runId: string; name: string; finalCheckpoint: string }) => {
      calls.push(`recommend:${input.name}:${input.finalCheckpoint}`);
      return { checkpoint: 'training/x/isengard_test_000000500.safetensors', step: 500, reason: 'Step 500: 5 of 5 pictures recognisable' };
    };
    const registerLora = async (input: { checkpoint: string }) => {
      calls.push(`lora:${input.checkpoint}`);
      return 'lora-500';
    };
    const result = await withStubWorkers(env, stubs({ control: { recommendCheckpoint, registerLora } }, calls), async () => (await start()).result());
    expect(result).toEqual({ loraId: 'lora-500', steps: 1000 });
    expect(calls.slice(-3)).toEqual([
      'recommend:isengard_test:training/x/final.safetensors',
      'lora:training/x/isengard_test_000000500.safetensors',
      'finished:completed::Training completed after 1000 steps',
    ]);
  });

  it('a likeness that cannot be measured costs the run nothing: the final checkpoint, said in the timeline', async () => {
    const calls: string[] = [];
    const recommendCheckpoint = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'embedding')");
    };
    const registerLora = async (input: { checkpoint: string }) => {
      calls.push(`lora:${input.checkpoint}`);
      return 'lora-final';
    };
    await withStubWorkers(env, stubs({ control: { recommendCheckpoint, registerLora } }, calls), async () => (await start()).result());
    expect(calls.slice(-3)).toEqual(['event:likeness:', 'lora:training/x/final.safetensors', 'finished:completed::Training completed after 1000 steps']);
  });

  it('out of memory: one more try with the low-VRAM profile, said in the timeline', async () => {
    const calls: string[] = [];
    let tries = 0;
    const oomOnce = async (input: RunTrainingInput) => {
      calls.push(`train:gpu-a:${input.vramProfile}`);
      if (tries++ === 0) throw ApplicationFailure.nonRetryable('The GPU ran out of memory', 'oom');
      return { checkpoint: 'training/x/final.safetensors', step: 1000, resumedFromStep: 400 };
    };
    await withStubWorkers(env, stubs({ pinned: { 'gpu-a': { runTraining: oomOnce } } }, calls), async () => (await start()).result());
    expect(calls).toEqual([
      'started', 'dataset', 'waiting', 'on:gpu-a', 'train:gpu-a:standard', 'released:gpu-a',
      'event:oom_retry:low', 'waiting', 'on:gpu-a', 'train:gpu-a:low', 'released:gpu-a', 'recommend', 'lora', 'finished:completed::Training completed after 1000 steps',
    ]);
  });

  it('out of memory twice: fails with the engine\'s reason', async () => {
    const calls: string[] = [];
    const oom = async () => {
      throw ApplicationFailure.nonRetryable('The GPU ran out of memory, even with the low-VRAM profile', 'oom');
    };
    const handle = await withStubWorkers(env, stubs({ pinned: { 'gpu-a': { runTraining: oom } } }, calls), async () => {
      const h = await start();
      await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      return h;
    });
    expect(calls.at(-1)).toBe('finished:failed:oom:The GPU ran out of memory, even with the low-VRAM profile');
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('its GPU worker lost (its task never starts there): the run moves to another worker and completes', async () => {
    const calls: string[] = [];
    const leases = [leaseOf('gpu-a'), leaseOf('gpu-b')];
    const overrides = { acquire: async () => leases.shift() ?? leaseOf('gpu-b'), pinned: { 'gpu-b': {} }, dead: ['gpu-a'] };
    await withStubWorkers(env, stubs(overrides, calls), async () => (await start()).result());
    expect(calls).toEqual([
      'started', 'dataset', 'waiting', 'on:gpu-a', 'on:gpu-b', 'train:gpu-b:standard', 'released:gpu-b', 'recommend', 'lora', 'finished:completed::Training completed after 1000 steps',
    ]);
  });

  it('stopped: the engine is cancelled, the GPU given back, the last checkpoint kept as a LoRA', async () => {
    const calls: string[] = [];
    const training = async () => {
      calls.push('train:gpu-a:standard');
      return runUntilCancelled({ step: 130 });
    };
    const handle = await withStubWorkers(env, stubs({ pinned: { 'gpu-a': { runTraining: training } } }, calls), async () => {
      const h = await start();
      await expect.poll(() => calls.includes('train:gpu-a:standard'), { timeout: 10_000 }).toBe(true);
      await h.cancel();
      await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      return h;
    });
    // The curve is still completed, once the run shows it stopped.
    expect(calls.slice(-4)).toEqual(['released:gpu-a', 'kept', 'finished:stopped::Stopped; the checkpoint at step 120 was kept as a LoRA', 'likeness']);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('a control step that cannot reach the database is tried again until it can', async () => {
    const calls: string[] = [];
    let tries = 0;
    const flaky = async () => {
      if (tries++ < 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      calls.push('dataset');
      return { datasetDir: 'datasets/x', photoCount: 3 };
    };
    await withStubWorkers(env, stubs({ control: { prepareDataset: flaky } }, calls), async () => (await start()).result());
    expect(tries).toBe(3);
    expect(calls.at(-1)).toBe('finished:completed::Training completed after 1000 steps');
  });

  it('a deterministic failure of a control step (a damaged file, a bug) ends the run at once with its reason', async () => {
    const calls: string[] = [];
    let tries = 0;
    const damaged = async () => {
      tries++;
      throw Object.assign(new Error('final.safetensors is not a complete safetensors file: header length 9 does not fit a 4-byte file'), {
        name: 'InvalidSafetensorsError',
      });
    };
    const bug = async () => {
      tries++;
      throw new TypeError("Cannot read properties of undefined (reading 'name')");
    };
    for (const [registerLora, code, message] of [
      [damaged, 'InvalidSafetensorsError', 'final.safetensors is not a complete safetensors file: header length 9 does not fit a 4-byte file'],
      [bug, 'InternalError', "An internal error ended this job (TypeError: Cannot read properties of undefined (reading 'name')). It is in the worker's log; please report it."],
    ] as const) {
      calls.length = 0;
      tries = 0;
      await withStubWorkers(env, stubs({ control: { registerLora } }, calls), async () => {
        await expect((await start()).result()).rejects.toBeInstanceOf(WorkflowFailedError);
      });
      expect(tries).toBe(1);
      expect(calls.at(-1)).toBe(`finished:failed:${code}:${message}`);
    }
  });
});
