"""toolkit/config.py: finding the config file, ${VAR} and [name] substitution, JSON parsing."""

import json
import os
import re
from collections import OrderedDict

from . import TOOLKIT_ROOT

possible_extensions = [".json", ".jsonc", ".yaml", ".yml"]


def get_cwd_abs_path(path):
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    return path


def replace_env_vars_in_string(s):
    def replacer(match):
        var_name = match.group(1)
        value = os.environ.get(var_name)
        if value is None:
            raise ValueError(f"Environment variable {var_name} not set. Please ensure it's defined before proceeding.")
        return value

    return re.sub(r"\$\{([^}]+)\}", replacer, s)


def preprocess_config(config, name=None):
    if "job" not in config:
        raise ValueError("config file must have a job key")
    if "config" not in config:
        raise ValueError("config file must have a config section")
    if "name" not in config["config"] and name is None:
        raise ValueError("config file must have a config.name key")
    if name is None:
        name = config["config"]["name"]
    config_string = json.dumps(config)
    config_string = config_string.replace("[name]", name)
    return json.loads(config_string, object_pairs_hook=OrderedDict)


def get_config(config_file_path, name=None):
    config_path = os.path.join(TOOLKIT_ROOT, "config", config_file_path)
    real_config_path = None
    if not os.path.exists(config_path):
        for ext in possible_extensions:
            if os.path.exists(config_path + ext):
                real_config_path = config_path + ext
                break
    if not real_config_path:
        if os.path.exists(config_file_path):
            real_config_path = config_file_path
        elif os.path.exists(get_cwd_abs_path(config_file_path)):
            real_config_path = get_cwd_abs_path(config_file_path)
    if not real_config_path:
        raise ValueError(f"Could not find config file {config_file_path}")

    with open(real_config_path, "r", encoding="utf-8") as f:
        content = f.read()
        content_with_env_replaced = replace_env_vars_in_string(content)
        if real_config_path.endswith(".json") or real_config_path.endswith(".jsonc"):
            config = json.loads(content_with_env_replaced, object_pairs_hook=OrderedDict)
        elif real_config_path.endswith(".yaml") or real_config_path.endswith(".yml"):
            # Isengard writes JSON; the simulator has no YAML parser (Python's standard library has none).
            raise ValueError(f"Config file {real_config_path} is YAML: the ai-toolkit simulator reads JSON configs only")
        else:
            raise ValueError(f"Config file {config_file_path} must be a json or yaml file")
    return preprocess_config(config, name)
