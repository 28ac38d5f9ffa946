"""The LoRA network: module names and shapes (spec §8.1, §2.3), the tensors the simulator writes and the
safetensors metadata of BaseSDTrainProcess.save()."""

import json
import random
import struct
from collections import OrderedDict

from . import VERSION
from . import safetensors

HIDDEN, MLP = 3072, 12288
DOUBLE_BLOCKS, SINGLE_BLOCKS = 19, 38
DOUBLE_MODULES = [
    ("norm1.linear", HIDDEN, 6 * HIDDEN), ("norm1_context.linear", HIDDEN, 6 * HIDDEN),
    ("attn.to_q", HIDDEN, HIDDEN), ("attn.to_k", HIDDEN, HIDDEN), ("attn.to_v", HIDDEN, HIDDEN),
    ("attn.add_q_proj", HIDDEN, HIDDEN), ("attn.add_k_proj", HIDDEN, HIDDEN), ("attn.add_v_proj", HIDDEN, HIDDEN),
    ("attn.to_out.0", HIDDEN, HIDDEN), ("attn.to_add_out", HIDDEN, HIDDEN),
    ("ff.net.0.proj", HIDDEN, MLP), ("ff.net.2", MLP, HIDDEN),
    ("ff_context.net.0.proj", HIDDEN, MLP), ("ff_context.net.2", MLP, HIDDEN),
]
SINGLE_MODULES = [
    ("norm.linear", HIDDEN, 3 * HIDDEN), ("proj_mlp", HIDDEN, MLP), ("proj_out", HIDDEN + MLP, HIDDEN),
    ("attn.to_q", HIDDEN, HIDDEN), ("attn.to_k", HIDDEN, HIDDEN), ("attn.to_v", HIDDEN, HIDDEN),
]
# modules outside the blocks, trained only with network.transformer_only: false
FLUX_OUTER_MODULES = [
    ("x_embedder", 64, HIDDEN), ("context_embedder", 4096, HIDDEN),
    ("time_text_embed.timestep_embedder.linear_1", 256, HIDDEN),
    ("time_text_embed.timestep_embedder.linear_2", HIDDEN, HIDDEN),
    ("time_text_embed.guidance_embedder.linear_1", 256, HIDDEN),
    ("time_text_embed.guidance_embedder.linear_2", HIDDEN, HIDDEN),
    ("time_text_embed.text_embedder.linear_1", 768, HIDDEN),
    ("time_text_embed.text_embedder.linear_2", HIDDEN, HIDDEN),
    ("norm_out.linear", HIDDEN, 2 * HIDDEN), ("proj_out", HIDDEN, 64),
]
# kohya-style keys of one SDXL transformer block; the real network has many more (count UNCONFIRMED)
SDXL_PREFIX = "lora_unet_down_blocks_1_attentions_0_"
SDXL_MODULES = [
    ("proj_in", 640, 640), ("proj_out", 640, 640),
    ("transformer_blocks_0_attn1_to_q", 640, 640), ("transformer_blocks_0_attn1_to_k", 640, 640),
    ("transformer_blocks_0_attn1_to_v", 640, 640), ("transformer_blocks_0_attn1_to_out_0", 640, 640),
    ("transformer_blocks_0_attn2_to_q", 640, 640), ("transformer_blocks_0_attn2_to_k", 2048, 640),
    ("transformer_blocks_0_attn2_to_v", 2048, 640), ("transformer_blocks_0_attn2_to_out_0", 640, 640),
    ("transformer_blocks_0_ff_net_0_proj", 640, 5120), ("transformer_blocks_0_ff_net_2", 2560, 640),
]
SDXL_UNET_MODULE_COUNT = 722
MAX_WRITTEN_RANK = 4
# Simulator only (the real engine writes no such key): the person the LoRA draws, for the ComfyUI simulator, as JSON
# {"fidelity": 0-1, "overfit": bool, "jpeg": base64 JPEG of the face}.
SIM_FACE_KEY = "isengard_simulator_face"
_TABLE_LEN = 4099  # prime, so rotations of the tiled tables do not line up with tensor rows


def flux_modules(transformer_only=True):
    """All (name, in, out) FLUX.1 LoRA modules, names relative to the transformer."""
    mods = []
    for b in range(DOUBLE_BLOCKS):
        mods += [(f"transformer_blocks.{b}.{n}", i, o) for n, i, o in DOUBLE_MODULES]
    for b in range(SINGLE_BLOCKS):
        mods += [(f"single_transformer_blocks.{b}.{n}", i, o) for n, i, o in SINGLE_MODULES]
    if not transformer_only:
        mods += FLUX_OUTER_MODULES
    return mods


def _filter(mods, network_kwargs):
    ignore = network_kwargs.get("ignore_if_contains") or []
    only = network_kwargs.get("only_if_contains")
    out = []
    for name, i, o in mods:
        if any(word in name for word in ignore):
            continue
        if only is not None and not any(word in name for word in only):
            continue
        out.append((name, i, o))
    return out


def dtype_code(save_dtype):
    if save_dtype in ("bf16", "bfloat16"):
        return "BF16"
    if save_dtype in ("float", "fp32", "single", "float32"):
        return "F32"
    return "F16"


def _pack(values, code):
    if code == "F16":
        return struct.pack("<%de" % len(values), *values)
    if code == "F32":
        return struct.pack("<%df" % len(values), *values)
    bits = struct.unpack("<%dI" % len(values), struct.pack("<%df" % len(values), *values))
    return struct.pack("<%dH" % len(values), *(((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF for b in bits))


def _tile(table, count, offset, size):
    offset %= _TABLE_LEN
    rotated = table[offset * size:] + table[:offset * size]
    return (rotated * (count // _TABLE_LEN + 1))[:count * size]


class Network:
    """What the simulator knows of the LoRA network of one process."""

    def __init__(self, arch, rank, alpha, save_dtype, seed, network_kwargs, transformer_only):
        self.arch = arch
        self.rank = rank
        self.alpha = alpha
        self.written_rank = max(1, min(int(rank), MAX_WRITTEN_RANK))
        self.dtype = dtype_code(save_dtype)
        self.size = {"F16": 2, "BF16": 2, "F32": 4}[self.dtype]
        if arch == "flux":
            all_mods = _filter(flux_modules(transformer_only), network_kwargs)
            self.module_count = len(all_mods)
            firsts = ("transformer_blocks.0.", "single_transformer_blocks.0.")
            self.written = [m for m in all_mods if m[0].startswith(firsts)]
        else:
            self.module_count = SDXL_UNET_MODULE_COUNT
            self.written = [(SDXL_PREFIX + n, i, o) for n, i, o in SDXL_MODULES]
        rng = random.Random(f"lora-{seed}")
        self._a_tables = {}
        for _, fan_in, _ in self.written:
            if fan_in not in self._a_tables:
                bound = fan_in ** -0.5  # kaiming_uniform(a=sqrt(5)) bound
                self._a_tables[fan_in] = _pack([rng.uniform(-bound, bound) for _ in range(_TABLE_LEN)], self.dtype)
        self._b_table = _pack([rng.uniform(-2e-3, 2e-3) for _ in range(_TABLE_LEN)], self.dtype)

    def tensors(self, step):
        """(name, dtype, shape, bytes) for every written tensor at a training step."""
        r = self.written_rank
        out = []
        for idx, (name, fan_in, fan_out) in enumerate(self.written):
            down = _tile(self._a_tables[fan_in], r * fan_in, idx * 131, self.size)
            if step == 0:
                up = bytes(fan_out * r * self.size)  # lora_B starts at zero
            else:
                up = _tile(self._b_table, fan_out * r, step * 613 + idx * 97, self.size)
            if self.arch == "flux":
                out.append((f"transformer.{name}.lora_A.weight", self.dtype, [r, fan_in], down))
                out.append((f"transformer.{name}.lora_B.weight", self.dtype, [fan_out, r], up))
            else:
                out.append((f"{name}.lora_down.weight", self.dtype, [r, fan_in], down))
                out.append((f"{name}.lora_up.weight", self.dtype, [fan_out, r], up))
                out.append((f"{name}.alpha", self.dtype, [], _pack([float(self.alpha)], self.dtype)))
        return out


def software_meta():
    return OrderedDict([("name", "ai-toolkit"), ("repo", "https://github.com/ostris/ai-toolkit"), ("version", VERSION)])


def meta_for_safetensors(meta, name):
    """toolkit/metadata.py get_meta_for_safetensors: [name] substitution, software, values as strings."""
    meta_string = json.dumps(meta)
    if name is not None:
        meta_string = meta_string.replace("[name]", name)
    save_meta = json.loads(meta_string, object_pairs_hook=OrderedDict)
    save_meta["software"] = software_meta()
    for key, value in save_meta.items():
        if not isinstance(value, str):
            save_meta[key] = json.dumps(value)
    save_meta["format"] = "pt"
    return save_meta


def save_weights(path, tensors, metadata):
    metadata = OrderedDict(metadata)
    metadata["sshs_model_hash"], metadata["sshs_legacy_hash"] = safetensors.model_hashes(tensors, metadata)
    safetensors.save_file(tensors, path, metadata)


def load_metadata(path):
    """toolkit/metadata.py load_metadata_from_safetensors: every value JSON-parsed when it parses."""
    header = safetensors.read_header(path)
    parsed = OrderedDict()
    for key, value in (header.get("__metadata__") or {}).items():
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
    return header, parsed
