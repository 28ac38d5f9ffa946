"""SDTrainer (BaseSDTrainProcess + BaseTrainProcess + BaseProcess), following
jobs/process/BaseSDTrainProcess.py run() step by step, with model work replaced by sleeps and deterministic
numbers. The UI-protocol subclasses are in ui_trainer.py."""

import copy
import glob
import hashlib
import io
import json
import math
import os
import pickle
import random
import shutil
import signal
import sys
import time
import zipfile
from collections import OrderedDict

from . import figures, gpu_state, lora, samples
from .console import print_acc
from .dataset import DatasetConfig, inject_trigger_into_prompt, load_datasets, preprocess_dataset_raw_config
from .faults import Faults
from .progress import Tqdm, ToolkitProgressBar

CUDA_ILLEGAL_ACCESS = (
    "CUDA error: an illegal memory access was encountered\n"
    "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below "
    "might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
    "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.\n")
CUDA_OOM = "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.55 GiB of which " \
           "1.12 GiB is free."
HF_CONNECT_ERROR = (
    "We couldn't connect to 'https://huggingface.co' to load this model, couldn't find it in the cached files and "
    "it looks like {path} is not the path to a directory containing a {file} file.\nCheckout your internet "
    "connection or see how to run the library in offline mode at "
    "'https://huggingface.co/docs/diffusers/installation#offline-mode'.")
# prompt options that only change what the simulator does not model, by the type the engine converts them to
INT_FLAGS = ("s", "steps", "frames", "num_frames", "fps", "ctrl_idx")
FLOAT_FLAGS = ("l", "cfg", "m", "network_multiplier", "gr", "a", "ref")
# bucket sides are multiples of sd.get_bucket_divisibility(): 2**(len(vae block_out_channels)-1), doubled for
# FLUX's packing, doubled again ("todo remove this") -> 32 for FLUX, 16 for SDXL
BUCKET_DIVISIBILITY = {"flux": 32, "sdxl": 16}


def _unit(*parts):
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def _env_fraction(name):
    """A share of the steps from the environment, or None when unset or not a number."""
    try:
        return min(1.0, max(0.0, float(os.environ.get(name, ""))))
    except ValueError:
        return None


def sim_loss(seed, step):
    """Decreasing with noise, from about 0.45 towards 0.30; depends only on seed and step."""
    return 0.30 + 0.15 * math.exp(-step / 300.0) + (_unit("loss", seed, step) - 0.5) * 0.04


def _ms(seconds):
    return f"{seconds * 1000:g}"


def _sleep(seconds):
    if seconds > 0:
        time.sleep(seconds)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"Weights only load failed: global {module}.{name} is not allowed")


class SDTrainer:
    def __init__(self, process_id, job, config):
        # --- BaseProcess ---
        self.process_id = process_id
        self.job = job
        self.config = config
        self.name = self.get_conf("name", self.job.name)
        self.meta = copy.deepcopy(self.job.meta)
        print(json.dumps(self.config, indent=4))

        # --- BaseTrainProcess ---
        self.training_seed = self.get_conf("training_seed", None)
        if self.training_seed is not None:
            random.seed(self.training_seed)
        self.progress_bar = None
        self.training_folder = self.get_conf("training_folder", None)
        self.save_root = os.path.join(self.training_folder, self.name)
        os.makedirs(self.save_root, exist_ok=True)
        with open(os.path.join(self.save_root, "config.yaml"), "w") as f:
            # JSON is YAML: what is read back from this file reads the same (the engine writes it with yaml.dump).
            json.dump(self.job.raw_config, f, indent=2, ensure_ascii=False)

        # --- BaseSDTrainProcess ---
        self.step_num = 0
        self.start_step = 0
        self.epoch_num = 0
        self.last_save_step = 0
        self.network_config = self.get_conf("network", None)
        self.train_config = dict(self.get_conf("train", {}))
        ema = self.train_config.get("ema_config")
        if ema is not None and ema.get("use_ema", False):
            print("Using EMA")
        self.model_config = dict(self.get_conf("model", {}))
        if self.model_config.get("name_or_path") is None:
            raise ValueError("name_or_path must be specified")
        self.arch = self._arch()
        self.save_config = dict(self.get_conf("save", {}))
        save_format = self.save_config.get("save_format", "safetensors")
        if save_format not in ("safetensors", "diffusers"):
            raise ValueError(f"save_format must be safetensors or diffusers, got {save_format}")
        self.sample_config = dict(self.get_conf("sample", {}))
        self.samples = self._sample_items()
        self.trigger_word = self.get_conf("trigger_word", None)
        self.datasets = []
        self.datasets_reg = []
        raw_datasets = self.get_conf("datasets", None)
        if raw_datasets:
            for raw in preprocess_dataset_raw_config(raw_datasets):
                ds = DatasetConfig(**raw)
                if ds.trigger_word is None and self.trigger_word is not None:
                    ds.trigger_word = self.trigger_word
                (self.datasets_reg if ds.is_reg else self.datasets).append(ds)
        self.num_consecutive_oom = 0

        # --- simulator state ---
        seed = os.environ.get("SEED")
        try:
            self.sim_seed = int(seed) if seed is not None else int(self.training_seed or 0)
        except ValueError:
            self.sim_seed = int(self.training_seed or 0)
        # what a 24 GB card costs (plugins/simulated-gpu/figures.json), scaled; a sample image defaults to two steps
        # when the step time is given, as before the figures
        gpu = figures.load()
        self.gpu_memory = gpu["memory"]
        self.step_seconds = figures.scaled_ms(gpu, "trainerStep") / 1000.0
        self.load_seconds = figures.scaled_ms(gpu, "trainerModelLoad") / 1000.0
        step_given = os.environ.get(gpu["times"]["trainerStep"]["variable"], "").strip() != ""
        sample_given = os.environ.get(gpu["times"]["trainerSampleImage"]["variable"], "").strip() != ""
        self.sample_seconds = 2 * self.step_seconds if step_given and not sample_given \
            else figures.scaled_ms(gpu, "trainerSampleImage") / 1000.0
        self.faults = Faults(os.environ.get("ISENGARD_SIM_FAULT", ""), self.save_root)
        self.overfit_from = _env_fraction("ISENGARD_SIM_OVERFIT_FROM")
        self.painter = None
        self._oom_left = 0
        self.network = None
        self.did_change_weights = False
        self.is_ui_trainer = False

    # ------------------------------------------------------------------ config helpers
    def get_conf(self, key, default=None, required=False):
        value = self.config
        for subkey in key.split("."):
            if isinstance(value, dict) and subkey in value:
                value = value[subkey]
            else:
                value = None
                break
        if value is not None:
            return value
        if required:
            raise ValueError(f'config file error. Missing "config.process[{self.process_id}].{key}" key')
        return default

    def _arch(self):
        mc = self.model_config
        arch = mc.get("arch")
        if arch is not None and ":" in arch:
            arch = arch.split(":")[0]
        if arch == "flex1":
            arch = "flux"
        if arch is None:
            arch = "flux" if mc.get("is_flux") else "sdxl" if mc.get("is_xl") else None
        return arch

    def _sample_items(self):
        sc = self.sample_config
        prompts = sc.get("prompts", [])
        raw = sc.get("samples", [{"prompt": p} for p in prompts])
        items = []
        for item in raw:
            items.append({
                "prompt": item.get("prompt"),
                "width": item.get("width", sc.get("width", 512)),
                "height": item.get("height", sc.get("height", 512)),
                "seed": item.get("seed"),
            })
        return items

    @property
    def steps(self):
        return self.train_config.get("steps", 1000)

    @property
    def sample_format(self):
        return self.sample_config.get("format", "jpg")

    # ------------------------------------------------------------------ hooks (DiffusionTrainer overrides)
    def hook_before_model_load(self):
        pass

    def hook_after_sd_init_before_load(self):
        pass

    def before_dataset_load(self):
        pass

    def hook_before_train_loop(self):
        pass

    def sample_step_hook(self, img_num, total_imgs):
        pass

    def end_step_hook(self):
        pass

    def done_hook(self):
        pass

    def status_update(self, status):
        pass

    def maybe_stop(self):
        pass

    def update_status(self, status, info=None):
        pass

    def on_error(self, e):
        pass

    # ------------------------------------------------------------------ model
    def _print_and_status(self, text, seconds=0.0):
        print_acc(text)
        self.status_update(text)
        _sleep(seconds)

    def _check_model_path(self, config_file):
        path = self.model_config["name_or_path"]
        local = os.path.isabs(path) or path.startswith(("./", "../", "~", ".\\", "..\\"))
        if local and not os.path.exists(os.path.expanduser(path)):
            raise OSError(HF_CONNECT_ERROR.format(path=path, file=config_file))

    def load_model(self):
        mc = self.model_config
        t = self.load_seconds
        if self.arch == "flux":
            self._print_and_status("Loading Flux model")
            self._print_and_status("Loading transformer", 0.45 * t)
            self._check_model_path("config.json")
            if mc.get("quantize", False):
                self._print_and_status("Quantizing transformer", 0.15 * t)
            gpu_state.check_room(self.gpu_memory)  # transformer.to(device)
            self._print_and_status("Loading VAE", 0.05 * t)
            self._print_and_status("Loading T5", 0.15 * t)
            if mc.get("quantize_te", mc.get("quantize", False)):
                self._print_and_status("Quantizing T5", 0.05 * t)
            self._print_and_status("Loading CLIP", 0.05 * t)
            self._print_and_status("Making pipe")
            self._print_and_status("Preparing Model", 0.10 * t)
        elif self.arch == "sdxl":
            self._check_model_path("model_index.json")
            _sleep(0.5 * t)
            gpu_state.check_room(self.gpu_memory)
            _sleep(0.5 * t)
        else:
            raise ValueError(f"model arch {self.arch} is not simulated; the ai-toolkit simulator supports "
                             f"FLUX (is_flux / arch: flux) and SDXL (is_xl / arch: sdxl)")
        sys.stderr.write(f"[simulator] charged model load ({self.arch}): {_ms(t)} ms; a step costs {_ms(self.step_seconds)} "
                         f"ms, a sample image {_ms(self.sample_seconds)} ms\n")

    def create_network(self):
        nc = self.network_config
        if nc is None:
            raise ValueError("the ai-toolkit simulator only simulates LoRA training: config.process[].network is missing")
        rank = nc.get("rank", nc.get("linear", 4))
        alpha = nc.get("linear_alpha", nc.get("alpha", 1.0))
        if self.arch == "flux":
            alpha = rank  # PEFT format for FLUX: alpha = rank
        self.network = lora.Network(self.arch, rank, alpha, self.save_config.get("dtype", "float16"), self.sim_seed,
                                    nc.get("network_kwargs", {}) or {}, nc.get("transformer_only", True))
        print(f"create LoRA network. base dim (rank): {rank}, alpha: {alpha}")
        print(f"neuron dropout: p={nc.get('dropout')}, rank dropout: p=None, module dropout: p=None")
        if nc.get("conv") is not None:
            print(f"apply LoRA to Conv2d with kernel size (3,3). dim (rank): {nc.get('conv')}, "
                  f"alpha: {nc.get('conv_alpha', nc.get('conv'))}")
        print("create LoRA for Text Encoder: 0 modules.")
        train_unet = self.train_config.get("train_unet", True)
        print(f"create LoRA for U-Net: {self.network.module_count if train_unet else 0} modules.")
        if train_unet:
            print("enable LoRA for U-Net")

    # ------------------------------------------------------------------ checkpoints
    def get_latest_save_path(self, name=None):
        if name is None:
            name = self.job.name
        latest_path = None
        if os.path.exists(self.save_root):
            paths = []
            for pattern in (f"{name}*.safetensors", f"{name}*.pt", f"{name}*"):
                paths.extend(glob.glob(os.path.join(self.save_root, pattern)))
            paths = [p for p in paths if os.path.exists(p)]
            for tag in ("_LoRA", "_refiner", "_t2i", "_cn"):
                if tag not in name:
                    paths = [p for p in paths if tag not in p]
            if paths:
                latest_path = max(paths, key=os.path.getctime)
        pretrained = (self.network_config or {}).get("pretrained_lora_path")
        if latest_path is None and pretrained is not None:
            if os.path.exists(pretrained):
                latest_path = pretrained
                print_acc(f"Using pretrained lora path from config: {latest_path}")
            else:
                print_acc(f"Pretrained lora path from config does not exist: {pretrained}")
        return latest_path

    def load_weights(self, path):
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory", path)
        if not path.endswith(".safetensors"):
            raise RuntimeError(f"the ai-toolkit simulator can only resume from .safetensors checkpoints, not {path}")
        header, meta = lora.load_metadata(path)
        known = set()
        if self.arch == "flux":
            for mod, _, _ in lora.flux_modules(True) + lora.FLUX_OUTER_MODULES:
                known.add(f"transformer.{mod}.lora_A.weight")
                known.add(f"transformer.{mod}.lora_B.weight")
            extra = [k for k in header if k != "__metadata__" and k not in known]
        else:
            extra = [k for k in header if k != "__metadata__" and not k.startswith(("lora_unet_", "lora_te"))]
        print(f"Missing keys: {extra}")
        pretrained = (self.network_config or {}).get("pretrained_lora_path")
        if path == pretrained:
            return
        info = meta.get("training_info")
        if info is not None and "step" in info and self.train_config.get("start_step") is None:
            self.step_num = info["step"]
            if "epoch" in info:
                self.epoch_num = info["epoch"]
            self.start_step = self.step_num
            print_acc(f"Found step {self.step_num} in metadata, starting from there")

    def _optimizer_bytes(self):
        lr = self.train_config.get("lr", 1e-6)
        state = {"state": {}, "param_groups": [{
            "lr": lr, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.01, "amsgrad": False,
            "initial_lr": lr, "params": list(range(2 * len(self.network.written))), "step": self.step_num,
        }]}
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            z.writestr("optimizer/data.pkl", pickle.dumps(state, protocol=2))
            z.writestr("optimizer/byteorder", "little")
            z.writestr("optimizer/version", "3\n")
            z.writestr("optimizer/.data/serialization_id", hashlib.sha1(str(self.step_num).encode()).hexdigest())
        return buf.getvalue()

    def _load_optimizer(self, path):
        with zipfile.ZipFile(path) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            _RestrictedUnpickler(io.BytesIO(z.read(pkl))).load()

    def update_training_metadata(self):
        o_dict = OrderedDict()
        o_dict["training_info"] = OrderedDict([("step", self.step_num), ("epoch", self.epoch_num)])
        o_dict["ss_base_model_version"] = "flux.1" if self.arch == "flux" else "sdxl_1.0"
        o_dict["ss_output_name"] = self.job.name
        if self.trigger_word is not None:
            o_dict["ss_tag_frequency"] = {f"1_{self.trigger_word}": {f"{self.trigger_word}": 1}}
        self.meta.update(o_dict)

    def save(self, step=None):
        step_num = ""
        if step is not None:
            self.last_save_step = step
            step_num = f"_{str(step).zfill(9)}"
        os.makedirs(self.save_root, exist_ok=True)
        self.update_training_metadata()
        save_meta = lora.meta_for_safetensors(copy.deepcopy(self.meta), self.job.name)
        portrait = self.painter.portrait() if self.painter else None
        if portrait:
            save_meta[lora.SIM_FACE_KEY] = json.dumps({
                "fidelity": round(samples.fidelity_at(self.step_num, self.steps), 4),
                "overfit": self._overfit(self.step_num), "jpeg": portrait})
        file_path = os.path.join(self.save_root, f"{self.job.name}{step_num}.safetensors")
        lora.save_weights(file_path, self.network.tensors(self.step_num), save_meta)
        print_acc(f"Saved checkpoint to {file_path}")
        opt_path = os.path.join(self.save_root, "optimizer.pt")
        try:
            with open(opt_path, "wb") as f:
                f.write(self._optimizer_bytes())
            print_acc(f"Saved optimizer to {opt_path}")
        except Exception as e:
            print_acc(e)
            print_acc("Could not save optimizer")
        self.clean_up_saves()

    def clean_up_saves(self):
        if not os.path.exists(self.save_root):
            return
        items = glob.glob(os.path.join(self.save_root, f"{self.job.name}_*"))
        keep = self.save_config.get("max_step_saves_to_keep", 5)
        groups = [
            sorted([f for f in items if f.endswith(".safetensors")], key=os.path.getctime),
            sorted([d for d in items if os.path.isdir(d) and not d.endswith(".safetensors")], key=os.path.getctime),
            sorted([f for f in items if f.endswith(".pt")], key=os.path.getctime),
        ]
        to_remove = []
        for group in (groups[0], groups[2], groups[1]):
            to_remove += group[:-keep] if group else []
        for item in list(dict.fromkeys(to_remove)):
            print_acc(f"Removing old save: {item}")
            if os.path.isdir(item):
                shutil.rmtree(item)
            else:
                os.remove(item)
            yaml_file = os.path.splitext(item)[0] + ".yaml"
            if os.path.exists(yaml_file):
                os.remove(yaml_file)

    # ------------------------------------------------------------------ sampling
    def _gen_configs(self, step):
        configs = []
        start_seed = self.sample_config.get("seed", 0)
        current_seed = start_seed
        prompts = [s for s in self.samples if s["prompt"] is not None]
        for i, item in enumerate(prompts):
            if self.sample_config.get("walk_seed", False):
                current_seed = start_seed + i
            if item["seed"] is not None:
                current_seed = item["seed"]
            prompt = item["prompt"]
            if self.trigger_word is not None:
                prompt = inject_trigger_into_prompt(prompt, self.trigger_word, add_if_not_present=False)
            width, height, seed = item["width"], item["height"], current_seed
            # GenerateImageConfig._process_prompt_string: the prompt ends at the first "--"; each part after it is
            # an option, and a value that does not convert raises (the run fails with that ValueError)
            p_split = prompt.strip().split("--")
            prompt = p_split[0].strip()
            for split in p_split[1:]:
                flag = split.split(" ")[0].strip()
                content = split[len(flag):].strip()
                if flag == "w":
                    width = int(content)
                elif flag == "h":
                    height = int(content)
                elif flag in ("d", "seed"):
                    seed = int(content)
                elif flag in INT_FLAGS:
                    int(content)
                elif flag in FLOAT_FLAGS:
                    float(content)
                elif flag in ("ev", "extra_values"):
                    [float(v) for v in content.split(",")]
            height = max(64, height - height % 8)
            width = max(64, width - width % 8)
            configs.append({"prompt": prompt, "width": width, "height": height, "seed": seed})
        return configs

    def _overfit(self, step):
        """From ISENGARD_SIM_OVERFIT_FROM's share of the steps on, the LoRA has learnt the photos themselves."""
        return self.overfit_from is not None and step >= self.overfit_from * self.steps

    def _paint_samples(self, tmp_folder, step, configs):
        """The round's samples with the dataset's person (one Node run), as {index: painted file}; {} if not painted."""
        if not self.painter or not configs:
            return {}
        ext = self.sample_format
        at = step if step is not None else 0
        fidelity = samples.fidelity_at(at, self.steps)
        jobs = [samples.face_sample(os.path.join(tmp_folder, f"painted_{i}.{ext}"), cfg["width"], cfg["height"],
                                    cfg["prompt"], i, at, cfg["seed"], ext, fidelity, self._overfit(at))
                for i, cfg in enumerate(configs)]
        if not self.painter.paint(jobs):
            return {}
        return {i: job["out"] for i, job in enumerate(jobs) if os.path.exists(job["out"])}

    def _write_sample(self, folder, step, index, cfg, painted=None):
        ext = self.sample_format
        tmp_folder = os.path.join(folder, ".tmp")
        os.makedirs(tmp_folder, exist_ok=True)
        step_str = f"_{str(step).zfill(9)}" if step is not None else ""
        file = f"{int(time.time() * 1000)}_{step_str}_{index}.{ext}"
        if painted is not None:
            os.replace(painted, os.path.join(tmp_folder, file))
        else:
            image = samples.render(cfg["width"], cfg["height"], cfg["prompt"], index, step if step is not None else 0,
                                   cfg["seed"], ext)
            with open(os.path.join(tmp_folder, file), "wb") as f:
                f.write(image)
        os.replace(os.path.join(tmp_folder, file), os.path.join(folder, file))

    def sample(self, step=None):
        folder = os.path.join(self.save_root, "samples")
        configs = self._gen_configs(step)
        os.makedirs(os.path.join(folder, ".tmp"), exist_ok=True)
        painted = self._paint_samples(os.path.join(folder, ".tmp"), step, configs)
        for i in Tqdm(range(len(configs)), desc="Generating Images", leave=False):
            _sleep(self.sample_seconds)
            self._write_sample(folder, step, i, configs[i], painted.get(i))
            self.sample_step_hook(i, len(configs))
        print_acc("")

    # ------------------------------------------------------------------ training
    def _learning_rate(self, step):
        lr = self.train_config.get("lr", 1e-6)
        optimizer = str(self.train_config.get("optimizer", "adamw")).lower()
        if optimizer.startswith("prodigy") or optimizer.startswith("dadaptation"):
            base = lr if lr >= 0.1 else 1.0
            return base * min(1e-4, 1e-6 * (1.05 ** min(step + 1, 200)))
        if self.train_config.get("lr_scheduler", "constant") == "cosine":
            total = max(1, self.steps)
            return lr * 0.5 * (1 + math.cos(math.pi * min(step + 1, total) / total))
        return lr

    def _training_step(self, step):
        """One simulated step: the loss dict; raises like a CUDA failure when a fault is due."""
        if self.faults.take("hang", step):
            while True:
                time.sleep(3600)
        if self.faults.take("ramoom", step):
            # the kernel's OOM killer: SIGKILL, no output, no cleanup
            os.kill(os.getpid(), signal.SIGKILL)
        _sleep(self.step_seconds)
        if self.faults.take("crash", step):
            raise RuntimeError(CUDA_ILLEGAL_ACCESS)
        if self.faults.take("oom", step):
            self._oom_left = 4  # the 4th consecutive OOM aborts the run
        if self._oom_left > 0:
            self._oom_left -= 1
            raise RuntimeError(CUDA_OOM)
        return OrderedDict([("loss", sim_loss(self.sim_seed, step))])

    def run(self):
        self.hook_before_model_load()
        self.hook_after_sd_init_before_load()
        self.load_model()
        self.create_network()

        latest_save_path = self.get_latest_save_path(self.name)
        if latest_save_path is not None:
            print_acc(f"#### IMPORTANT RESUMING FROM {latest_save_path} ####")
            print_acc(f"Loading from {latest_save_path}")
            self.load_weights(latest_save_path)
        if self.train_config.get("start_step") is not None:
            self.step_num = self.train_config["start_step"]
            self.start_step = self.step_num

        optimizer = str(self.train_config.get("optimizer", "adamw")).lower()
        if optimizer.startswith("prodigy"):
            lr = self.train_config.get("lr", 1e-6)
            print("Using Prodigy optimizer")
            print(f"Using lr {lr if lr >= 0.1 else 1.0}")
        opt_path = os.path.join(self.save_root, "optimizer.pt")
        if os.path.exists(opt_path):
            if not self.did_change_weights:
                try:
                    print_acc(f"Loading optimizer state from {opt_path}")
                    self._load_optimizer(opt_path)
                except Exception as e:
                    print_acc(f"Failed to load optimizer state from {opt_path}")
                    print_acc(e)
            print_acc("Updating optimizer LR from params")

        self.before_dataset_load()
        batch_size = self.train_config.get("batch_size", 1)
        divisibility = BUCKET_DIVISIBILITY.get(self.arch, 16)
        datasets, batches_per_epoch = load_datasets(self.datasets, batch_size, divisibility) if self.datasets else ([], 0)
        node = samples.find_node()
        if node:
            self.painter = samples.FacePainter(node, sorted({item.path for ds in datasets for item in ds.file_list}))
        _, reg_batches = load_datasets(self.datasets_reg, batch_size, divisibility) if self.datasets_reg else (None, 0)
        self.last_save_step = self.step_num
        self.hook_before_train_loop()

        tc = self.train_config
        if tc.get("skip_first_sample", False) or tc.get("disable_sampling", False):
            print_acc("Skipping first sample due to config setting")
        elif self.step_num <= 1 or tc.get("force_first_sample", False):
            print_acc("Generating baseline samples before training")
            self.sample(self.step_num)

        self.progress_bar = ToolkitProgressBar(total=self.steps, desc=self.job.name, leave=True,
                                               initial=self.step_num, iterable=range(0, self.steps))
        self.progress_bar.pause()
        self._train_loop(batches_per_epoch, reg_batches)

        self.progress_bar.close()
        self.save()
        if not tc.get("disable_sampling", False):
            self.sample(self.step_num)
        print_acc("")
        self.done_hook()

    def _train_loop(self, batches_per_epoch, reg_batches):
        tc, sc = self.train_config, self.sample_config
        save_every = self.save_config.get("save_every", 1000)
        sample_every = sc.get("sample_every", 100)
        sample_start = sc.get("sample_start_step", 0)
        bar = self.progress_bar
        batches_left = batches_per_epoch
        for step in range(self.step_num, self.steps):
            self.step_num = step
            bar.unpause()
            is_save_step = save_every and self.step_num % save_every == 0
            is_sample_step = sample_every and self.step_num >= sample_start and self.step_num % sample_every == 0
            if tc.get("disable_sampling", False):
                is_sample_step = False
            if step % 2 == 0 and reg_batches and not is_save_step and not is_sample_step:
                pass  # a regularisation batch: the main dataloader (and so the epoch count) does not move
            elif batches_per_epoch:
                if batches_left == 0:
                    self.epoch_num += 1
                    batches_left = batches_per_epoch
                batches_left -= 1

            did_oom = False
            loss_dict = None
            try:
                loss_dict = self._training_step(step)
            except RuntimeError as e:
                if "CUDA out of memory" in str(e):
                    did_oom = True
                else:
                    raise
            if did_oom:
                self.num_consecutive_oom += 1
                if self.num_consecutive_oom > 3:
                    raise RuntimeError("OOM during training step 3 times in a row, aborting training")
                print_acc("")
                print_acc("################################################")
                print_acc(f"# OOM during training step, skipping batch {self.num_consecutive_oom}/3 #")
                print_acc("################################################")
                print_acc("")
            else:
                self.num_consecutive_oom = 0

            learning_rate = 0.0
            if not did_oom and loss_dict is not None:
                learning_rate = self._learning_rate(step)
                prog_bar_string = f"lr: {learning_rate:.1e}"
                for key, value in loss_dict.items():
                    prog_bar_string += f" {key}: {value:.3e}"
                bar.set_postfix_str(prog_bar_string)

            if self.step_num != self.start_step:
                if is_save_step:
                    bar.pause()
                    print_acc(f"\nSaving at step {self.step_num}")
                    self.save(self.step_num)
                    bar.unpause()
                if is_sample_step:
                    bar.pause()
                    self.sample(self.step_num)
                    bar.unpause()

            bar.update(step + 1 - bar.n)
            self.step_num = step + 1
            self.end_step_hook()
