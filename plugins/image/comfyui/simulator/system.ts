/**
 * `/system_stats` and the fake memory it reports: loaders "load" models into VRAM (made-up sizes), `/free
 * {unload_models}` and CUDA OOM unload them. With --cpu the device is the CPU and its "VRAM" is RAM, as upstream.
 */
import type { SimArgs } from './args';
import type { Jsonish } from './py';

const GIB = 1024 ** 3;
const RAM_TOTAL = 64 * GIB;
const VRAM_TOTAL = 24 * GIB;
const BASE_RAM_USE = Math.round(1.3 * GIB);

export const COMFYUI_VERSION = '0.3.64';

export class SystemState {
  private readonly loaded = new Map<string, number>();
  constructor(
    private readonly args: SimArgs,
    private readonly argv: string[],
  ) {}

  load(name: string, bytes: number): void {
    if (this.loaded.has(name)) return;
    // like ComfyUI's model management: evict the least recently loaded models to make room
    const budget = (this.args.cpu ? RAM_TOTAL - BASE_RAM_USE : VRAM_TOTAL) - GIB;
    while (this.loaded.size > 0 && this.used() + bytes > budget) this.loaded.delete(this.loaded.keys().next().value!);
    this.loaded.set(name, bytes);
  }

  unloadAll(): void {
    this.loaded.clear();
  }

  loadedModels(): string[] {
    return [...this.loaded.keys()].filter((k) => !k.startsWith('sampling:'));
  }

  private used(): number {
    let total = 0;
    for (const b of this.loaded.values()) total += b;
    return total;
  }

  stats(): Jsonish {
    const used = Math.round(this.used());
    const ramFree = Math.round(RAM_TOTAL - BASE_RAM_USE - (this.args.cpu ? used : 0));
    const device = this.args.cpu
      ? { name: 'cpu', type: 'cpu', index: null, vram_total: RAM_TOTAL, vram_free: ramFree, torch_vram_total: RAM_TOTAL, torch_vram_free: ramFree }
      : {
          name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
          type: 'cuda',
          index: 0,
          vram_total: VRAM_TOTAL,
          vram_free: Math.round(Math.max(0, VRAM_TOTAL - 0.4 * GIB - used)),
          torch_vram_total: used > 0 ? Math.round(used + 0.2 * GIB) : 0,
          torch_vram_free: used > 0 ? Math.round(0.2 * GIB) : 0,
        };
    return {
      system: {
        os: 'posix',
        ram_total: RAM_TOTAL,
        ram_free: ramFree,
        comfyui_version: COMFYUI_VERSION,
        required_frontend_version: '1.27.10',
        installed_templates_version: null,
        required_templates_version: '0.1.95',
        python_version: '3.11.7 (main, Dec  8 2023, 18:56:58) [GCC 11.4.0]',
        pytorch_version: this.args.cpu ? '2.13.0+cpu' : '2.13.0+cu128',
        embedded_python: false,
        argv: this.argv,
      },
      devices: [device],
    };
  }
}
