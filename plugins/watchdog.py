"""Runs an engine (a trainer, ComfyUI) so that it cannot outlive its GPU worker, nor its claim on a folder.

    python3 watchdog.py <worker-pid> [--owner <owner-file> <start-id>] -- <command ...>

The GPU worker starts this in a process group of its own. It runs the command as its child, forwards SIGINT and
SIGTERM to it, and exits with the child's status (or dies by the child's signal). It stops the whole process group
(data loaders included) when
- the worker disappears (killed with -9, its container gone): the engine would otherwise run on, unattended;
- with --owner, the owner file names another start: a training run has resumed elsewhere, and this engine must
  never write into the folder that the resumed run uses.
"""

import json
import os
import signal
import subprocess
import sys
import time

POLL_SECONDS = 1.0
GRACE_SECONDS = 10.0


def main() -> int:
    args = sys.argv[1:]
    owner_file = start_id = None
    if len(args) > 3 and args[1] == "--owner":
        owner_file, start_id = args[2], args[3]
        args = [args[0]] + args[4:]
    if len(args) < 3 or args[1] != "--":
        sys.stderr.write("usage: watchdog.py <worker-pid> [--owner <owner-file> <start-id>] -- <command ...>\n")
        return 2
    worker_pid = int(args[0])
    child = subprocess.Popen(args[2:])

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)

    while True:
        try:
            status = child.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pass
        if os.getppid() != worker_pid or (owner_file and owner_of(owner_file) not in (None, start_id)):
            stop_group()
    if status < 0:
        # SIGKILL (the kernel's OOM killer, say) has no handler to reset, and asking is an error
        if -status not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


def owner_of(owner_file: str):
    """The start that owns the run folder now, or None when it cannot be read (being replaced, say)."""
    try:
        with open(owner_file, encoding="utf-8") as handle:
            return json.load(handle).get("startId")
    except (OSError, ValueError):
        return None


def stop_group() -> None:
    """The worker is gone: ask the engine to stop, then kill everything in the group (data loaders included)."""
    group = os.getpgrp()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(group, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
