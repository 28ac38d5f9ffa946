#!/usr/bin/env python3
# engine: comfyui
"""A tiny random-weight checkpoint that ComfyUI detects as SD1.x, and a rank-4 LoRA for it.

For the real-engine tests (npm run test:engines): the product's SDXL graph (CheckpointLoaderSimple, LoraLoader,
CLIPTextEncode, EmptyLatentImage, KSampler, VAEDecode, SaveImage) runs end to end on a CPU in seconds with them.
Built offline from ComfyUI's own model classes, deterministically (fixed seed), so the same script gives the same
files. Run it with ComfyUI's Python, its checkout importable through COMFYUI_PATH:

    COMFYUI_PATH=vendor/comfyui ISENGARD_TINY_MODELS=<dir> vendor/comfyui/venv/bin/python scripts/engines/tiny-models/sd1.py

The files land in $ISENGARD_TINY_MODELS/sd1 (or the folder given as its argument), laid out like the data root's
models/ folder, which the product's extra_model_paths.yaml maps for ComfyUI:
    base/checkpoints/sd_xl_base_1.0.safetensors   the name the product's SDXL graph loads
    loras/tiny-sd1-lora.safetensors
What makes it small (about 300 MB in fp16, almost all of it the text encoder):
- UNet: openaimodel.UNetModel with SD1's model_channels (320), context_dim (768) and 8 heads, but one level with
  one res block and one transformer block, no middle block: model_detection still matches it to SD15.
- Text encoder: the full CLIP-L, since SD1's text encoder config is fixed (comfy/sd1_clip_config.json); random
  weights, and ComfyUI's own tokenizer files.
- VAE: TAESD's architecture (detected by its `taesd_decoder.*` keys) instead of the 80M-parameter KL autoencoder.
The LoRA is rank 4 on the q/k/v projections of the UNet's attention, in the kohya key format LoraLoader reads.
"""
import argparse
import json
import os
import sys
import time

SEED = 20260507
CHECKPOINT_NAME = 'sd_xl_base_1.0.safetensors'
LORA_NAME = 'tiny-sd1-lora.safetensors'
LORA_RANK = 4

# SD15 in comfy/supported_models.py matches on model_channels 320, context_dim 768, no linear projections in the
# transformers, no ADM input, no temporal attention; everything else is read from the weights.
UNET_CONFIG = {
    'image_size': 32,
    'in_channels': 4,
    'out_channels': 4,
    'model_channels': 320,
    'num_res_blocks': [1],
    'channel_mult': [1],
    'transformer_depth': [1],
    'transformer_depth_output': [1, 1],
    'transformer_depth_middle': -2,
    'context_dim': 768,
    'num_heads': 8,
    'num_head_channels': -1,
    'use_linear_in_transformer': False,
    'use_spatial_transformer': True,
    'legacy': False,
    'adm_in_channels': None,
    'use_temporal_attention': False,
    'use_temporal_resblock': False,
}


def comfy_importable():
    root = os.environ.get('COMFYUI_PATH')
    if not root:
        sys.exit('COMFYUI_PATH must name the ComfyUI checkout (its modules are imported to build the models)')
    root = os.path.abspath(root)
    if not os.path.isfile(os.path.join(root, 'comfy', 'model_detection.py')):
        sys.exit(f'COMFYUI_PATH={root} is not a ComfyUI checkout (no comfy/model_detection.py)')
    sys.path.insert(0, root)
    # comfy.model_management probes CUDA at import unless ComfyUI's own command line says --cpu.
    import comfy.options

    comfy.options.enable_args_parsing()
    sys.argv = [sys.argv[0], '--cpu']
    return root


def randomised(state_dict, generator, torch):
    """Fresh values for every tensor, by its role: norms start at 1, biases at 0, weights ~ N(0, 1/fan_in)."""
    out = {}
    for name in sorted(state_dict):
        shape = state_dict[name].shape
        leaf = name.rsplit('.', 1)[-1]
        if leaf == 'bias' or len(shape) == 0:
            value = torch.zeros(shape)
        elif len(shape) == 1:
            value = torch.ones(shape)
        else:
            fan_in = 1
            for d in shape[1:]:
                fan_in *= d
            value = torch.randn(shape, generator=generator) / fan_in ** 0.5
        out[name] = value
    return out


def build_unet(torch, generator):
    import comfy.ops
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel

    unet = UNetModel(**UNET_CONFIG, dtype=torch.float32, device='cpu', operations=comfy.ops.disable_weight_init)
    weights = randomised(unet.state_dict(), generator, torch)
    return {f'model.diffusion_model.{k}': v for k, v in weights.items()}


def build_text_encoder(torch, generator):
    import comfy.ops
    import comfy.sd1_clip

    clip = comfy.sd1_clip.SDClipModel(device='cpu', dtype=torch.float32, model_options={'custom_operations': comfy.ops.disable_weight_init})
    weights = randomised(clip.state_dict(), generator, torch)
    # Embeddings at the scale of CLIP's own initialiser (0.02) keep the layer norms' inputs ordinary.
    for name in weights:
        if name.endswith('embedding.weight'):
            weights[name] = torch.randn(weights[name].shape, generator=generator) * 0.02
    return {f'cond_stage_model.{k}': v for k, v in weights.items() if k.startswith('transformer.')}


def build_vae(torch, generator):
    import comfy.taesd.taesd

    taesd = comfy.taesd.taesd.TAESD(latent_channels=4)
    weights = randomised(taesd.state_dict(), generator, torch)
    weights['vae_scale'] = torch.tensor(1.0)
    weights['vae_shift'] = torch.tensor(0.0)
    return {f'first_stage_model.{k}': v for k, v in weights.items()}


def build_lora(unet_weights, torch, generator):
    """kohya format: lora_unet_<module path with _>.lora_down/.lora_up/.alpha for each attention q, k, v."""
    lora = {}
    prefix = 'model.diffusion_model.'
    for name, weight in sorted(unet_weights.items()):
        if not (name.endswith(('.to_q.weight', '.to_k.weight', '.to_v.weight')) and '.attn' in name):
            continue
        module = name[len(prefix):-len('.weight')].replace('.', '_')
        out_features, in_features = weight.shape
        lora[f'lora_unet_{module}.lora_down.weight'] = torch.randn((LORA_RANK, in_features), generator=generator) / in_features ** 0.5
        lora[f'lora_unet_{module}.lora_up.weight'] = torch.randn((out_features, LORA_RANK), generator=generator) * 0.01
        lora[f'lora_unet_{module}.alpha'] = torch.tensor(float(LORA_RANK))
    return lora


def save(tensors, path, metadata, torch):
    from safetensors.torch import save_file

    os.makedirs(os.path.dirname(path), exist_ok=True)
    half = {k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}
    partial = f'{path}.partial'
    save_file(half, partial, metadata=metadata)
    os.replace(partial, path)
    return os.path.getsize(path)


def check_detection(checkpoint, torch):
    """Fails the build unless ComfyUI itself takes the file for SD1.x."""
    import comfy.model_detection
    import comfy.supported_models
    import comfy.utils

    sd = comfy.utils.load_torch_file(checkpoint, safe_load=True)
    config = comfy.model_detection.model_config_from_unet(sd, comfy.model_detection.unet_prefix_from_state_dict(sd))
    if not isinstance(config, comfy.supported_models.SD15):
        sys.exit(f'ComfyUI does not detect {checkpoint} as SD1.x (got {type(config).__name__})')


def main():
    parser = argparse.ArgumentParser(description='Builds the tiny SD1.x checkpoint and LoRA for the real-engine tests.')
    default_root = os.environ.get('ISENGARD_TINY_MODELS')
    parser.add_argument('out', nargs='?', default=os.path.join(default_root, 'sd1') if default_root else None, help='output folder (default: $ISENGARD_TINY_MODELS/sd1)')
    args = parser.parse_args()
    if not args.out:
        sys.exit('Give the output folder or set ISENGARD_TINY_MODELS')
    comfy_importable()
    started = time.monotonic()

    import torch

    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    unet = build_unet(torch, generator)
    checkpoint = {**unet, **build_text_encoder(torch, generator), **build_vae(torch, generator)}
    lora = build_lora(unet, torch, generator)

    out = os.path.abspath(args.out)
    checkpoint_path = os.path.join(out, 'base', 'checkpoints', CHECKPOINT_NAME)
    lora_path = os.path.join(out, 'loras', LORA_NAME)
    # One metadata entry each: safetensors writes several in no fixed order, and the files must be the same each time.
    about = f'tiny random-weight SD1.x for the real-engine tests, seed {SEED}'
    sizes = {
        'checkpoint': save(checkpoint, checkpoint_path, {'isengard': about}, torch),
        'lora': save(lora, lora_path, {'isengard': f'{about}, LoRA rank {LORA_RANK}'}, torch),
    }
    check_detection(checkpoint_path, torch)
    print(json.dumps({
        'checkpoint': os.path.relpath(checkpoint_path, out),
        'lora': os.path.relpath(lora_path, out),
        'bytes': sizes,
        'seconds': round(time.monotonic() - started, 1),
    }))


if __name__ == '__main__':
    main()
