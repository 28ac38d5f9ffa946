"""toolkit/data_loader.py AiToolkitDataset and its caption mixin: the folder walk, the console lines, captions with
trigger words, batches per epoch. Images are counted by extension, not opened: the adapter hands over images it has
already checked, and nothing reads the engine's size cache or buckets (their console lines are left out)."""

import json
import os

from .console import print_acc
from .progress import Tqdm

IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"]


class DatasetConfig:
    """The DatasetConfig keys the simulator reads (toolkit/config_modules.py)."""

    def __init__(self, **kwargs):
        self.batch_size = kwargs.get("batch_size", None)
        self.type = kwargs.get("type", "image")
        self.folder_path = kwargs.get("folder_path", None)
        self.dataset_path = kwargs.get("dataset_path", None)
        self.default_caption = kwargs.get("default_caption", None)
        self.trigger_word = kwargs.get("trigger_word", None)
        self.caption_ext = kwargs.get("caption_ext", ".txt")
        if self.caption_ext and not self.caption_ext.startswith("."):
            self.caption_ext = "." + self.caption_ext
        self.resolution = kwargs.get("resolution", 512)
        self.is_reg = kwargs.get("is_reg", False)
        self.num_repeats = kwargs.get("num_repeats", 1)
        self.flip_x = kwargs.get("flip_x", False)
        self.flip_y = kwargs.get("flip_y", False)
        self.cache_latents = kwargs.get("cache_latents", False)
        self.cache_latents_to_disk = kwargs.get("cache_latents_to_disk", False)
        self.caption_dropout_rate = float(kwargs.get("caption_dropout_rate", 0.0))


def preprocess_dataset_raw_config(raw_config):
    """A resolution list becomes one dataset per resolution."""
    new_config = []
    for dataset in raw_config:
        resolution = dataset.get("resolution", 512)
        for res in resolution if isinstance(resolution, list) else [resolution]:
            dataset_copy = dataset.copy()
            dataset_copy["resolution"] = res
            new_config.append(dataset_copy)
    return new_config


def inject_trigger_into_prompt(prompt, trigger=None, add_if_not_present=True):
    """toolkit/prompt_utils.py: [name]/[trigger] become the trigger; prepended when absent if asked."""
    if trigger is None:
        trigger = ""
    output_prompt = prompt
    for to_replace in ("[name]", "[trigger]"):
        output_prompt = output_prompt.replace(to_replace, trigger)
    if trigger.strip() != "" and output_prompt.count(trigger) == 0 and add_if_not_present:
        output_prompt = trigger + " " + output_prompt
    return output_prompt


class FileItem:
    def __init__(self, path, config):
        self.path = path
        self.config = config
        self.caption = None

    def load_caption(self):
        """CaptionProcessingDTOMixin.load_caption + get_caption (no dropout or shuffling)."""
        cfg = self.config
        prompt_path = os.path.splitext(self.path)[0] + cfg.caption_ext
        if os.path.exists(prompt_path):
            with open(prompt_path, "r", encoding="utf-8") as f:
                prompt = f.read()
            if prompt.strip() == "" and cfg.default_caption is not None:
                prompt = cfg.default_caption
        else:
            prompt = cfg.default_caption if cfg.default_caption is not None else ""
        caption = ", ".join(prompt.split(","))
        self.caption = inject_trigger_into_prompt(caption, cfg.trigger_word, add_if_not_present=not cfg.is_reg
                                                  and cfg.trigger_word is not None)
        return self.caption


class Dataset:
    def __init__(self, config, batch_size, bucket_divisibility):
        self.config = config
        self.batch_size = batch_size
        self.dataset_path = config.dataset_path if config.dataset_path is not None else config.folder_path
        self.file_list = []
        self.batch_count = 0

    def _walk(self):
        if os.path.isdir(self.dataset_path):
            file_list = []
            for root, dirs, files in os.walk(self.dataset_path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                file_list.extend(os.path.join(root, file) for file in files
                                 if file.lower().endswith(tuple(IMAGE_EXTENSIONS)) and not file.startswith("."))
        else:
            # upstream treats anything that is not a folder as a JSON caption file keyed by image path
            with open(self.dataset_path, "r") as f:
                file_list = list(json.load(f).keys())
        return [x for x in file_list if not os.path.basename(os.path.dirname(x)) == "_controls"]

    def load(self):
        file_list = self._walk()
        if self.config.num_repeats > 1:
            file_list = file_list * self.config.num_repeats
        print_acc(f"Dataset: {self.dataset_path}")
        print_acc("  -  Preprocessing image dimensions")
        for file in Tqdm(file_list):
            self.file_list.append(FileItem(file, self.config))
        print_acc(f"  -  Found {len(self.file_list)} images")
        assert len(self.file_list) > 0, f"no images found in {self.dataset_path}"
        for flip, label in ((self.config.flip_x, "x"), (self.config.flip_y, "y")):
            if flip:
                print_acc(f"  -  adding {label} axis flips")
                self.file_list += list(self.file_list)
        if self.config.flip_x or self.config.flip_y:
            print_acc(f"  -  Found {len(self.file_list)} images after adding flips")
        for item in self.file_list:
            try:
                item.load_caption()
            except (OSError, UnicodeDecodeError):
                pass  # upstream reads captions lazily in the dataloader; nothing depends on them here
        self.batch_count = -(-len(self.file_list) // self.batch_size)
        if self.config.cache_latents or self.config.cache_latents_to_disk:
            self._cache_latents()

    def _cache_latents(self):
        """Prints and the progress bar of LatentCachingMixin; no _latent_cache files are written."""
        to_disk = self.config.cache_latents_to_disk
        print_acc(f"Caching latents for {self.dataset_path}")
        if to_disk:
            print_acc(" - Saving latents to disk")
        if self.config.cache_latents:
            print_acc(" - Keeping latents in memory")
        bar = Tqdm(total=len(self.file_list), desc=f'Caching latents{" to disk" if to_disk else ""}')
        for _ in self.file_list:
            bar.update(1)
        bar.close()


def load_datasets(dataset_configs, batch_size, bucket_divisibility):
    """get_dataloader_from_datasets: one dataset per config; returns (datasets, batches per epoch)."""
    datasets = []
    for config in dataset_configs:
        if config.type != "image":
            raise ValueError(f"invalid dataset type: {config.type}")
        ds = Dataset(config, config.batch_size if config.batch_size is not None else batch_size, bucket_divisibility)
        ds.load()
        datasets.append(ds)
    return datasets, sum(ds.batch_count for ds in datasets)
