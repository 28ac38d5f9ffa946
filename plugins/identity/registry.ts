import { createFaceApiScorer, type FaceApiScorerOptions } from './face-api/scorer';
import type { IdentityScorer } from './interface';

/**
 * Every identity scorer Isengard knows, the one to use first. A module of its own: importing it loads no model
 * (each scorer loads its models in its own worker threads at its first image).
 */
export function createIdentityScorers(options: FaceApiScorerOptions = {}): IdentityScorer[] {
  return [createFaceApiScorer(options)];
}

/** The identity scorer to use (the first registered). */
export function createIdentityScorer(options: FaceApiScorerOptions = {}): IdentityScorer {
  const [scorer] = createIdentityScorers(options);
  if (!scorer) throw new Error('No identity scorer is registered');
  return scorer;
}

let shared: IdentityScorer | undefined;

/**
 * The process's identity scorer, created at the first call: photo checks, training samples and the gallery share
 * it, so its models load once per process (design §4, "Likeness").
 */
export function sharedIdentityScorer(): IdentityScorer {
  shared ??= createIdentityScorer();
  return shared;
}

/** Stops the process's scorer (at shutdown); a later call to {@link sharedIdentityScorer} starts a new one. */
export async function closeSharedIdentityScorer(): Promise<void> {
  const closing = shared;
  shared = undefined;
  await closing?.close();
}
