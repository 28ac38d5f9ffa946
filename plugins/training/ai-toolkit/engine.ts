import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../../lib/config';
import type { EngineStatus } from '../../engine';
import type { TrainingEngine } from '../interface';
import { seedContinuation } from './continuation';
import { resumeFiles, storedCheckpoints } from './resume-files';
import { configFileText } from './engine-text';
import { estimateDuration, speedKey } from './estimate';
import { buildJobConfig, FLUX_DEV_REPO } from './job-config';
import { JobDb } from './job-db';
import { AI_TOOLKIT } from './meta';
import { finishedSession, startSession } from './session';
import { CLAIM_SETTLE_MS, claimRunDir, listCheckpoints, listSamples, quarantineIncomplete, runCheckpoints, sampledThrough, saveRoot, stopOrphans } from './work-dir';

const run = promisify(execFile);

/** Where FLUX.1-dev lives once provisioned (diffusers layout); until then the gated Hugging Face repo. */
function modelPath(config: Config): string {
  const local = path.join(config.storage.baseModels, 'FLUX.1-dev');
  return existsSync(path.join(local, 'model_index.json')) ? local : FLUX_DEV_REPO;
}

/** What the engine process inherits: only what it needs, plus the simulator's controls in fast-test mode. */
export function engineEnv(config: Config, jobId: string, correlationId: string | undefined): NodeJS.ProcessEnv {
  const passed = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'CUDA_VISIBLE_DEVICES', 'HF_HOME', 'HF_HUB_OFFLINE', 'SEED'];
  const env: NodeJS.ProcessEnv = {};
  for (const key of passed) if (process.env[key] !== undefined) env[key] = process.env[key];
  return {
    ...env,
    ...config.simulatorEnv,
    PYTHONUNBUFFERED: '1',
    // run.py loads a .env from its folder or any folder above it (python-dotenv ≥ 1.2 honours this; launch.py
    // covers older versions): the engine gets this environment and nothing else.
    PYTHON_DOTENV_DISABLED: '1',
    AITK_JOB_ID: jobId,
    IS_AI_TOOLKIT_UI: '1',
    CUDA_DEVICE_ORDER: 'PCI_BUS_ID',
    ...(config.hfToken ? { HF_TOKEN: config.hfToken } : {}),
    ...(correlationId ? { ISENGARD_CORRELATION_ID: correlationId } : {}),
  };
}

/** ostris/ai-toolkit behind the TrainingEngine interface (design §5). */
export function createAiToolkitEngine(config: Config): TrainingEngine {
  const { path: checkout, python, simulated } = config.aitoolkit;
  return {
    ...AI_TOOLKIT,
    kind: 'training',

    async check(): Promise<EngineStatus> {
      const status = (state: EngineStatus['state'], message: string): EngineStatus => ({
        kind: 'training',
        id: 'ai-toolkit',
        label: 'ai-toolkit',
        state,
        message,
      });
      if (!existsSync(path.join(checkout, 'run.py'))) {
        return status('missing', `ai-toolkit is not installed: ${checkout}/run.py does not exist (fetch it at its pin with scripts/vendor/sync ai-toolkit)`);
      }
      try {
        const { stdout, stderr } = await run(python, ['--version'], { timeout: 15_000 });
        const version = (stdout || stderr).trim();
        return simulated
          ? status('simulated', `Simulator (${version}): same CLI, console and files as ai-toolkit`)
          : status('ready', `${checkout} with ${version}`);
      } catch {
        return status('missing', `The Python for ai-toolkit is missing: ${python} does not run (create the engine environment)`);
      }
    },

    checkpoints: runCheckpoints,
    estimateDuration,
    speedKey,

    seedContinuation,
    resumeFiles,
    storedCheckpoints,

    async start(job, onEvent, logs) {
      const start = await claimRunDir(job.runDir);
      const { stopped, elsewhere } = await stopOrphans(job.runDir, start.startId);
      if (stopped > 0) logs.stderr.warn('engine.orphans_stopped', `Stopped ${stopped} trainer(s) an earlier start left running`, { runId: job.runId });
      // Engines of earlier starts on other hosts see the new claim within a second and stop.
      if (elsewhere > 0) await new Promise((r) => setTimeout(r, CLAIM_SETTLE_MS));
      const root = saveRoot(job.runDir, job.name);
      const quarantined = await quarantineIncomplete(root, job.name);
      if (quarantined.length > 0) logs.stderr.warn('engine.incomplete_checkpoints', `Set aside incomplete checkpoints: ${quarantined.join(', ')}`, { runId: job.runId });

      // A start after the run finished (its result was lost on the way) would load the model for minutes only to
      // save the same file again and make a second set of final samples (spec §5).
      const final = (await listCheckpoints(root, job.name)).find((c) => c.final && c.step >= job.settings.steps);
      if (final) {
        logs.stdout.info('engine.already_finished', `The run already has its final LoRA (step ${final.step}): the trainer is not started again`, { runId: job.runId });
        return finishedSession(final);
      }

      const jobDb = new JobDb(python, start.jobDbFile, job.runId);
      await jobDb.create();
      const jobConfig = buildJobConfig(job.settings, {
        name: job.name,
        trainingFolder: job.runDir,
        datasetPath: job.datasetPath,
        triggerWord: job.triggerWord,
        jobDbPath: jobDb.file,
        modelPath: modelPath(config),
        vramProfile: job.vramProfile,
        sampledThrough: sampledThrough(await listSamples(root), job.settings.samplePrompts.length),
      });
      await writeFile(start.configFile, configFileText(jobConfig));

      return startSession({
        python,
        checkout,
        start,
        jobDb,
        job,
        env: engineEnv(config, job.runId, job.correlationId),
        logs,
        silenceMs: config.engineSilenceSeconds * 1000,
        onEvent,
      });
    },
  };
}
