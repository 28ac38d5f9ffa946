"""Says whether this Python can use the GPU: one JSON line on stdout, run by the GPU worker at start with each
engine's own Python (plugins/gpu-probe.ts reads it).

    <engine python> gpu_probe.py

It imports torch only, never the engines (fast), and launches one tiny kernel: a GPU that torch lists but cannot run
code on (a torch build too old for the card, a GPU in exclusive use) fails here instead of in the middle of a job.
"""

import json
import platform
import warnings


def first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:500]


def probe() -> dict:
    info = {"python": platform.python_version(), "torch": None, "torch_error": None, "cuda_build": None,
            "cuda_available": False, "cuda_error": None, "device_count": 0, "device": None,
            "total_bytes": None, "free_bytes": None}
    try:
        import torch
    except ModuleNotFoundError as e:
        # A missing dependency of torch is an import error, not a missing torch.
        if e.name != "torch":
            info["torch_error"] = f"{type(e).__name__}: {first_line(e)}"
        return info
    except Exception as e:  # a broken install: a missing shared library, an ABI mismatch
        info["torch_error"] = f"{type(e).__name__}: {first_line(e)}"
        return info
    info["torch"] = torch.__version__
    info["cuda_build"] = torch.version.cuda
    # torch says why CUDA is unavailable only in a warning ("Found no NVIDIA driver on your system…").
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            info["cuda_available"] = bool(torch.cuda.is_available())
            info["device_count"] = torch.cuda.device_count() if info["cuda_available"] else 0
        except Exception as e:
            info["cuda_error"] = first_line(e)
    if not info["cuda_available"]:
        if info["cuda_error"] is None and caught:
            info["cuda_error"] = first_line(Exception(str(caught[-1].message)))
        if info["cuda_error"] is None and info["cuda_build"]:
            # is_available() only says no; initialising says why ("Found no NVIDIA driver on your system…").
            try:
                torch.cuda.init()
            except Exception as e:
                info["cuda_error"] = first_line(e)
        return info
    try:
        info["device"] = torch.cuda.get_device_name(0)
        info["total_bytes"] = torch.cuda.get_device_properties(0).total_memory
        free, _total = torch.cuda.mem_get_info(0)
        info["free_bytes"] = free
        (torch.ones(1, device="cuda:0") * 2).item()
    except Exception as e:
        info["cuda_available"] = False
        info["cuda_error"] = first_line(e)
    return info


if __name__ == "__main__":
    print(json.dumps(probe()), flush=True)
