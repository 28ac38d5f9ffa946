import type { BenchOptions } from './types';

/** The environment of the all-in-one the sections share: the simulators' speeds from the options, no faults. */
export function instanceEnv(o: BenchOptions): Record<string, string> {
  return {
    ISENGARD_SIM_COMFY_STEP_MS: String(o.comfyStepMs),
    ISENGARD_SIM_STEP_MS: String(o.trainStepMs),
    ISENGARD_SIM_COMFY_FAULT: '',
    ISENGARD_SIM_FAULT: '',
  };
}
