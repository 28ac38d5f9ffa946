"""toolkit/job.py, jobs/BaseJob.py and jobs/ExtensionJob.py."""

from collections import OrderedDict

from .config import get_config

SIMULATED_JOB_TYPES = ("extension",)


def _process_classes():
    from .trainer import SDTrainer
    from .ui_trainer import DiffusionTrainer, UITrainer
    return {
        "sd_trainer": SDTrainer,
        "textual_inversion_trainer": SDTrainer,
        "ui_trainer": UITrainer,
        "diffusion_trainer": DiffusionTrainer,
    }


class BaseJob:
    def __init__(self, config):
        if not config:
            raise ValueError("config is required")
        self.config = config["config"]
        self.raw_config = config
        self.job = config["job"]
        self.name = self.get_conf("name", required=True)
        self.meta = config["meta"] if "meta" in config else OrderedDict()
        self.process = []

    def get_conf(self, key, default=None, required=False):
        if key in self.config:
            return self.config[key]
        if required:
            raise ValueError(f'config file error. Missing "config.{key}" key')
        return default

    def run(self):
        print("")
        print("#############################################")
        print(f"# Running job: {self.name}")
        print("#############################################")
        print("")

    def load_processes(self, process_dict):
        if "process" not in self.config:
            raise ValueError('config file is invalid. Missing "config.process" key')
        if len(self.config["process"]) == 0:
            raise ValueError('config file is invalid. "config.process" must be a list of processes')
        self.process = []
        for i, process in enumerate(self.config["process"]):
            if "type" not in process:
                raise ValueError(f'config file is invalid. Missing "config.process[{i}].type" key')
            if process["type"] in process_dict:
                self.process.append(process_dict[process["type"]](i, self, process))
            else:
                raise ValueError(f'config file is invalid. Unknown process type: {process["type"]}')

    def cleanup(self):
        pass


class ExtensionJob(BaseJob):
    def __init__(self, config):
        super().__init__(config)
        self.device = self.get_conf("device", "cpu")
        self.load_processes(_process_classes())

    def run(self):
        super().run()
        print("")
        print(f"Running  {len(self.process)} process{'' if len(self.process) == 1 else 'es'}")
        for process in self.process:
            process.run()


def get_job(config_path, name=None):
    config = get_config(config_path, name)
    if not config["job"]:
        raise ValueError('config file is invalid. Missing "job" key')
    job = config["job"]
    if job == "extension":
        return ExtensionJob(config)
    if job in ("extract", "train", "mod", "generate"):
        # real job types that Isengard never uses; the simulator only implements the trainer extensions
        raise ValueError(f"job type {job} is not simulated; the ai-toolkit simulator supports job: extension")
    raise ValueError(f"Unknown job type {job}")
