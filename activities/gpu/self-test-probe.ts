import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { artifactKey } from '../../lib/artifacts/keys';
import { within } from '../../lib/storage';
import type { GpuContext } from './context';

const run = promisify(execFile);

export interface SelfTestProbeInput {
  jobId: string;
  selfTestId: string;
  steps: number;
  stepMs: number;
  /** Step to continue from when the job moved here from a lost worker. */
  fromStep: number;
}

export interface SelfTestProbeResult {
  workerId: string;
  identity: string;
  hostname: string;
  resumedFromStep: number;
  stepsRun: number;
  /** A file written to shared storage, relative to the data root, which the control plane reads back. */
  storageFile: string;
  gpu: { available: boolean; detail: string };
}

async function describeGpu(mode: string): Promise<SelfTestProbeResult['gpu']> {
  if (mode === 'fast-test') return { available: true, detail: 'simulated (fast-test mode)' };
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {
      timeout: 10_000,
    });
    const gpus = stdout.trim();
    return gpus ? { available: true, detail: gpus } : { available: false, detail: 'nvidia-smi lists no GPU' };
  } catch (err) {
    return { available: false, detail: `no NVIDIA GPU visible (${(err as Error).message.split('\n')[0]})` };
  }
}

/**
 * The GPU half of the pipeline self-test: proves this worker can be reached on its own queue, heartbeat, resume
 * after a fail-over, see its GPU and write a file to the storage the control plane reads (the artifact store).
 */
export function createSelfTestProbe(ctx: GpuContext) {
  return async function selfTestProbe(input: SelfTestProbeInput): Promise<SelfTestProbeResult> {
    ctx.leases.touch(input.jobId);
    const details = activityInfo().heartbeatDetails as { step?: number } | undefined;
    const start = Math.max(details?.step ?? 0, input.fromStep);
    ctx.logger.info('selftest.probe_start', `Self-test probe on ${ctx.workerId} from step ${start}`, {
      selfTestId: input.selfTestId,
      fromStep: start,
      attempt: activityInfo().attempt,
    });

    for (let step = start; step < input.steps; step++) {
      await sleep(input.stepMs);
      heartbeat({ step: step + 1 });
      ctx.leases.touch(input.jobId);
    }

    const file = within(ctx.config.storage.selfTests, `${input.selfTestId}.json`);
    const relative = path.relative(ctx.config.storage.root, file);
    await mkdir(path.dirname(file), { recursive: true });
    const stamp = JSON.stringify({ workerId: ctx.workerId, selfTestId: input.selfTestId, at: new Date().toISOString() });
    await writeFile(file, stamp);
    if ((await readFile(file, 'utf8')) !== stamp) throw new Error(`Storage did not keep what was written to ${relative}`);
    // Through the artifact store, as every job's files: the control plane pulls it back.
    await ctx.artifacts.push(artifactKey(relative));

    return {
      workerId: ctx.workerId,
      identity: ctx.identity,
      hostname: os.hostname(),
      resumedFromStep: start,
      stepsRun: input.steps - start,
      storageFile: relative,
      gpu: await describeGpu(ctx.config.mode),
    };
  };
}
