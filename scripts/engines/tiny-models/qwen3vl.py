# engine: ai-toolkit
"""A tiny random-weight Qwen3-VL in the folder layout of Qwen/Qwen3-VL-4B-Instruct (a few MB), for the real-engine
tests of ai-toolkit's Qwen3-VL captioner (extensions_built_in/captioner).

Usage: <ai-toolkit's Python> qwen3vl.py OUT_DIR
Offline and deterministic: the model is made here from a config with a fixed seed, the tokenizer is a byte-level BPE
trained on a few sentences, the chat template is written below. The files are those the hub folder has (and the
project's catalogue lists): config.json, generation_config.json, two weight shards with their index,
preprocessor_config.json, video_preprocessor_config.json, chat_template.json, tokenizer.json, tokenizer_config.json,
vocab.json and merges.txt. The architecture is Qwen3-VL's, shrunk: a 2-block vision tower of width 32 (16 px
patches, 2x2 merge, one deepstack layer), a 2-layer text model of width 64 with interleaved M-RoPE.
"""
import json
import os
import sys

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import GenerationConfig, Qwen2Tokenizer, Qwen3VLConfig, Qwen3VLForConditionalGeneration

# Qwen2's pre-tokenizer split (transformers' Qwen2Tokenizer uses the same).
SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

# Every special token of the Qwen3-VL tokenizer, in its order; the chat template and the processor use the first ones.
SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
    "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
    "<|image_pad|>", "<|video_pad|>",
]
# Added as ordinary (not special) tokens, as in the real tokenizer: the thinking markers and the tool-call tags.
PLAIN_ADDED = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]

SENTENCES = [
    "A photo of the person standing in a sunny park, wearing a blue jacket and jeans.",
    "The person sits at a wooden table in a cafe, soft window light from the left, close-up portrait.",
    "Full-body shot of the person on a city street at night, neon signs, a red scarf and black boots.",
    "The person smiles at the camera, a plain grey background, studio lighting, head and shoulders.",
    "Describe this image in detail. Write a one-line caption for this photo, used to train an image model.",
    "user assistant system image video picture 0 1 2 3 4 5 6 7 8 9",
]

# Qwen3-VL's chat template, written for this model: system/user/assistant turns, images and videos as
# <|vision_start|><|image_pad|><|vision_end|> (the processor expands the pad to the image's tokens).
CHAT_TEMPLATE = (
    "{%- set image_count = namespace(value=0) -%}"
    "{%- set video_count = namespace(value=0) -%}"
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for content in message['content'] -%}"
    "{%- if content['type'] == 'image' or 'image' in content or 'image_url' in content -%}"
    "{%- set image_count.value = image_count.value + 1 -%}"
    "{%- if add_vision_id -%}{{- 'Picture ' + image_count.value|string + ': ' -}}{%- endif -%}"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}"
    "{%- elif content['type'] == 'video' or 'video' in content -%}"
    "{%- set video_count.value = video_count.value + 1 -%}"
    "{%- if add_vision_id -%}{{- 'Video ' + video_count.value|string + ': ' -}}{%- endif -%}"
    "{{- '<|vision_start|><|video_pad|><|vision_end|>' -}}"
    "{%- elif 'text' in content -%}"
    "{{- content['text'] -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

VISION = {"patch_size": 16, "temporal_patch_size": 2, "merge_size": 2, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}


def build_tokenizer(out):
    """A byte-level BPE in Qwen2's pipeline; returns the id of each added token."""
    backend = Tokenizer(models.BPE(continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False, byte_fallback=False))
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(SPLIT), behavior="isolated", invert=False), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    backend.train_from_iterator(SENTENCES, trainer=trainer)
    backend.model.save(out)  # vocab.json and merges.txt, as the hub folder has them
    tokenizer = Qwen2Tokenizer(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        model_max_length=262144,
        errors="replace",
        split_special_tokens=False,
    )
    tokenizer.add_tokens(SPECIAL_TOKENS[:1], special_tokens=True)
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS[1:]}, replace_extra_special_tokens=False)
    tokenizer.add_tokens(PLAIN_ADDED, special_tokens=False)
    tokenizer.save_pretrained(out)
    # save_pretrained writes the chat template nowhere (none is set) and no processor files: those are written below.
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS + PLAIN_ADDED}
    # Tokens that print nothing alone: spaces and newlines, and the bytes of a character that takes several.
    blank = [i for i in range(len(tokenizer)) if not tokenizer.decode([i]).strip() or "\ufffd" in tokenizer.decode([i])]
    return ids, blank, len(tokenizer)


def build_model(out, ids, blank, vocab_size):
    torch.manual_seed(0)
    config = Qwen3VLConfig(
        text_config={
            "vocab_size": vocab_size,
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 16,
            "max_position_embeddings": 262144,
            "rms_norm_eps": 1e-6,
            "rope_parameters": {"rope_type": "default", "rope_theta": 5000000.0, "mrope_interleaved": True, "mrope_section": [4, 2, 2]},
            "tie_word_embeddings": True,
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": VISION["patch_size"],
            "temporal_patch_size": VISION["temporal_patch_size"],
            "spatial_merge_size": VISION["merge_size"],
            "out_hidden_size": 64,
            "num_position_embeddings": 2304,
            "deepstack_visual_indexes": [1],
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    model = Qwen3VLForConditionalGeneration(config).eval()
    with torch.no_grad():
        # Random weights write random text. With the (tied) embeddings of the special tokens and of the blank ones
        # (spaces, newlines, partial characters) at zero, their logits are 0, below the top 20 of the others: the sampled caption is never
        # cut short by an end token, and never blank.
        embeddings = model.get_input_embeddings().weight
        embeddings.mul_(4.0)
        for token_id in set(ids.values()) | set(blank):
            embeddings[token_id].zero_()
    model.to(torch.bfloat16)
    # Two shards and their index, as the 4B folder has them.
    model.save_pretrained(out, max_shard_size="400KB")
    GenerationConfig(
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]],
        pad_token_id=ids["<|endoftext|>"],
        do_sample=True,
        top_k=20,
        top_p=0.8,
        temperature=0.7,
        repetition_penalty=1.0,
    ).save_pretrained(out)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def write_processor_files(out):
    # Pixel budgets as in the real model's files (the captioner itself scales photos to max_res first).
    write_json(
        os.path.join(out, "preprocessor_config.json"),
        {**VISION, "size": {"longest_edge": 16777216, "shortest_edge": 65536}, "image_processor_type": "Qwen2VLImageProcessorFast", "processor_class": "Qwen3VLProcessor"},
    )
    write_json(
        os.path.join(out, "video_preprocessor_config.json"),
        {**VISION, "size": {"longest_edge": 25165824, "shortest_edge": 4096}, "video_processor_type": "Qwen3VLVideoProcessor", "processor_class": "Qwen3VLProcessor"},
    )
    write_json(os.path.join(out, "chat_template.json"), {"chat_template": CHAT_TEMPLATE})


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: qwen3vl.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ids, blank, vocab_size = build_tokenizer(out)
    build_model(out, ids, blank, vocab_size)
    write_processor_files(out)
    shards = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    if len(shards) < 2:
        sys.exit(f"expected the weights in two shards, got {shards}")
    print(f"tiny Qwen3-VL in {out}: {len(shards)} shards, vocabulary of {vocab_size}")


if __name__ == "__main__":
    main()
