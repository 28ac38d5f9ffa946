"""The simulated GPU's times, shared with the ComfyUI simulator: plugins/simulated-gpu/figures.json (real figures of
a 24 GB card at scale 1). Each time is its variable in milliseconds when set, else the figure x ISENGARD_SIM_TIME_SCALE
(default: the file's fastTestScale)."""

import json
import os

FIGURES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "simulated-gpu",
                            "figures.json")
SCALE_VARIABLE = "ISENGARD_SIM_TIME_SCALE"


def load():
    with open(FIGURES_FILE, encoding="utf-8") as f:
        return json.load(f)


def _number(name):
    """The variable as a number >= 0, or None when unset or empty."""
    raw = os.environ.get(name, "")
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {raw!r}")
    return value


def scaled_ms(figures, name):
    """The figure `name` of figures.json: its own variable in milliseconds when set, else real ms x scale."""
    figure = figures["times"][name]
    given = _number(figure["variable"])
    if given is not None:
        return given
    scale = _number(SCALE_VARIABLE)
    return figure["ms"] * (figures["fastTestScale"] if scale is None else scale)
