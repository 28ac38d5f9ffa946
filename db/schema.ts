import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { GpuReport, GpuWorkerReport } from '../lib/contracts/gpu-workers';
import { CAPTION_JOB_STATUSES, CAPTION_STYLES } from '../lib/contracts/captions';
import type { PhotoFaces, PictureLikeness, RunLikeness } from '../lib/contracts/likeness';
import { WEBHOOK_DELIVERY_STATUSES } from '../lib/contracts/webhooks';

/**
 * The data model (design §6). File paths are stored relative to the data root, so a volume can move.
 * Rows a user can delete carry `deleted_at` (soft delete).
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const deletedAt = () => timestamp('deleted_at', { withTimezone: true });
const at = (name: string) => timestamp(name, { withTimezone: true });

export const TRAINING_STATUSES = ['queued', 'running', 'completed', 'failed', 'stopped'] as const;
export const GENERATION_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export const SELF_TEST_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export const BASE_MODELS = ['flux1-dev', 'sdxl'] as const;

export const characters = pgTable(
  'characters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    triggerWord: text('trigger_word').notNull(),
    notes: text('notes').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [uniqueIndex('characters_name_live').on(sql`lower(${t.name})`).where(sql`${t.deletedAt} is null`)],
);

/** What the intake checks found, with the measured values the UI shows on hover. */
export interface PhotoChecks {
  orientation?: { exif: number; fixed: boolean };
  tooSmall?: { shortSide: number; minimum: number; failed: boolean };
  blurry?: { sharpness: number; threshold: number; failed: boolean };
  duplicate?: { ofPhotoId: string; distance: number; exact: boolean } | null;
}

export const photos = pgTable(
  'photos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: uuid('character_id')
      .notNull()
      .references(() => characters.id),
    originalName: text('original_name').notNull(),
    filePath: text('file_path').notNull(),
    mimeType: text('mime_type').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /** Dimensions after the EXIF orientation was baked in. */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    exifOrientation: integer('exif_orientation').notNull().default(1),
    /** 64-bit perceptual hash as 16 hex characters. */
    phash: text('phash'),
    sharpness: real('sharpness'),
    caption: text('caption').notNull().default(''),
    /** The caption the captioner last wrote; a caption that differs from it (and from the default) was edited by the user. */
    autoCaption: text('auto_caption'),
    checks: jsonb('checks').$type<PhotoChecks>().notNull().default({}),
    /** Left out of training by the user. */
    excluded: boolean('excluded').notNull().default(false),
    /** What the identity scorer found (faces, the main face's embedding); null until the photo has been analysed. */
    faces: jsonb('faces').$type<PhotoFaces>(),
    /** The user chose to train with this photo despite its warnings. */
    keptAnywayAt: at('kept_anyway_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index('photos_character').on(t.characterId), index('photos_character_sha').on(t.characterId, t.sha256)],
);

export const trainingRuns = pgTable(
  'training_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: uuid('character_id')
      .notNull()
      .references(() => characters.id),
    preset: text('preset').notNull(),
    /** The user's advanced settings as submitted (validated). */
    advanced: jsonb('advanced').$type<Record<string, unknown>>().notNull().default({}),
    /** The preset with the advanced settings applied: what the run trains with. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** `standard`, or `low` after an out-of-memory failure made the run retry with a lower-VRAM profile. */
    vramProfile: text('vram_profile', { enum: ['standard', 'low'] }).notNull().default('standard'),
    /** The ai-toolkit job config resolved from preset + advanced settings. */
    resolvedConfig: jsonb('resolved_config').$type<Record<string, unknown>>(),
    baseModel: text('base_model', { enum: BASE_MODELS }).notNull().default('flux1-dev'),
    status: text('status', { enum: TRAINING_STATUSES }).notNull().default('queued'),
    phase: text('phase').notNull().default('queued'),
    step: integer('step').notNull().default(0),
    totalSteps: integer('total_steps').notNull(),
    lastCheckpointStep: integer('last_checkpoint_step'),
    itPerSec: real('it_per_sec'),
    etaSeconds: integer('eta_seconds'),
    /** Recorded when the run ends: the engine's training speed at the end and the GPU it ran on (duration estimates). */
    secondsPerStep: real('seconds_per_step'),
    gpuDevice: text('gpu_device'),
    /** Photos that went into the dataset, frozen when it was prepared. */
    photoIds: jsonb('photo_ids').$type<string[]>(),
    datasetPath: text('dataset_path'),
    workflowId: text('workflow_id').notNull(),
    gpuWorker: text('gpu_worker'),
    /** Engine starts so far; progress reports from an older start are refused (fencing). */
    attempt: integer('attempt').notNull().default(0),
    /** Grows with every progress write: the id of server-sent events, so a client can resume a stream. */
    progressSeq: integer('progress_seq').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** When the user asked to stop: the run shows "Stopping" and its step stops counting until the workflow ends it. */
    stopRequestedAt: at('stop_requested_at'),
    /** The training engine and the version of how it trains (plugins: `id@version`), e.g. `ai-toolkit@1`. */
    engineVersion: text('engine_version'),
    /** A client's `Idempotency-Key` (with who sent it): the same key again answers this run instead of a new one. */
    idempotencyKey: text('idempotency_key').unique(),
    /** The correlation id of the request that started it: on every line the run causes, and on its live events. */
    correlationId: text('correlation_id'),
    /** A continuation of another run (`POST /api/trainings/:id/continue`): the engine resumed that run's checkpoint. */
    continuedFromRunId: uuid('continued_from_run_id').references((): AnyPgColumn => trainingRuns.id),
    /** The step of the checkpoint a continuation resumed: its progress counts from there. */
    startStep: integer('start_step'),
    /** The likeness curve of its samples and, once it ended, the recommended checkpoint. */
    likeness: jsonb('likeness').$type<RunLikeness>(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    uniqueIndex('training_runs_workflow').on(t.workflowId),
    // One active run per character, held by the database itself (two requests at once cannot both start one).
    uniqueIndex('training_runs_one_active')
      .on(t.characterId)
      .where(sql`${t.status} in ('queued', 'running') and ${t.deletedAt} is null`),
    index('training_runs_character').on(t.characterId, t.createdAt),
    index('training_runs_status').on(t.status),
  ],
);

/** The loss series of a run, one row per logged step (a child table keeps progress writes O(1)). */
export const trainingLossPoints = pgTable(
  'training_loss_points',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => trainingRuns.id, { onDelete: 'cascade' }),
    step: integer('step').notNull(),
    loss: real('loss').notNull(),
    recordedAt: at('recorded_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step] })],
);

/** The timeline of a run, in words: phases, worker moves, retries, the reason it ended. */
export const trainingEvents = pgTable(
  'training_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => trainingRuns.id, { onDelete: 'cascade' }),
    at: at('at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('training_events_run').on(t.runId, t.at)],
);

export const trainingSamples = pgTable(
  'training_samples',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => trainingRuns.id, { onDelete: 'cascade' }),
    step: integer('step').notNull(),
    promptIndex: integer('prompt_index').notNull(),
    prompt: text('prompt'),
    filePath: text('file_path').notNull(),
    /** Its likeness to the character; null until scored. */
    likeness: jsonb('likeness').$type<PictureLikeness>(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('training_samples_file').on(t.runId, t.filePath), index('training_samples_run').on(t.runId, t.step)],
);

export const loras = pgTable(
  'loras',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: uuid('character_id')
      .notNull()
      .references(() => characters.id),
    /** The run it came from: its outcome (final, or kept at Stop) and any checkpoint of it turned into a LoRA. */
    trainingRunId: uuid('training_run_id').references(() => trainingRuns.id),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    filePath: text('file_path').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    baseModel: text('base_model', { enum: BASE_MODELS }).notNull(),
    steps: integer('steps').notNull(),
    rank: integer('rank'),
    triggerWord: text('trigger_word').notNull(),
    /** The safetensors `__metadata__` as read from the file header. */
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** The training engine and version that made it (the run's). */
    engineVersion: text('engine_version'),
    /** The user's own words about it (the LoRAs page). */
    notes: text('notes').notNull().default(''),
    /** Marked as a favourite by the user. */
    favourite: boolean('favourite').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    // One LoRA per checkpoint of a run.
    uniqueIndex('loras_run_step').on(t.trainingRunId, t.steps),
    uniqueIndex('loras_character_version').on(t.characterId, t.version),
  ],
);

export const generations = pgTable(
  'generations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: uuid('character_id').references(() => characters.id),
    loraId: uuid('lora_id').references(() => loras.id),
    loraStrength: real('lora_strength'),
    baseModel: text('base_model', { enum: BASE_MODELS }).notNull(),
    prompt: text('prompt').notNull(),
    /** Every validated parameter, so a generation can be re-run exactly. */
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: GENERATION_STATUSES }).notNull().default('queued'),
    /** 0..1 over all images of the batch. */
    progress: real('progress').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    gpuWorker: text('gpu_worker'),
    /** When the user asked to cancel: the generation shows "Cancelling" until the workflow ends it. */
    cancelRequestedAt: at('cancel_requested_at'),
    /** Who submitted it (session user or API token), for fair ordering between users. */
    submittedBy: text('submitted_by'),
    /** A client's `Idempotency-Key` (with who sent it): the same key again answers this generation. */
    idempotencyKey: text('idempotency_key').unique(),
    /** The correlation id of the request that started it: on every line it causes, and on its live events. */
    correlationId: text('correlation_id'),
    /** The generation this one re-runs or varies. */
    sourceGenerationId: uuid('source_generation_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    uniqueIndex('generations_workflow').on(t.workflowId),
    index('generations_created').on(t.createdAt),
    index('generations_character').on(t.characterId, t.createdAt),
    index('generations_lora').on(t.loraId, t.createdAt),
    index('generations_status').on(t.status),
  ],
);

export const outputs = pgTable(
  'outputs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    generationId: uuid('generation_id')
      .notNull()
      .references(() => generations.id),
    index: integer('index').notNull(),
    filePath: text('file_path').notNull(),
    mimeType: text('mime_type').notNull().default('image/png'),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    seed: bigint('seed', { mode: 'number' }).notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** Its likeness to the generation's character; null until scored. */
    likeness: jsonb('likeness').$type<PictureLikeness>(),
    /** Marked by the person as one of their favourites (the gallery filters by it). */
    favourite: boolean('favourite').notNull().default(false),
    createdAt: createdAt(),
    deletedAt: deletedAt(),
  },
  (t) => [uniqueIndex('outputs_generation_index').on(t.generationId, t.index)],
);

/** Runs of the pipeline self-test: API → workflow → control activity → pinned GPU activity → database. */
export const selfTests = pgTable(
  'self_tests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status', { enum: SELF_TEST_STATUSES }).notNull().default('queued'),
    steps: integer('steps').notNull(),
    step: integer('step').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    /** Every GPU worker that ran part of it, in order (more than one after a fail-over). */
    gpuWorkers: jsonb('gpu_workers').$type<string[]>().notNull().default([]),
    result: jsonb('result').$type<Record<string, unknown>>(),
    errorMessage: text('error_message'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('self_tests_workflow').on(t.workflowId)],
);

/** "Write captions" jobs (workflows/caption-photos.ts): one running at a time per character. */
export const captionJobs = pgTable(
  'caption_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: uuid('character_id')
      .notNull()
      .references(() => characters.id),
    status: text('status', { enum: CAPTION_JOB_STATUSES }).notNull().default('queued'),
    style: text('style', { enum: CAPTION_STYLES }).notNull(),
    /** The photos the user chose, or null for all of them. */
    photoIds: jsonb('photo_ids').$type<string[]>(),
    total: integer('total').notNull().default(0),
    done: integer('done').notNull().default(0),
    /** Photos left alone because the user had edited their caption. */
    skipped: integer('skipped').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    engine: text('engine'),
    errorMessage: text('error_message'),
    correlationId: text('correlation_id'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('caption_jobs_character').on(t.characterId, t.createdAt),
    uniqueIndex('caption_jobs_one_active').on(t.characterId).where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export const MODEL_FILE_STATUSES = ['missing', 'downloading', 'ready', 'failed'] as const;

/**
 * Model files provisioned into models/base (resumable downloads), one row per catalogue file (`<model>/<file>`),
 * written by the provisioning activities. The file on disk stays the truth: a `ready` row whose file is gone reads
 * as missing.
 */
/**
 * What each GPU worker last reported about itself (internal API): whether it is alive, its engines, the jobs that
 * hold its GPU slots. GPU workers have no database access; the control plane writes this for them.
 */
export const gpuWorkers = pgTable('gpu_workers', {
  workerId: text('worker_id').primaryKey(),
  identity: text('identity').notNull(),
  hostname: text('hostname').notNull(),
  queue: text('queue').notNull(),
  capacity: integer('capacity').notNull().default(1),
  engines: jsonb('engines').$type<GpuWorkerReport['engines']>().notNull().default([]),
  jobs: jsonb('jobs').$type<string[]>().notNull().default([]),
  /** Whether its engines' Pythons can use its GPU; null from a worker of an earlier release. */
  gpu: jsonb('gpu').$type<GpuReport>(),
  startedAt: at('started_at').notNull(),
  lastReportAt: at('last_report_at').notNull(),
  /** It said it was shutting down: no longer listed. */
  stoppedAt: at('stopped_at'),
});

export const modelFiles = pgTable('model_files', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  filePath: text('file_path').notNull(),
  sizeBytes: bigint('size_bytes', { mode: 'number' }),
  sha256: text('sha256'),
  bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
  status: text('status', { enum: MODEL_FILE_STATUSES }).notNull().default('missing'),
  /** Why it failed, as a category the web app explains (`gated`, `checksum_mismatch`, …). */
  errorCode: text('error_code'),
  errorMessage: text('error_message'),
  workflowId: text('workflow_id'),
  updatedAt: updatedAt(),
});

/** Instance settings (e.g. the admin password hash set on first visit). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable('sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  tokenHash: text('token_hash').notNull().unique(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: createdAt(),
  lastSeenAt: at('last_seen_at').notNull().defaultNow(),
  expiresAt: at('expires_at').notNull(),
});

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** First characters of the token, shown in lists so a person can tell tokens apart. */
  prefix: text('prefix').notNull(),
  createdAt: createdAt(),
  lastUsedAt: at('last_used_at'),
  revokedAt: at('revoked_at'),
  /** After this it no longer works; null: until revoked. */
  expiresAt: at('expires_at'),
  /** Where job ends are announced for this token's scripts (null: nowhere), and the key that signs them, sealed. */
  webhookUrl: text('webhook_url'),
  webhookSecretSealed: text('webhook_secret_sealed'),
});

/**
 * One announcement of a job's end to one webhook endpoint, delivered by its own workflow (`deliverWebhook`). The id
 * is derived from (job, event, endpoint), so a job end announced twice is one row; the body is fixed at the start
 * so every attempt (and a redelivery) signs the same bytes.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    event: text('event').notNull(),
    /** `settings` (the instance-wide endpoint) or `token:<api token id>`. */
    endpoint: text('endpoint').notNull(),
    /** The URL at the start, kept for the log even if the endpoint changes later. */
    url: text('url').notNull(),
    jobId: text('job_id').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    responseCode: integer('response_code'),
    workflowId: text('workflow_id').notNull(),
    createdAt: createdAt(),
    lastAttemptAt: at('last_attempt_at'),
    deliveredAt: at('delivered_at'),
  },
  (t) => [index('webhook_deliveries_created_idx').on(t.createdAt)],
);
