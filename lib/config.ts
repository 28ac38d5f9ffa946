import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_CACHE_GB, DEFAULT_RETRY_SECONDS, parseStorageConfig, storageSecrets, type ArtifactStoreConfig } from './artifacts/config';
import { PROJECT_ROOT } from './project-root';
import { resolveDataRoot, storagePaths, type StoragePaths } from './storage';

export const MODES = ['fast-test', 'production'] as const;
export type Mode = (typeof MODES)[number];
/**
 * `all`: Temporal (unless TEMPORAL_ADDRESS), the control plane and one GPU worker on one host. `control-plane`: the
 * same without the GPU worker (GPU workers run elsewhere). `gpu-worker`: only a GPU worker, joining a control plane
 * on another host (README, "Beyond one machine").
 */
export const ROLES = ['all', 'control-plane', 'gpu-worker'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be from 1 to 65535')
    .max(65535, 'must be from 1 to 65535')
    .default(fallback);

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''], {
    error: 'must be true or false',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))
  .optional();

/** Every environment variable Isengard reads, with its default. The README's table mirrors this. */
const envSchema = z.object({
  ISENGARD_MODE: z.enum(MODES, { error: `must be one of: ${MODES.join(', ')}` }).default('fast-test'),
  ISENGARD_ROLE: z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` }).default('all'),
  DATA_DIR: optionalText,
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  TEMPORAL_ADDRESS: optionalText.pipe(
    z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, for example 127.0.0.1:7233')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'must be a Temporal namespace name')
    .default('isengard'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_UI_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  TEMPORAL_CLI_PATH: optionalText,
  HOST: z
    .string()
    .trim()
    .min(1, 'must be an IP address or host name')
    .default('127.0.0.1'),
  PORT: port(3000),
  // Off unless a proxy in front sets X-Forwarded-For: a hop count, or the proxies' addresses (as Express names them).
  TRUST_PROXY: optionalText.pipe(
    z
      .string()
      .regex(
        /^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:/]+)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:/]+))*)$/,
        'must be a number of proxies, or their addresses (IPs, CIDRs, or loopback, linklocal, uniquelocal; comma-separated)',
      )
      .optional(),
  ),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  COMFYUI_HOST: z.string().trim().min(1).default('127.0.0.1'),
  COMFYUI_PORT: port(8188),
  COMFYUI_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  LOG_LEVEL: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of: ${LOG_LEVELS.join(', ')}` }))
    .default('INFO'),
  LOG_DIR: z.string().trim().min(1).default('./logs'),
  LOG_MAX_FILE_MB: z.coerce.number({ error: 'must be a number of megabytes' }).int('must be a whole number').min(1).max(10_000).default(50),
  DISK_LOW_FREE_MB: z.coerce.number({ error: 'must be a number of megabytes' }).int('must be a whole number').min(0).default(10_240),
  DISK_RESERVE_MB: z.coerce.number({ error: 'must be a number of megabytes' }).int('must be a whole number').min(0).default(1_024),
  WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(16, 'must be at most 16')
    .default(1),
  GPU_WORKER_ID: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be letters, digits, - or _ (at most 63)')
      .optional(),
  ),
  CUDA_VISIBLE_DEVICES: optionalText,
  // Jobs run on a GPU worker whose engines cannot use a GPU (on the CPU, slowly) instead of failing: the real-engine tests.
  ALLOW_CPU_ENGINES: flag,
  AITOOLKIT_PATH: optionalText,
  AITOOLKIT_PYTHON: optionalText,
  CONTROL_PLANE_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  ISENGARD_INTERNAL_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ENGINE_SILENCE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(5, 'must be at least 5')
    .max(86_400)
    .default(900),
  COMFYUI_PATH: optionalText,
  COMFYUI_PYTHON: optionalText,
  // Flags of ComfyUI's own command line, e.g. `--cpu` where there is no CUDA (the real-engine tests).
  COMFYUI_EXTRA_ARGS: optionalText.pipe(
    z
      .string()
      .regex(/^--[A-Za-z0-9][A-Za-z0-9-]*(\s+\S+)*$/, 'must be ComfyUI flags separated by spaces, starting with one (e.g. --cpu)')
      .optional(),
  ),
  HF_TOKEN: optionalText,
  // The variable huggingface_hub itself reads: a mirror, or a local server in tests.
  HF_ENDPOINT: z.url({ error: 'must be an http(s) URL' }).default('https://huggingface.co'),
  ISENGARD_PASSWORD: optionalText,
  AUTH: z.enum(['auto', 'on'], { error: 'must be auto (login when not on loopback) or on' }).default('auto'),
  GPU_LOST_AFTER_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(3600, 'must be at most 3600')
    .default(60),
  SHUTDOWN_GRACE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(0)
    .max(3600)
    .default(120),
  // Artifacts in S3-compatible object storage (lib/artifacts/config.ts); unset = the data root is the store.
  STORAGE_URL: optionalText,
  STORAGE_ACCESS_KEY_ID: optionalText,
  STORAGE_SECRET_ACCESS_KEY: optionalText,
  STORAGE_CACHE_GB: z.coerce.number({ error: 'must be a number of gigabytes' }).min(0.001, 'must be more than 0').default(DEFAULT_CACHE_GB),
  STORAGE_RETRY_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(0)
    .max(86_400)
    .default(DEFAULT_RETRY_SECONDS),
  RECONCILE_EVERY_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(3600, 'must be at most 3600')
    .default(60),
});

export interface Config {
  mode: Mode;
  /** Which processes `npm start` (and the container) runs on this host. */
  role: Role;
  projectRoot: string;
  storage: StoragePaths;
  /** Where artifacts are stored: the data root itself, or an S3 store (STORAGE_URL) with this data root as a cache. */
  artifacts: ArtifactStoreConfig;
  databaseUrl: string | undefined;
  temporal: {
    address: string;
    /** True when Isengard starts its own dev server (TEMPORAL_ADDRESS unset). */
    managed: boolean;
    namespace: string;
    port: number;
    uiPort: number;
    uiUrl: string | undefined;
    apiKey: string | undefined;
    tls: { cert?: string; key?: string } | boolean;
    cliPath: string | undefined;
  };
  http: {
    host: string;
    port: number;
    /** Express's `trust proxy`: false (the default), a hop count, or the proxies' addresses. */
    trustProxy: false | number | string[];
  };
  /**
   * Free space on the data and log volumes: below `lowFreeMb` health says degraded; below `reserveMb` uploads,
   * trainings and generations refuse to start (507) instead of failing halfway.
   */
  disk: { lowFreeMb: number; reserveMb: number };
  /**
   * The image engine: ComfyUI from its pinned checkout with its own Python, or (fast-test) the simulator that
   * speaks its protocol. `managed` unless COMFYUI_URL names one running elsewhere; then it is only used.
   */
  comfyui: {
    host: string;
    port: number;
    url: string;
    managed: boolean;
    simulated: boolean;
    /** The checkout (or the simulator's folder): the server's working folder. */
    path: string;
    /**
     * How to start the server: executable and leading arguments (the script, then COMFYUI_EXTRA_ARGS), before the
     * flags the GPU worker sets itself (port, folders).
     */
    command: { executable: string; args: string[] };
  };
  /** The training engine: a checkout of ai-toolkit and its Python, or (fast-test) the simulator that behaves like it. */
  aitoolkit: { path: string; python: string; simulated: boolean };
  /** Where GPU workers report their jobs' progress and their own status (the control plane's internal API). */
  controlPlaneUrl: string;
  /** Shared secret of the internal API; unset = generated and kept under the data root. */
  internalToken: string | undefined;
  /** An engine silent this long is considered hung: it is stopped and restarted from its last checkpoint. */
  engineSilenceSeconds: number;
  /** `ISENGARD_SIM_*` controls of the engine simulators (engine times, injected faults), passed to them as given; in
   * fast-test mode `ISENGARD_SIM_NODE` defaults to this process's Node and `ISENGARD_SIM_GPU_STATE` to a file of this
   * GPU worker's under the data root. */
  simulatorEnv: Record<string, string>;
  /** `maxFileBytes`: a log file this large is rotated while running (as well as daily and at each start). */
  log: { level: LogLevel; dir: string; maxFileBytes: number };
  gpu: {
    workerId: string;
    concurrency: number;
    /** A GPU worker silent (no heartbeat, no status report) this long is lost and its job moves to another worker. */
    lostAfterSeconds: number;
    /** ALLOW_CPU_ENGINES: a GPU its engines cannot use is reported, and jobs run anyway (on the CPU). */
    allowCpu: boolean;
  };
  hfToken: string | undefined;
  /** Hugging Face (or a mirror), without a trailing slash. */
  hfEndpoint: string;
  password: string | undefined;
  /** `auto`: a login is required when HOST is not loopback; `on`: always. */
  authMode: 'auto' | 'on';
  shutdownGraceSeconds: number;
  /** How often the control plane closes jobs whose workflow has ended or is gone (api/jobs/reconciler.ts). */
  reconcileEverySeconds: number;
  /** Values that must never appear in a log line. */
  secrets: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeProblem(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = String(issue.path[0] ?? 'environment');
  const raw = env[name];
  const shown = raw === undefined || /KEY|TOKEN|PASSWORD|URL/.test(name) ? '' : ` (got "${raw}")`;
  return `${name} ${issue.message}${shown}`;
}

function trustProxyOf(value: string | undefined): false | number | string[] {
  if (value === undefined) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}

function defaultWorkerId(cudaDevices: string | undefined): string {
  const host = os.hostname().replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+/, '').slice(0, 40) || 'host';
  const device = (cudaDevices ?? '0').split(',')[0]?.replace(/[^A-Za-z0-9]/g, '') || '0';
  return `${host}-gpu${device}`;
}

/**
 * The ai-toolkit checkout and Python to run: the pinned checkout with its own environment in production; the
 * simulator (same CLI, console and files; plain python3) in fast-test mode. The adapter runs either unchanged.
 */
function aitoolkitEngine(
  mode: Mode,
  pathVar: string | undefined,
  pythonVar: string | undefined,
  fromRoot: (p: string) => string,
): Config['aitoolkit'] {
  const simulated = mode === 'fast-test' && !pathVar;
  const checkout = fromRoot(pathVar ?? (simulated ? 'plugins/training/ai-toolkit/simulator' : 'vendor/ai-toolkit'));
  const python = pythonVar ?? (simulated ? 'python3' : path.join(checkout, 'venv', 'bin', 'python'));
  return { path: checkout, python, simulated };
}

/** Like the training engine: ComfyUI's `main.py` in production, the simulator's `server.ts` in fast-test mode. */
function comfyuiEngine(
  mode: Mode,
  vars: { path: string | undefined; python: string | undefined; extraArgs: string | undefined },
  fromRoot: (p: string) => string,
): Pick<Config['comfyui'], 'path' | 'simulated' | 'command'> {
  const simulated = mode === 'fast-test' && !vars.path;
  const extraArgs = vars.extraArgs?.split(/\s+/) ?? [];
  if (simulated) {
    const folder = fromRoot('plugins/image/comfyui/simulator');
    const tsx = fromRoot('node_modules/tsx/dist/loader.mjs');
    return {
      path: folder,
      simulated,
      command: { executable: process.execPath, args: ['--import', tsx, path.join(folder, 'server.ts'), ...extraArgs] },
    };
  }
  const checkout = fromRoot(vars.path ?? 'vendor/comfyui');
  return {
    path: checkout,
    simulated,
    command: { executable: vars.python ?? path.join(checkout, 'venv', 'bin', 'python'), args: ['main.py', ...extraArgs] },
  };
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to an empty string counts as unset, so `FOO= npm start` means "use the default".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeProblem(i, env)));
  const e = parsed.data;

  const problems: string[] = [];
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  if (!e.TEMPORAL_ADDRESS && e.TEMPORAL_PORT === e.TEMPORAL_UI_PORT) {
    problems.push('TEMPORAL_UI_PORT must differ from TEMPORAL_PORT');
  }
  if (!e.TEMPORAL_ADDRESS && (e.PORT === e.TEMPORAL_PORT || e.PORT === e.TEMPORAL_UI_PORT)) {
    problems.push('PORT must differ from TEMPORAL_PORT and TEMPORAL_UI_PORT');
  }
  const storage = parseStorageConfig({
    url: e.STORAGE_URL,
    accessKeyId: e.STORAGE_ACCESS_KEY_ID,
    secretAccessKey: e.STORAGE_SECRET_ACCESS_KEY,
    cacheGb: e.STORAGE_CACHE_GB,
    retrySeconds: e.STORAGE_RETRY_SECONDS,
  });
  problems.push(...storage.problems);
  if (e.ISENGARD_ROLE === 'gpu-worker') {
    // A GPU worker on another host cannot use the control plane's dev server, nor the internal token it keeps in
    // its own data root.
    if (!e.TEMPORAL_ADDRESS) problems.push('ISENGARD_ROLE=gpu-worker needs TEMPORAL_ADDRESS: the Temporal server the control plane uses');
    if (!e.CONTROL_PLANE_URL) problems.push('ISENGARD_ROLE=gpu-worker needs CONTROL_PLANE_URL: where this worker reports progress');
    if (!e.ISENGARD_INTERNAL_TOKEN) problems.push("ISENGARD_ROLE=gpu-worker needs ISENGARD_INTERNAL_TOKEN: the control plane's, so its reports are accepted");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const managed = !e.TEMPORAL_ADDRESS;
  const fromRoot = (p: string) => path.resolve(PROJECT_ROOT, p);
  const tls =
    e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
      ? { cert: fromRoot(e.TEMPORAL_TLS_CERT), key: fromRoot(e.TEMPORAL_TLS_KEY) }
      : (e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_API_KEY));

  return {
    mode: e.ISENGARD_MODE,
    role: e.ISENGARD_ROLE,
    projectRoot: PROJECT_ROOT,
    storage: storagePaths(resolveDataRoot(e.DATA_DIR)),
    artifacts: storage.config,
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      managed,
      namespace: e.TEMPORAL_NAMESPACE,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL ?? (managed ? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}` : undefined),
      apiKey: e.TEMPORAL_API_KEY,
      tls,
      cliPath: e.TEMPORAL_CLI_PATH,
    },
    http: { host: e.HOST, port: e.PORT, trustProxy: trustProxyOf(e.TRUST_PROXY) },
    disk: { lowFreeMb: e.DISK_LOW_FREE_MB, reserveMb: e.DISK_RESERVE_MB },
    comfyui: {
      host: e.COMFYUI_HOST,
      port: e.COMFYUI_PORT,
      url: (e.COMFYUI_URL ?? `http://${e.COMFYUI_HOST}:${e.COMFYUI_PORT}`).replace(/\/$/, ''),
      managed: !e.COMFYUI_URL,
      ...comfyuiEngine(e.ISENGARD_MODE, { path: e.COMFYUI_PATH, python: e.COMFYUI_PYTHON, extraArgs: e.COMFYUI_EXTRA_ARGS }, fromRoot),
    },
    aitoolkit: aitoolkitEngine(e.ISENGARD_MODE, e.AITOOLKIT_PATH, e.AITOOLKIT_PYTHON, fromRoot),
    controlPlaneUrl: (e.CONTROL_PLANE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
    internalToken: e.ISENGARD_INTERNAL_TOKEN,
    engineSilenceSeconds: e.ENGINE_SILENCE_SECONDS,
    simulatorEnv: {
      // the ai-toolkit simulator paints its samples with Node (this one, unless told otherwise)
      ...(e.ISENGARD_MODE === 'fast-test' ? { ISENGARD_SIM_NODE: process.execPath } : {}),
      // the simulated engines of one GPU worker share one simulated card: what ComfyUI holds, the trainer cannot have
      ...(e.ISENGARD_MODE === 'fast-test'
        ? { ISENGARD_SIM_GPU_STATE: path.join(resolveDataRoot(e.DATA_DIR), 'simulated-gpu', `${e.GPU_WORKER_ID ?? defaultWorkerId(e.CUDA_VISIBLE_DEVICES)}.json`) }
        : {}),
      ...Object.fromEntries(Object.entries(given).filter((entry): entry is [string, string] => entry[0].startsWith('ISENGARD_SIM_'))),
    },
    log: { level: e.LOG_LEVEL, dir: fromRoot(e.LOG_DIR), maxFileBytes: e.LOG_MAX_FILE_MB * 1024 * 1024 },
    gpu: {
      workerId: e.GPU_WORKER_ID ?? defaultWorkerId(e.CUDA_VISIBLE_DEVICES),
      concurrency: e.WORKER_CONCURRENCY,
      lostAfterSeconds: e.GPU_LOST_AFTER_SECONDS,
      allowCpu: e.ALLOW_CPU_ENGINES ?? false,
    },
    hfToken: e.HF_TOKEN,
    hfEndpoint: e.HF_ENDPOINT.replace(/\/+$/, ''),
    password: e.ISENGARD_PASSWORD,
    authMode: e.AUTH,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    reconcileEverySeconds: e.RECONCILE_EVERY_SECONDS,
    secrets: [e.HF_TOKEN, e.TEMPORAL_API_KEY, e.ISENGARD_PASSWORD, e.ISENGARD_INTERNAL_TOKEN, passwordOf(e.DATABASE_URL), ...storageSecrets(storage.config)].filter(
      (s): s is string => typeof s === 'string' && s.length >= 4,
    ),
  };
}
