import type { CaptionStyle } from '../../../lib/contracts/captions';
import { PERSON_PLACEHOLDER } from '../trigger';

/** The vision-language model the captioner runs: ai-toolkit's Qwen3-VL captioner lists it; about 9 GB in bf16. */
export const CAPTION_MODEL_REPO = 'Qwen/Qwen3-VL-4B-Instruct';

/** The image types copied into the job's folder (what the photos are stored as). */
export const CAPTION_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'];

const COMMON =
  `Refer to the person only as "${PERSON_PLACEHOLDER}". Do not describe their face, hair colour, eye colour, skin, age, ` +
  'ethnicity or body: those belong to the person. Describe what is not the person: the place, the clothes and accessories, ' +
  'the pose, the framing of the shot and the light. State things plainly: no "appears to", no preamble, no quotes.';

/** The instruction per style, and how long an answer may be (tokens). */
export const CAPTION_PROMPTS: Record<CaptionStyle, { prompt: string; maxNewTokens: number }> = {
  short: {
    prompt: `Write a one-line caption for this photo, used to train an image model, as a comma-separated list of short phrases. ${COMMON}`,
    maxNewTokens: 77,
  },
  detailed: {
    prompt: `Write a caption of two to four sentences for this photo, used to train an image model. ${COMMON}`,
    maxNewTokens: 220,
  },
};

/** ai-toolkit's caption job (`job: extension`, process `Qwen3VLCaptioner`, extensions_built_in/captioner). */
export function buildCaptionConfig(input: { name: string; imagesDir: string; modelPath: string; style: CaptionStyle; device: string }) {
  const { prompt, maxNewTokens } = CAPTION_PROMPTS[input.style];
  return {
    job: 'extension',
    config: {
      name: input.name,
      process: [
        {
          type: 'Qwen3VLCaptioner',
          device: input.device,
          caption: {
            model_name_or_path: input.modelPath,
            dtype: 'bf16',
            device: input.device,
            quantize: false,
            low_vram: false,
            extensions: CAPTION_EXTENSIONS,
            path_to_caption: input.imagesDir,
            // Isengard decides which photos to caption; every file in the folder is one of them.
            recaption: true,
            caption_extension: 'txt',
            caption_prompt: prompt,
            max_new_tokens: maxNewTokens,
            max_res: 768,
            thinking: false,
            compile: false,
          },
        },
      ],
    },
  };
}
