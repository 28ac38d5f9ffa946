/**
 * The simulated GPU under the ComfyUI simulator: what a real one costs (cold start, base model load, LoRA switch,
 * sampling steps; ../../../simulated-gpu/figures.json) and what it holds. As in ComfyUI, the models a prompt samples
 * with stay loaded until `POST /free` unloads them or another base model is needed, and a LoRA stays patched in until
 * a prompt asks for another file or strength. Each charge is a console line (`[simulator] charged ...`); the state and
 * the running totals go to the shared state file (ISENGARD_SIM_GPU_STATE) the ai-toolkit simulator reads, and the
 * VRAM figures of `GET /system_stats`.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { GIB, type TimeName } from '../../../simulated-gpu/figures';
import { noCharges, writeGpuState, type AppliedLora, type Charged } from '../../../simulated-gpu/gpu-state';

export interface SamplingModel {
  baseModel: string;
  loras: AppliedLora[];
}

export interface GpuOptions {
  times: Record<TimeName, number>;
  memory: { totalGiB: number; heldByBaseModelGiB: Record<string, number> };
  /** ISENGARD_SIM_GPU_STATE: where the engines of one GPU worker share the card's state; none = kept in memory only. */
  stateFile: string | undefined;
  log(line: string): void;
}

const describeLoras = (loras: AppliedLora[]) => (loras.length === 0 ? 'none' : loras.map((l) => `${l.name} @ ${l.strength}`).join(', '));
const sameLoras = (a: AppliedLora[], b: AppliedLora[]) => a.length === b.length && a.every((l, i) => l.name === b[i]!.name && l.strength === b[i]!.strength);

async function spend(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

export class SimulatedGpu {
  private baseModel: string | null = null;
  private loras: AppliedLora[] = [];
  private readonly charged: Charged = noCharges();
  private readonly totalBytes: number;

  constructor(private readonly o: GpuOptions) {
    this.totalBytes = Math.round(o.memory.totalGiB * GIB);
  }

  /** From process start to ready: CUDA initialised, nothing loaded. */
  async coldStart(): Promise<void> {
    this.save();
    const ms = this.o.times.comfyColdStart;
    await spend(ms);
    this.charged.coldStarts++;
    this.charged.ms.coldStart += ms;
    this.o.log(`[simulator] charged cold start: ${ms} ms`);
    this.save();
  }

  /** Loads the base model and patches the LoRAs a sampler needs, charging only what differs from what is loaded. */
  async prepare(model: SamplingModel): Promise<void> {
    if (this.baseModel !== model.baseModel) {
      const ms = this.o.times.comfyBaseModelLoad;
      this.o.log(`[simulator] charged base model load (${model.baseModel}${this.baseModel ? `, replacing ${this.baseModel}` : ''}): ${ms} ms`);
      this.baseModel = null;
      this.loras = [];
      await spend(ms);
      this.baseModel = model.baseModel;
      this.charged.baseModelLoads++;
      this.charged.ms.baseModelLoad += ms;
      this.save();
    }
    if (!sameLoras(this.loras, model.loras)) {
      const ms = this.o.times.comfyLoraSwitch;
      this.o.log(`[simulator] charged LoRA switch (${describeLoras(this.loras)} -> ${describeLoras(model.loras)}): ${ms} ms`);
      await spend(ms);
      this.loras = model.loras.map((l) => ({ ...l }));
      this.charged.loraSwitches++;
      this.charged.ms.loraSwitch += ms;
      this.save();
    }
  }

  /** One sampling step of `ms` (the step time, times a `slow` fault's factor). */
  async step(ms: number): Promise<void> {
    await spend(ms);
    this.charged.steps++;
    this.charged.ms.steps += ms;
  }

  /** Written at the end of each prompt: the step totals are not worth a write per step. */
  promptEnded(): void {
    this.save();
  }

  /** `POST /free` with unload_models: the card holds nothing any more. */
  unload(): void {
    this.baseModel = null;
    this.loras = [];
    this.save();
  }

  private heldBytes(): number {
    if (!this.baseModel) return 0;
    return Math.round((this.o.memory.heldByBaseModelGiB[this.baseModel] ?? 0) * GIB);
  }

  /** The `devices` entry of `GET /system_stats` (server.py, model_management.get_free_memory on CUDA). */
  device(): Record<string, unknown> {
    const held = this.heldBytes();
    return {
      name: 'cuda:0 Isengard simulated GPU (24 GB) : cudaMallocAsync',
      type: 'cuda',
      index: 0,
      vram_total: this.totalBytes,
      vram_free: this.totalBytes - held,
      torch_vram_total: held,
      torch_vram_free: 0,
    };
  }

  /** RAM figures of `system` in `GET /system_stats`. */
  static ram(): { ram_total: number; ram_free: number } {
    return { ram_total: os.totalmem(), ram_free: os.freemem() };
  }

  private save(): void {
    if (!this.o.stateFile) return;
    writeGpuState(this.o.stateFile, {
      comfyui: {
        pid: process.pid,
        vramTotalBytes: this.totalBytes,
        vramHeldBytes: this.heldBytes(),
        baseModel: this.baseModel,
        loras: this.loras,
        charged: this.charged,
      },
    });
  }
}
