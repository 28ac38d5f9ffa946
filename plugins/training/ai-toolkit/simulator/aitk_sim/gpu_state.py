"""The GPU the trainer shares with the ComfyUI simulator of the same GPU worker (ISENGARD_SIM_GPU_STATE, written by
plugins/simulated-gpu/gpu-state.ts). While ComfyUI holds its models, the trainer does not fit: moving the transformer
onto the card fails with torch's CUDA out-of-memory error, as on a real 24 GB card."""

import json
import os

GIB = 1024 ** 3
MIB = 1024 ** 2
STATE_VARIABLE = "ISENGARD_SIM_GPU_STATE"


class OutOfMemoryError(RuntimeError):
    """torch.OutOfMemoryError (a RuntimeError), named as the traceback shows it."""


OutOfMemoryError.__module__ = "torch"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def held_by_comfyui():
    """(pid, held bytes, total bytes) of a live ComfyUI simulator holding memory on this worker's card, else None."""
    path = os.environ.get(STATE_VARIABLE, "")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            comfy = json.load(f).get("comfyui") or {}
    except (OSError, ValueError):
        return None
    pid, held, total = comfy.get("pid"), comfy.get("vramHeldBytes", 0), comfy.get("vramTotalBytes", 0)
    if not isinstance(pid, int) or not held or not _alive(pid):
        return None  # nothing loaded, or its process is gone and its memory with it
    return pid, held, total


def _gib(n):
    return f"{n / GIB:.2f} GiB"


def _mib(n):
    return f"{n / MIB:.2f} MiB"


def check_room(memory):
    """Raises torch's OOM when the trainer's share (memory['trainerNeedsGiB']) does not fit beside ComfyUI's models."""
    holder = held_by_comfyui()
    if holder is None:
        return
    pid, held, total = holder
    needs = memory["trainerNeedsGiB"] * GIB
    if total - held >= needs:
        return
    context = 512 * MIB  # the CUDA context of this process
    free = 19 * MIB
    used_here = max(0, total - held - free)
    allocated = max(0, used_here - context - 24 * MIB)
    raise OutOfMemoryError(
        f"CUDA out of memory. Tried to allocate 72.00 MiB. GPU 0 has a total capacity of {_gib(total)} of which "
        f"{_mib(free)} is free. Process {pid} has {_gib(held)} memory in use. Including non-PyTorch memory, this "
        f"process has {_gib(used_here)} memory in use. Of the allocated memory {_gib(allocated)} is allocated by "
        f"PyTorch, and 24.00 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large "
        f"try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for "
        f"Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)")
