/**
 * The simulated GPU one GPU worker's engines share (ISENGARD_SIM_GPU_STATE names the file): the ComfyUI simulator
 * writes what it holds and what it has charged; the ai-toolkit simulator reads it and runs out of memory at model load
 * while ComfyUI holds the card (aitk_sim/gpu_state.py). Only the ComfyUI simulator writes, by rename, so a reader
 * never sees half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const GPU_STATE_VARIABLE = 'ISENGARD_SIM_GPU_STATE';

/** A LoRA patched into the loaded model: its file as the graph names it and its model strength. */
export interface AppliedLora {
  name: string;
  strength: number;
}

/** What the simulator has charged since it started: counts and milliseconds. */
export interface Charged {
  coldStarts: number;
  baseModelLoads: number;
  loraSwitches: number;
  steps: number;
  ms: { coldStart: number; baseModelLoad: number; loraSwitch: number; steps: number };
}

export interface ComfyGpuState {
  /** The simulator's process: once it is gone, so is its memory. */
  pid: number;
  vramTotalBytes: number;
  /** Held by the loaded models until POST /free. */
  vramHeldBytes: number;
  baseModel: string | null;
  loras: AppliedLora[];
  charged: Charged;
}

export interface SimulatedGpuState {
  comfyui?: ComfyGpuState;
}

export function noCharges(): Charged {
  return { coldStarts: 0, baseModelLoads: 0, loraSwitches: 0, steps: 0, ms: { coldStart: 0, baseModelLoad: 0, loraSwitch: 0, steps: 0 } };
}

/** The state in the file, or nothing held when there is no file yet. */
export function readGpuState(file: string): SimulatedGpuState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimulatedGpuState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

export function writeGpuState(file: string, state: SimulatedGpuState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}
