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
