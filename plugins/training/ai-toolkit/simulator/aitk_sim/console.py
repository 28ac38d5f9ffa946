"""stdout/stderr as the real run.py has them under PYTHONUNBUFFERED=1."""

import io
import sys


def make_streams_unbuffered():
    """Re-open fds 1 and 2 so every write reaches the pipe at once (the adapter reads them live)."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        try:
            raw = io.FileIO(fd, "w", closefd=False)
        except OSError:
            continue
        stream = io.TextIOWrapper(raw, encoding=old.encoding or "utf-8", errors=old.errors or "strict",
                                  write_through=True, line_buffering=False)
        setattr(sys, name, stream)


def print_acc(*args, **kwargs):
    """toolkit.print.print_acc: a print on the main process (always, here), flushed."""
    print(*args, **kwargs)
    sys.stdout.flush()
