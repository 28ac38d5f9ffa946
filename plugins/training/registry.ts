import type { Config } from '../../lib/config';
import { firstRegistered } from '../engine';
import { createAiToolkitEngine } from './ai-toolkit/engine';
import type { TrainingEngine } from './interface';

/**
 * Every training engine Isengard knows, the one to use first (plugins/registry.ts lists them with the others). A
 * module of its own so that the control plane, which only reads the files of training runs, does not load the image
 * engines and their clients.
 */
export function createTrainingEngines(config: Config): TrainingEngine[] {
  return [createAiToolkitEngine(config)];
}

/** The training engine to use (the first registered). */
export function createTrainingEngine(config: Config): TrainingEngine {
  return firstRegistered(createTrainingEngines(config), 'training');
}
