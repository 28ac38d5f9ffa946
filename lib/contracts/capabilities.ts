import { z } from 'zod';

export const CAPABILITY_STATES = ['supported', 'not_implemented', 'out_of_scope', 'scaffold'] as const;

export const capabilitySchema = z.object({
  id: z.string(),
  label: z.string(),
  state: z.enum(CAPABILITY_STATES),
  engine: z.string().nullable(),
  /** The engine's version as runs and LoRAs record it (`ai-toolkit@1+27a03a9`), when an engine does this. */
  engineVersion: z.string().nullable(),
  description: z.string(),
});
export type Capability = z.infer<typeof capabilitySchema>;

export const capabilitiesSchema = z.object({ items: z.array(capabilitySchema) });

/** What Isengard can do, and what it deliberately cannot (design §1.7). */
export const CAPABILITIES: Capability[] = [
  {
    id: 'training.lora',
    label: 'LoRA training',
    state: 'supported',
    engine: 'ai-toolkit',
    engineVersion: null,
    description: 'Identity LoRA for FLUX.1-dev trained with ostris/ai-toolkit.',
  },
  {
    id: 'training.dora',
    label: 'DoRA training',
    state: 'not_implemented',
    engine: null,
    engineVersion: null,
    description: 'Not supported yet.',
  },
  {
    id: 'training.full_finetune',
    label: 'Full fine-tune',
    state: 'out_of_scope',
    engine: null,
    engineVersion: null,
    description: 'Out of scope: Isengard trains LoRAs only.',
  },
  {
    id: 'generation.image',
    label: 'Image generation',
    state: 'supported',
    engine: 'comfyui',
    engineVersion: null,
    description: 'FLUX.1-dev or SDXL with a LoRA, run by ComfyUI.',
  },
  {
    id: 'generation.video',
    label: 'Video generation',
    state: 'scaffold',
    engine: null,
    engineVersion: null,
    description: 'In development: the interface exists, nothing runs yet.',
  },
];
