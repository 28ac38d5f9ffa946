import { z } from 'zod';
import { BASE_MODEL_IDS } from './generations';

export const MODEL_STATES = ['missing', 'downloading', 'ready', 'failed'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

/** Models that are not base models: the vision-language model that writes captions (issue 24). */
export const CAPTIONER_MODEL_IDS = ['qwen3-vl-4b-instruct'] as const;
export type CaptionerModelId = (typeof CAPTIONER_MODEL_IDS)[number];

/** Every model the Models page provisions. */
export const MODEL_IDS = [...BASE_MODEL_IDS, ...CAPTIONER_MODEL_IDS] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/** `base`: generation and training load it; `captioner`: "Write captions" runs it. */
export const MODEL_KINDS = ['base', 'captioner'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** `:id` of /api/models/:id/…: one of the catalogue's models. */
export const modelIdParam = z.enum(MODEL_IDS, { error: `must be one of: ${MODEL_IDS.join(', ')}` });

const errorSchema = z.object({ code: z.string(), message: z.string() }).nullable();

export const modelFileSchema = z.object({
  id: z.string(),
  label: z.string(),
  repo: z.string(),
  /** Where it goes, relative to the data root (`models/base/…`). */
  path: z.string(),
  state: z.enum(MODEL_STATES),
  /** Bytes on disk: the verified file, or the part downloaded so far (kept when a download stops). */
  bytesDone: z.number(),
  /** Null until Hugging Face has told the size (files the catalogue does not pin). */
  totalBytes: z.number().nullable(),
  gated: z.boolean(),
  error: errorSchema,
  /** While downloading: why its last try failed (no network, say). It tries again a few times, then it fails. */
  retrying: z.string().nullable(),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

export const baseModelSchema = z.object({
  id: z.enum(MODEL_IDS),
  kind: z.enum(MODEL_KINDS),
  label: z.string(),
  description: z.string(),
  /** The model's page on Hugging Face (its licence; for a gated model, where it is accepted). */
  pageUrl: z.string(),
  licence: z.string(),
  gated: z.boolean(),
  /**
   * Set for a model the catalogue does not pin by hash: the Hugging Face commit its files were (or are being)
   * downloaded from, each verified against the hashes the hub announces for that commit. Null before the first download.
   */
  hubCommit: z.string().nullable(),
  state: z.enum(MODEL_STATES),
  bytesDone: z.number(),
  totalBytes: z.number().nullable(),
  files: z.array(modelFileSchema),
  workflowId: z.string(),
  /** The first failure, when the model's state is `failed`. */
  error: errorSchema,
  /** While downloading: why a file's last try failed; the download tries again a few times, then it fails. */
  retrying: z.string().nullable(),
});
export type BaseModel = z.infer<typeof baseModelSchema>;

export const modelListSchema = z.object({
  items: z.array(baseModelSchema),
  /** Whether the operator set HF_TOKEN (never its value): gated models need it. */
  hfTokenSet: z.boolean(),
  /** Where files come from (HF_ENDPOINT). */
  hfEndpoint: z.string(),
});
export type ModelList = z.infer<typeof modelListSchema>;
