import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { insertLora } from '../../../db/repositories/loras';
import type { Character } from '../../../lib/contracts/characters';
import type { Lora } from '../../../lib/contracts/loras';
import type { BaseModelSpec } from '../../../lib/models/catalogue';
import { readSafetensorsHeader } from '../../../lib/safetensors';
import type { HubFile, HubServer } from '../../helpers/hf-server';
import { request } from '../../helpers/http';
import type { TestStack } from '../../helpers/stack';
import { deviceEnv, ENGINE_DEVICE } from './engines';

/** What scripts/engines/tiny-models/sd1.py builds, in the layout of the data root's models/ folder. */
export interface TinySd1 {
  checkpoint: string;
  lora: string;
}

/**
 * The real ComfyUI and the tiny SD1.x model that `npm run test:engines` prepared, and the configuration that makes a
 * test stack's GPU worker run that ComfyUI on the CPU (with fast-test's simulated trainer).
 */
export function realComfyUi(): { env: Record<string, string>; model: TinySd1 } {
  const names = ['COMFYUI_PATH', 'COMFYUI_PYTHON', 'ISENGARD_TINY_MODELS'] as const;
  const missing = names.filter((name) => !process.env[name]?.trim());
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not set: run these tests with npm run test:engines, which prepares them`);
  const dir = path.join(process.env.ISENGARD_TINY_MODELS!.trim(), 'sd1');
  const model = {
    checkpoint: path.join(dir, 'base', 'checkpoints', 'sd_xl_base_1.0.safetensors'),
    lora: path.join(dir, 'loras', 'tiny-sd1-lora.safetensors'),
  };
  for (const file of Object.values(model)) {
    if (!existsSync(file)) throw new Error(`${file} is missing: scripts/engines/tiny-models/sd1.py builds it (npm run test:engines)`);
  }
  return {
    env: {
      COMFYUI_PATH: process.env.COMFYUI_PATH!.trim(),
      COMFYUI_PYTHON: process.env.COMFYUI_PYTHON!.trim(),
      ...(ENGINE_DEVICE === 'cpu' ? { COMFYUI_EXTRA_ARGS: '--cpu' } : {}),
      ...deviceEnv(),
    },
    model,
  };
}

/** The catalogue's SDXL entry served by the local Hugging Face stand-in: the tiny checkpoint, under SDXL's file name. */
export function tinySdxlCatalogue(hub: HubServer, checkpoint: Buffer): { spec: BaseModelSpec; file: HubFile } {
  const file = hub.add({ repo: 'isengard-tests/tiny-sd1', revision: 'main', path: 'sd_xl_base_1.0.safetensors', content: checkpoint });
  const spec: BaseModelSpec = {
    id: 'sdxl',
    label: 'SDXL base 1.0 (tiny SD1.x stand-in)',
    description: 'Random weights ComfyUI takes for SD1.x, for the real-engine tests',
    pageUrl: `${hub.endpoint}/${file.repo}`,
    licence: 'test',
    files: [
      {
        id: 'checkpoint',
        label: 'Checkpoint',
        repo: file.repo,
        revision: file.revision,
        path: file.path,
        target: 'checkpoints/sd_xl_base_1.0.safetensors',
        sizeBytes: checkpoint.length,
        sha256: createHash('sha256').update(checkpoint).digest('hex'),
        gated: false,
      },
    ],
  };
  return { spec, file };
}

/**
 * Registers an SDXL LoRA of a character the way a training's registration does (activities/control/register-lora.ts:
 * the file under models/loras/<character>/, its sha256, size and header metadata in the loras table). Training
 * makes FLUX.1-dev LoRAs only, so an SDXL one can come in no other way.
 */
export async function registerSdxlLora(stack: TestStack, character: Character, bytes: Buffer, version: number): Promise<Lora> {
  const relative = path.posix.join('models', 'loras', character.id, `tiny-sd1-v${version}.safetensors`);
  const file = path.join(stack.config.storage.root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  const header = await readSafetensorsHeader(file).catch(() => ({ metadata: {} }));
  const row = await insertLora(stack.db.db, {
    characterId: character.id,
    trainingRunId: null,
    name: `${character.name} v${version}`,
    version,
    filePath: relative,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    baseModel: 'sdxl',
    steps: 0,
    rank: 4,
    triggerWord: character.triggerWord,
    metadata: header.metadata,
  });
  return (await request<Lora>(stack, `/api/loras/${row.id}`)).body;
}

/** The path of a LoRA's file on the data root. */
export function loraFile(stack: TestStack, lora: Lora): string {
  return path.join(stack.config.storage.loras, lora.fileName);
}

/** Puts `bytes` at `file` in one step (a rename), so a reader never sees half of them. */
export function replaceFile(file: string, bytes: Buffer | { copyOf: string }): void {
  const partial = `${file}.${randomUUID().slice(0, 8)}.partial`;
  if (Buffer.isBuffer(bytes)) writeFileSync(partial, bytes);
  else copyFileSync(bytes.copyOf, partial);
  renameSync(partial, file);
}

/**
 * The LoRA with one of its `alpha` scalars made a pair of numbers: a valid safetensors file that ComfyUI's
 * validation accepts and LoraLoader fails on while running (`RuntimeError` from `alpha.item()`), an execution error
 * that is neither a damaged file nor a missing one.
 */
export function withUnreadableAlpha(lora: Buffer): Buffer {
  const length = Number(lora.readBigUInt64LE(0));
  const header = JSON.parse(lora.subarray(8, 8 + length).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  const data = lora.subarray(8 + length);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const alpha = names.find((k) => k.endsWith('.alpha'));
  if (!alpha) throw new Error('The LoRA has no alpha tensor');
  const chunks: Buffer[] = [];
  let offset = 0;
  const sorted = names.map((name) => [name, header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] }] as const).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (const [name, tensor] of sorted) {
    let bytes = data.subarray(tensor.data_offsets[0], tensor.data_offsets[1]);
    if (name === alpha) {
      bytes = Buffer.concat([bytes, bytes]);
      tensor.shape = [2];
    }
    tensor.data_offsets = [offset, offset + bytes.length];
    offset += bytes.length;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([size, Buffer.from(json), ...chunks]);
}

/** One prompt in ComfyUI's history: `prompt` is `[number, prompt_id, graph, extra_data, outputs]`. */
interface HistoryEntry {
  prompt: [number, string, Record<string, { class_type: string; inputs: Record<string, unknown> }>, Record<string, unknown>, string[]];
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
}

/** A prompt ComfyUI ran for a generation, as its history tells it. */
export interface ComfyPrompt {
  promptId: string;
  number: number;
  status: 'success' | 'error';
  /** `execution_error`'s `exception_type` and failing node class, `execution_interrupted`, or neither. */
  error?: { exceptionType: string; nodeType: string };
  interrupted: boolean;
}

/** Reads the real ComfyUI a GPU worker started (on its COMFYUI_PORT) the way the adapter does: over its HTTP API. */
export class ComfyUiProbe {
  constructor(readonly url: string) {}

  async answers(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/system_stats`)).ok;
    } catch {
      return false;
    }
  }

  async running(): Promise<number> {
    const queue = (await (await fetch(`${this.url}/queue`)).json()) as { queue_running: unknown[]; queue_pending: unknown[] };
    return queue.queue_running.length + queue.queue_pending.length;
  }

  /** The prompts of one generation, oldest first: those whose SaveImage writes into the generation's own folder. */
  async promptsOf(generationId: string): Promise<ComfyPrompt[]> {
    const history = (await (await fetch(`${this.url}/history?max_items=1000`)).json()) as Record<string, HistoryEntry>;
    return Object.entries(history)
      .filter(([, entry]) => Object.values(entry.prompt[2]).some((node) => node.class_type === 'SaveImage' && String(node.inputs.filename_prefix).includes(generationId)))
      .map(([promptId, entry]) => {
        const failure = entry.status.messages.find(([type]) => type === 'execution_error')?.[1];
        return {
          promptId,
          number: entry.prompt[0],
          status: entry.status.status_str,
          ...(failure ? { error: { exceptionType: String(failure.exception_type), nodeType: String(failure.node_type) } } : {}),
          interrupted: entry.status.messages.some(([type]) => type === 'execution_interrupted'),
        };
      })
      .sort((a, b) => a.number - b.number);
  }
}

/** A PNG's pixels, to compare images whatever their text chunks say. */
export async function pixels(png: Buffer): Promise<Buffer> {
  return sharp(png).raw().toBuffer();
}
