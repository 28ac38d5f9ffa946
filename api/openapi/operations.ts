import { z } from 'zod';
import { apiTokenListSchema, createdApiTokenSchema, loginInput, sessionSchema, sessionStartedSchema, setupInput, tokenInput } from '../../lib/contracts/auth';
import { capabilitiesSchema } from '../../lib/contracts/capabilities';
import { applyCaptionInput, captionJobSchema, captionsChangedSchema, currentCaptionJobSchema, replaceInCaptionsInput, startCaptionsInput } from '../../lib/contracts/captions';
import { deletionImpactSchema } from '../../lib/contracts/character-impact';
import { characterListSchema, characterSchema, createCharacterInput, updateCharacterInput } from '../../lib/contracts/characters';
import {
  galleryQuery,
  generationInput,
  generationOutputSchema,
  generationPageSchema,
  generationSchema,
  outputPatch,
  outputRerunInput,
  outputsArchiveQuery,
  outputsDeleteInput,
  rerunInput,
} from '../../lib/contracts/generations';
import { healthSchema } from '../../lib/contracts/health';
import { loraEntryListSchema, loraImpactSchema, loraListQuery, loraListSchema, loraSchema, updateLoraInput } from '../../lib/contracts/loras';
import { baseModelSchema, modelListSchema } from '../../lib/contracts/models';
import { photoListSchema, photoSchema, updatePhotoInput, uploadPhotosResultSchema } from '../../lib/contracts/photos';
import { createSelfTestInput, selfTestSchema } from '../../lib/contracts/self-tests';
import { trainingEstimateQuery, trainingEstimateSchema } from '../../lib/contracts/training-estimate';
import {
  checkpointListSchema,
  continueTrainingInput,
  startTrainingInput,
  trainingRunListQuery,
  trainingRunListSchema,
  trainingRunPageSchema,
  trainingRunSchema,
} from '../../lib/contracts/training';
import { webhookDeliveryListSchema, webhookEndpointSchema, webhookInput, webhookSettingsSchema } from '../../lib/contracts/webhooks';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a successful answer carries: JSON of a contract, a file, an event stream, or nothing (204). */
export type Answer =
  | { status: 200 | 201 | 202; json: z.ZodType }
  | { status: 200; file: 'image/*' | 'application/octet-stream' | 'application/zip' | 'text/html' }
  | { status: 200; stream: 'text/event-stream' }
  | { status: 204 };

/** One operation of the API, as the OpenAPI document describes it; path parameters come from `{name}` in the path. */
export interface Operation {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  body?: z.ZodType;
  /** A multipart upload (photos) instead of a JSON body. */
  multipart?: { field: string; description: string };
  query?: z.ZodType;
  answer: Answer;
}

const json = (schema: z.ZodType, status: 200 | 201 | 202 = 200): Answer => ({ status, json: schema });
const noContent: Answer = { status: 204 };
const accepted = z.object({ requested: z.literal(true) });
const clientLogInput = z.object({
  level: z.enum(['error', 'warn', 'info']).optional(),
  message: z.string(),
  event: z.string().optional(),
  route: z.string().optional(),
  url: z.string().optional(),
  stack: z.string().optional(),
});

/**
 * Every route of `/api`, in one table: the OpenAPI document is generated from it, and a test holds it equal to the
 * routes Express really registers (api/openapi/openapi.test.ts). A new route goes here too.
 */
export const OPERATIONS: Operation[] = [
  // Auth
  { method: 'get', path: '/api/auth/session', tag: 'Auth', summary: 'Who the caller is, and the CSRF token of the session', answer: json(sessionSchema) },
  { method: 'post', path: '/api/auth/setup', tag: 'Auth', summary: 'First visit: choose the admin password with the setup code', body: setupInput, answer: json(sessionStartedSchema) },
  { method: 'post', path: '/api/auth/login', tag: 'Auth', summary: 'Log in with the admin password', body: loginInput, answer: json(sessionStartedSchema) },
  { method: 'post', path: '/api/auth/logout', tag: 'Auth', summary: 'Log out', answer: noContent },
  { method: 'get', path: '/api/auth/tokens', tag: 'Auth', summary: 'List API tokens (browser session only)', answer: json(apiTokenListSchema) },
  { method: 'post', path: '/api/auth/tokens', tag: 'Auth', summary: 'Create an API token, optionally with a webhook; the token is shown once', body: tokenInput, answer: json(createdApiTokenSchema, 201) },
  { method: 'delete', path: '/api/auth/tokens/{id}', tag: 'Auth', summary: 'Revoke an API token', answer: noContent },
  { method: 'put', path: '/api/auth/tokens/{id}/webhook', tag: 'Webhooks', summary: "Set or change an API token's webhook", body: webhookInput, answer: json(webhookEndpointSchema) },
  { method: 'delete', path: '/api/auth/tokens/{id}/webhook', tag: 'Webhooks', summary: "Remove an API token's webhook", answer: noContent },
  // System
  { method: 'get', path: '/api/health', tag: 'System', summary: 'Health of the instance: database, Temporal, GPU workers, disks', answer: json(healthSchema) },
  { method: 'get', path: '/api/capabilities', tag: 'System', summary: 'What this version supports', answer: json(capabilitiesSchema) },
  { method: 'post', path: '/api/client-logs', tag: 'System', summary: "A browser's error report", body: clientLogInput, answer: noContent },
  { method: 'post', path: '/api/self-tests', tag: 'System', summary: 'Start the pipeline self-test', body: createSelfTestInput, answer: json(selfTestSchema, 202) },
  { method: 'get', path: '/api/self-tests/{id}', tag: 'System', summary: 'A pipeline self-test', answer: json(selfTestSchema) },
  // Characters and photos
  { method: 'post', path: '/api/characters', tag: 'Characters', summary: 'Create a character', body: createCharacterInput, answer: json(characterSchema, 201) },
  { method: 'get', path: '/api/characters', tag: 'Characters', summary: 'List characters', answer: json(characterListSchema) },
  { method: 'get', path: '/api/characters/{id}', tag: 'Characters', summary: 'A character', answer: json(characterSchema) },
  { method: 'patch', path: '/api/characters/{id}', tag: 'Characters', summary: 'Change a character', body: updateCharacterInput, answer: json(characterSchema) },
  { method: 'get', path: '/api/characters/{id}/deletion-impact', tag: 'Characters', summary: 'What deleting a character would remove', answer: json(deletionImpactSchema) },
  { method: 'delete', path: '/api/characters/{id}', tag: 'Characters', summary: 'Delete a character', answer: noContent },
  {
    method: 'post',
    path: '/api/characters/{id}/photos',
    tag: 'Photos',
    summary: 'Upload photos (multipart); each file is accepted or refused with its reason',
    multipart: { field: 'photos', description: 'One or more JPEG, PNG, WebP or HEIC files' },
    answer: json(uploadPhotosResultSchema, 201),
  },
  { method: 'get', path: '/api/characters/{id}/photos', tag: 'Photos', summary: "A character's photos", answer: json(photoListSchema) },
  { method: 'patch', path: '/api/photos/{id}', tag: 'Photos', summary: 'Change a photo (caption, excluded, keep anyway)', body: updatePhotoInput, answer: json(photoSchema) },
  { method: 'delete', path: '/api/photos/{id}', tag: 'Photos', summary: 'Delete a photo', answer: noContent },
  { method: 'get', path: '/api/photos/{id}/file', tag: 'Photos', summary: "A photo's file", answer: { status: 200, file: 'image/*' } },
  { method: 'get', path: '/api/photos/{id}/thumbnail', tag: 'Photos', summary: "A photo's thumbnail", answer: { status: 200, file: 'image/*' } },
  // Captions
  { method: 'post', path: '/api/characters/{id}/captions', tag: 'Captions', summary: "Caption a character's photos automatically", body: startCaptionsInput, answer: json(captionJobSchema, 202) },
  { method: 'get', path: '/api/characters/{id}/caption-jobs/latest', tag: 'Captions', summary: "A character's latest captioning job", answer: json(currentCaptionJobSchema) },
  { method: 'post', path: '/api/characters/{id}/captions/apply-all', tag: 'Captions', summary: 'Give every photo the same caption', body: applyCaptionInput, answer: json(captionsChangedSchema) },
  { method: 'post', path: '/api/characters/{id}/captions/replace', tag: 'Captions', summary: 'Replace words in every caption', body: replaceInCaptionsInput, answer: json(captionsChangedSchema) },
  { method: 'get', path: '/api/caption-jobs/{id}', tag: 'Captions', summary: 'A captioning job', answer: json(captionJobSchema) },
  { method: 'post', path: '/api/caption-jobs/{id}/cancel', tag: 'Captions', summary: 'Cancel a captioning job', answer: json(captionJobSchema, 202) },
  // Training
  { method: 'post', path: '/api/characters/{id}/trainings', tag: 'Training', summary: 'Start training a LoRA', body: startTrainingInput, answer: json(trainingRunSchema, 202) },
  { method: 'get', path: '/api/characters/{id}/trainings', tag: 'Training', summary: "A character's training runs", answer: json(trainingRunListSchema) },
  { method: 'get', path: '/api/trainings', tag: 'Training', summary: 'All training runs, a page at a time', query: trainingRunListQuery, answer: json(trainingRunPageSchema) },
  { method: 'get', path: '/api/trainings/estimate', tag: 'Training', summary: 'How long a training with these settings would take', query: trainingEstimateQuery, answer: json(trainingEstimateSchema) },
  { method: 'get', path: '/api/trainings/{id}', tag: 'Training', summary: 'A training run', answer: json(trainingRunSchema) },
  { method: 'get', path: '/api/trainings/{id}/events', tag: 'Training', summary: "A training run's live progress (server-sent events)", answer: { status: 200, stream: 'text/event-stream' } },
  { method: 'post', path: '/api/trainings/{id}/continue', tag: 'Training', summary: 'Continue a finished run for more steps', body: continueTrainingInput, answer: json(trainingRunSchema, 202) },
  { method: 'post', path: '/api/trainings/{id}/stop', tag: 'Training', summary: 'Stop a training run (its last checkpoint is kept)', answer: json(trainingRunSchema, 202) },
  { method: 'post', path: '/api/trainings/{id}/save-now', tag: 'Training', summary: 'Ask the trainer to save a checkpoint now', answer: json(accepted, 202) },
  { method: 'get', path: '/api/trainings/{id}/samples/{sampleId}', tag: 'Training', summary: 'A sample image', answer: { status: 200, file: 'image/*' } },
  { method: 'get', path: '/api/trainings/{id}/checkpoints', tag: 'Training', summary: "A run's checkpoints", answer: json(checkpointListSchema) },
  { method: 'get', path: '/api/trainings/{id}/checkpoints/{which}', tag: 'Training', summary: 'A checkpoint file', answer: { status: 200, file: 'application/octet-stream' } },
  { method: 'post', path: '/api/trainings/{id}/checkpoints/{which}/lora', tag: 'Training', summary: 'Register a checkpoint as a LoRA', answer: json(loraSchema, 201) },
  // LoRAs
  { method: 'get', path: '/api/characters/{id}/loras', tag: 'LoRAs', summary: "A character's LoRAs", answer: json(loraListSchema) },
  { method: 'get', path: '/api/loras', tag: 'LoRAs', summary: 'Every LoRA', query: loraListQuery, answer: json(loraEntryListSchema) },
  { method: 'get', path: '/api/loras/{id}', tag: 'LoRAs', summary: 'A LoRA', answer: json(loraSchema) },
  { method: 'patch', path: '/api/loras/{id}', tag: 'LoRAs', summary: 'Change a LoRA (name, notes, favourite)', body: updateLoraInput, answer: json(loraSchema) },
  { method: 'get', path: '/api/loras/{id}/impact', tag: 'LoRAs', summary: 'What deleting a LoRA would touch', answer: json(loraImpactSchema) },
  { method: 'delete', path: '/api/loras/{id}', tag: 'LoRAs', summary: 'Delete a LoRA', answer: noContent },
  { method: 'get', path: '/api/loras/{id}/file', tag: 'LoRAs', summary: 'Download a LoRA (.safetensors)', answer: { status: 200, file: 'application/octet-stream' } },
  // Generation
  { method: 'post', path: '/api/generations', tag: 'Generation', summary: 'Generate images', body: generationInput, answer: json(generationSchema, 202) },
  { method: 'get', path: '/api/generations', tag: 'Generation', summary: 'The gallery, a page at a time', query: galleryQuery, answer: json(generationPageSchema) },
  { method: 'get', path: '/api/generations/{id}', tag: 'Generation', summary: 'A generation', answer: json(generationSchema) },
  { method: 'get', path: '/api/generations/{id}/events', tag: 'Generation', summary: "A generation's live progress (server-sent events)", answer: { status: 200, stream: 'text/event-stream' } },
  { method: 'post', path: '/api/generations/{id}/cancel', tag: 'Generation', summary: 'Cancel a generation', answer: json(generationSchema, 202) },
  { method: 'post', path: '/api/generations/{id}/rerun', tag: 'Generation', summary: 'Run a generation again', body: rerunInput, answer: json(generationSchema, 202) },
  { method: 'delete', path: '/api/generations/{id}', tag: 'Generation', summary: 'Delete a generation and its images', answer: noContent },
  { method: 'get', path: '/api/outputs/archive', tag: 'Generation', summary: 'Download pictures as a zip', query: outputsArchiveQuery, answer: { status: 200, file: 'application/zip' } },
  { method: 'post', path: '/api/outputs/delete', tag: 'Generation', summary: 'Delete several pictures', body: outputsDeleteInput, answer: noContent },
  { method: 'get', path: '/api/outputs/{id}', tag: 'Generation', summary: 'A generated picture (PNG)', answer: { status: 200, file: 'image/*' } },
  { method: 'patch', path: '/api/outputs/{id}', tag: 'Generation', summary: 'Mark a picture as a favourite', body: outputPatch, answer: json(generationOutputSchema) },
  { method: 'delete', path: '/api/outputs/{id}', tag: 'Generation', summary: 'Delete a picture', answer: noContent },
  { method: 'post', path: '/api/outputs/{id}/rerun', tag: 'Generation', summary: 'Generate again from a picture', body: outputRerunInput, answer: json(generationSchema, 202) },
  // Models
  { method: 'get', path: '/api/models', tag: 'Models', summary: 'The base models and their files', answer: json(modelListSchema) },
  { method: 'get', path: '/api/models/{id}', tag: 'Models', summary: 'A base model', answer: json(baseModelSchema) },
  { method: 'post', path: '/api/models/{id}/provision', tag: 'Models', summary: 'Download a base model', answer: json(baseModelSchema, 202) },
  { method: 'post', path: '/api/models/{id}/cancel', tag: 'Models', summary: 'Stop a download (its bytes are kept)', answer: json(baseModelSchema, 202) },
  // Webhooks
  { method: 'get', path: '/api/webhooks/settings', tag: 'Webhooks', summary: 'The instance-wide webhook', answer: json(webhookSettingsSchema) },
  { method: 'put', path: '/api/webhooks/settings', tag: 'Webhooks', summary: 'Set the instance-wide webhook', body: webhookInput, answer: json(webhookSettingsSchema) },
  { method: 'delete', path: '/api/webhooks/settings', tag: 'Webhooks', summary: 'Remove the instance-wide webhook', answer: noContent },
  { method: 'get', path: '/api/webhooks/deliveries', tag: 'Webhooks', summary: 'The last 50 webhook deliveries', answer: json(webhookDeliveryListSchema) },
  {
    method: 'post',
    path: '/api/webhooks/deliveries/{id}/redeliver',
    tag: 'Webhooks',
    summary: 'Deliver a webhook call again (same id and body)',
    answer: json(z.object({ id: z.string(), status: z.literal('pending') }), 202),
  },
  // The document itself
  { method: 'get', path: '/api/openapi.json', tag: 'Reference', summary: 'This OpenAPI 3.1 description', answer: json(z.object({ openapi: z.string() }).loose()) },
  { method: 'get', path: '/api/docs', tag: 'Reference', summary: 'The API reference page (HTML)', answer: { status: 200, file: 'text/html' } },
];
