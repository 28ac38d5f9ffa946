import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import type { Config } from '../../../lib/config';
import type { Logger } from '../../../lib/logger/logger';
import { isProcessAlive } from '../../../lib/process-alive';
import { ComfyClient } from './client';
import { MODEL_FILES } from './graphs';
import { PROJECT_ROOT } from '../../../lib/project-root';

const WATCHDOG = path.join(PROJECT_ROOT, 'plugins', 'watchdog.py');
const RESTART_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

export interface ComfyFolders {
  root: string;
  output: string;
  input: string;
  temp: string;
  modelPathsFile: string;
  record: string;
}

/** Each GPU worker runs its own ComfyUI, with folders of its own. */
export function comfyFolders(config: Config): ComfyFolders {
  const root = path.join(config.storage.root, 'comfyui', config.gpu.workerId);
  return {
    root,
    output: path.join(root, 'output'),
    input: path.join(root, 'input'),
    temp: root,
    modelPathsFile: path.join(root, 'extra_model_paths.yaml'),
    record: path.join(root, 'server.json'),
  };
}

/**
 * `extra_model_paths.yaml` (comfyui.md §6): Isengard's LoRA folder and base models, searched first. In fast-test
 * mode a second section adds stand-in base model files, which the simulator checks by name only.
 */
export function modelPathsYaml(config: Config, folders: ComfyFolders): Record<string, Record<string, unknown>> {
  const models = path.dirname(config.storage.loras);
  const sections: Record<string, Record<string, unknown>> = {
    isengard: {
      base_path: models,
      is_default: true,
      loras: 'loras',
      diffusion_models: 'base/diffusion_models',
      text_encoders: 'base/text_encoders',
      vae: 'base/vae',
      checkpoints: 'base/checkpoints',
    },
  };
  if (config.comfyui.simulated) {
    sections.simulated_base_models = {
      base_path: path.join(folders.root, 'simulated-base-models'),
      diffusion_models: 'diffusion_models',
      text_encoders: 'text_encoders',
      vae: 'vae',
      checkpoints: 'checkpoints',
    };
  }
  return sections;
}

/** A safetensors file with a header and no tensors: one safetensors (and the simulator's loaders) can read. */
function standInSafetensors(note: string): Buffer {
  let header = JSON.stringify({ __metadata__: { note } });
  header += ' '.repeat((8 - (Buffer.byteLength(header) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([length, Buffer.from(header)]);
}

/** Stand-ins for the base model files, so the simulator loads them as it would real weights. */
function writeSimulatedBaseModels(folders: ComfyFolders): void {
  const base = path.join(folders.root, 'simulated-base-models');
  const files: Array<[string, string]> = [
    ['diffusion_models', MODEL_FILES.fluxUnet],
    ['text_encoders', MODEL_FILES.fluxT5],
    ['text_encoders', MODEL_FILES.fluxClipL],
    ['vae', MODEL_FILES.fluxVae],
    ['checkpoints', MODEL_FILES.sdxlCheckpoint],
  ];
  for (const [folder, file] of files) {
    mkdirSync(path.join(base, folder), { recursive: true });
    writeFileSync(path.join(base, folder, file), standInSafetensors('simulated weights: fast-test mode only'));
  }
}

/** ComfyUI's command line (comfyui.md §1): loopback only, our folders, no browser, no paid API nodes. */
export function comfyArgs(config: Config, folders: ComfyFolders): string[] {
  return [
    ...config.comfyui.command.args,
    '--listen',
    '127.0.0.1',
    '--port',
    String(config.comfyui.port),
    '--disable-auto-launch',
    '--disable-api-nodes',
    '--preview-method',
    'none',
    '--output-directory',
    folders.output,
    '--input-directory',
    folders.input,
    '--temp-directory',
    folders.temp,
    '--extra-model-paths-config',
    folders.modelPathsFile,
  ];
}

/**
 * Runs and supervises the GPU worker's own ComfyUI (design §5): started under the watchdog (it dies with the
 * worker), restarted with backoff when it dies, and reachable only on 127.0.0.1.
 */
export class ComfyServer {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private ready: Promise<void> | undefined;
  readonly client: ComfyClient;
  readonly folders: ComfyFolders;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.client = new ComfyClient(config.comfyui.url);
    this.folders = comfyFolders(config);
  }

  /** Starts ComfyUI if needed and resolves once it answers. */
  ensureRunning(): Promise<void> {
    this.ready ??= this.launch().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private stopOrphan(): void {
    try {
      const { pid, host } = JSON.parse(readFileSync(this.folders.record, 'utf8')) as { pid: number; host: string };
      if (host === os.hostname() && isProcessAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watchdog.py')) {
        process.kill(-pid, 'SIGKILL');
        this.logger.warn('comfyui.orphan_stopped', `Stopped a ComfyUI left running by an earlier worker (pid ${pid})`);
      }
    } catch {
      // no record, or nothing left to stop
    }
  }

  private async launch(): Promise<void> {
    const { folders, config } = this;
    for (const dir of [folders.output, folders.input]) mkdirSync(dir, { recursive: true });
    writeFileSync(folders.modelPathsFile, stringify(modelPathsYaml(config, folders)));
    if (config.comfyui.simulated) writeSimulatedBaseModels(folders);
    this.stopOrphan();

    const child = spawn('python3', [WATCHDOG, String(process.pid), '--', config.comfyui.command.executable, ...comfyArgs(config, folders)], {
      cwd: config.comfyui.path,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...(process.env.CUDA_VISIBLE_DEVICES ? { CUDA_VISIBLE_DEVICES: process.env.CUDA_VISIBLE_DEVICES } : {}),
        ...(config.hfToken ? { HF_TOKEN: config.hfToken } : {}),
        ...config.simulatorEnv,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (child.pid) writeFileSync(folders.record, JSON.stringify({ pid: child.pid, host: os.hostname() }));
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      createInterface({ input: stream! }).on('line', (line) => line.trim() && this.logger.debug(`comfyui.${name}`, line));
    }
    child.once('exit', (code, signal) => {
      this.child = undefined;
      this.ready = undefined;
      if (this.stopping) return;
      const delay = RESTART_MS[Math.min(this.restarts++, RESTART_MS.length - 1)]!;
      this.logger.error('comfyui.crashed', `ComfyUI exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`, { code, signal });
      setTimeout(() => void this.ensureRunning().catch(() => undefined), delay).unref();
    });
    await this.waitUntilAnswering(child);
    this.restarts = 0;
    this.logger.info('comfyui.ready', `ComfyUI answers at ${config.comfyui.url}${config.comfyui.simulated ? ' (simulator)' : ''}`);
  }

  private async waitUntilAnswering(child: ChildProcess): Promise<void> {
    const limitMs = this.config.comfyui.simulated ? 30_000 : 180_000;
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('ComfyUI exited while starting (see logs/worker for its output)');
      try {
        await this.client.systemStats();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw new Error(`ComfyUI did not answer at ${this.config.comfyui.url} within ${limitMs / 1000} s`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child?.pid) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.folders.record, { force: true });
  }
}
