import type { CaptionJob } from '../../../../lib/contracts/captions';
import type { Character } from '../../../../lib/contracts/characters';
import type { Generation, GenerationInput } from '../../../../lib/contracts/generations';
import type { Lora } from '../../../../lib/contracts/loras';
import type { Photo } from '../../../../lib/contracts/photos';
import type { Checkpoint, StartTrainingInput, TrainingRun } from '../../../../lib/contracts/training';
import type { ClientLogEntry } from '../../lib/error-reporting';
import { FakeEventSource } from '../fake-event-source';

/** What the fake API remembers during one test; reset after each test. */
export const db = {
  characters: [] as Character[],
  photos: [] as Photo[],
  /** Caption jobs, newest last; each read of a running one moves it one photo on. */
  captionJobs: [] as CaptionJob[],
  trainingRuns: [] as TrainingRun[],
  loras: [] as Lora[],
  /** Checkpoints by run id; a run without an entry lists its last checkpoint only. */
  checkpoints: {} as Record<string, Checkpoint[]>,
  generations: [] as Generation[],
  clientLogs: [] as ClientLogEntry[],
  /** The X-Correlation-ID of every request the fake API saw. */
  correlationIds: [] as (string | null)[],
  /** Bodies the fake API received, for assertions. */
  trainingRequests: [] as StartTrainingInput[],
  generationRequests: [] as GenerationInput[],
  rerunRequests: [] as { id: string; body: unknown }[],
  /** `POST /api/outputs/:id/rerun`, the pictures deleted, and every gallery query string. */
  outputReruns: [] as { id: string; mode: string }[],
  deletedOutputs: [] as string[],
  galleryQueries: [] as string[],
  photoPatches: [] as { id: string; body: unknown }[],
  stops: [] as string[],
  cancels: [] as string[],
  /** `POST /api/trainings/:id/checkpoints/:which/lora` requests. */
  checkpointLoraRequests: [] as { runId: string; which: string }[],
  /** The login the fake API asks for: none (a loopback instance) unless a test sets one. */
  auth: { required: false, password: null as string | null, setupCode: null as string | null, loggedIn: false },
  /** The X-CSRF-Token of every change (POST, PATCH, DELETE) the fake API saw. */
  csrfTokens: [] as (string | null)[],
};

export const FAKE_CSRF_TOKEN = 'csrf-token-of-the-fake-session';

export function resetDb(): void {
  db.characters = [];
  db.photos = [];
  db.captionJobs = [];
  db.trainingRuns = [];
  db.loras = [];
  db.checkpoints = {};
  db.generations = [];
  db.clientLogs = [];
  db.correlationIds = [];
  db.trainingRequests = [];
  db.generationRequests = [];
  db.rerunRequests = [];
  db.outputReruns = [];
  db.deletedOutputs = [];
  db.galleryQueries = [];
  db.photoPatches = [];
  db.stops = [];
  db.cancels = [];
  db.checkpointLoraRequests = [];
  db.auth = { required: false, password: null, setupCode: null, loggedIn: false };
  db.csrfTokens = [];
  FakeEventSource.reset();
}
