# engine: ai-toolkit
"""A tiny random-weight FLUX.1 in the diffusers layout FLUX.1-dev has (about 1 MB), for the real-engine tests.

Usage: <ai-toolkit's Python> flux.py OUT_DIR
Offline and deterministic: every part is made here from a config, with a fixed seed; the tokenizers are built
locally (a byte-level CLIP BPE with no merges, a small T5 Unigram vocabulary). The architecture is FLUX's, shrunk:
one double and one single transformer block, 2 heads of 16, rotary axes (4, 6, 6), 64 packed input channels; an 8x
VAE with 16 latent channels and FLUX's scale and shift; one-layer CLIP and T5 encoders of width 32.
"""
import json
import os
import sys

import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel, T5TokenizerFast

WIDTH = 32


def bytes_to_unicode():
    """GPT-2's byte-to-character table, which CLIP's byte-level BPE uses."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def clip_tokenizer(folder):
    """Every byte as a token, alone and word-final (`</w>`), and no merges: any text tokenizes, one byte a token."""
    chars = bytes_to_unicode()
    vocab = {}
    for c in chars + [c + "</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"]:
        vocab[c] = len(vocab)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
    tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), model_max_length=77)
    tokenizer.save_pretrained(folder)
    return len(vocab)


def t5_tokenizer(folder):
    """A Unigram vocabulary of T5's special tokens, the printable ASCII characters and a word marker."""
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(chr(c), -3.0) for c in range(33, 127)]
    pieces += [("▁" + chr(c), -2.5) for c in range(33, 127)]
    backend = Tokenizer(models.Unigram(pieces, unk_id=2))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    tokenizer = T5TokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", extra_ids=0, model_max_length=512)
    tokenizer.save_pretrained(folder)
    return len(pieces)


def build(out):
    torch.manual_seed(0)
    clip_vocab = clip_tokenizer(os.path.join(out, "tokenizer"))
    t5_vocab = t5_tokenizer(os.path.join(out, "tokenizer_2"))

    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=clip_vocab, hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=1, num_attention_heads=2,
            max_position_embeddings=77, projection_dim=WIDTH, bos_token_id=clip_vocab - 2, eos_token_id=clip_vocab - 1, pad_token_id=clip_vocab - 1,
        )
    )
    text_encoder_2 = T5EncoderModel(
        T5Config(vocab_size=t5_vocab, d_model=WIDTH, d_kv=16, d_ff=2 * WIDTH, num_layers=1, num_heads=2, relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", is_gated_act=True, dense_act_fn="gelu_new")
    )
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=WIDTH, pooled_projection_dim=WIDTH, guidance_embeds=True, axes_dims_rope=(4, 6, 6),
    )
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=16, block_out_channels=(8, 8, 8, 8), layers_per_block=1, norm_num_groups=8,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        scaling_factor=0.3611, shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False,
    )
    scheduler = FlowMatchEulerDiscreteScheduler(
        shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15, base_image_seq_len=256, max_image_seq_len=4096
    )
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(out, "tokenizer"))
    tokenizer_2 = T5TokenizerFast.from_pretrained(os.path.join(out, "tokenizer_2"))
    pipe = FluxPipeline(
        scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, text_encoder_2=text_encoder_2, tokenizer_2=tokenizer_2, transformer=transformer
    )
    pipe.save_pretrained(out, safe_serialization=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("Usage: flux.py OUT_DIR")
    build(sys.argv[1])
