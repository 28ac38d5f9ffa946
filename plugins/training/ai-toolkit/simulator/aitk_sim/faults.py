"""ISENGARD_SIM_FAULT: injected failures (crash@N, oom@N, ramoom@N, hang@N), each fired once per training folder.

A fired fault is recorded in <save_root>/.sim_faults.json before it acts, so a resumed run in the same
folder trains past that step. The file starts with a dot, so the checkpoint globs never see it."""

import json
import os

KINDS = ("crash", "oom", "ramoom", "hang")
MARKER = ".sim_faults.json"


def parse(spec):
    faults = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        kind, sep, step = part.partition("@")
        if kind not in KINDS or not sep or not step.strip().isdigit():
            raise ValueError(f"ISENGARD_SIM_FAULT: cannot parse {part!r}; expected crash@N, oom@N, ramoom@N or hang@N")
        faults.append((kind, int(step)))
    return faults


class Faults:
    def __init__(self, spec, save_root):
        self.pending = parse(spec)
        self.path = os.path.join(save_root, MARKER)
        self.fired = set()
        if os.path.exists(self.path):
            try:
                with open(self.path) as f:
                    self.fired = set(json.load(f).get("fired", []))
            except (OSError, ValueError):
                self.fired = set()

    def take(self, kind, step):
        """True (and recorded as fired) when a fault of this kind is due at this loop index."""
        key = f"{kind}@{step}"
        if (kind, step) not in self.pending or key in self.fired:
            return False
        self.fired.add(key)
        with open(self.path, "w") as f:
            json.dump({"fired": sorted(self.fired)}, f)
            f.flush()
            os.fsync(f.fileno())
        return True
