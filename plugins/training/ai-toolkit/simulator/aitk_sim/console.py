"""stdout/stderr as the real run.py has them under PYTHONUNBUFFERED=1, plus the ``-l FILE`` tee."""

import io
import os
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


class Logger:
    """toolkit/print.py Logger: writes to the terminal and the log file."""

    def __init__(self, terminal, log_file):
        self.terminal = terminal
        self.log = log_file

    def write(self, message):
        self.terminal.write(message)
        self.log.write(message)
        self.log.flush()

    def flush(self):
        self.terminal.flush()
        self.log.flush()

    def isatty(self):
        return self.terminal.isatty()
    # no ``encoding`` attribute, as upstream: tqdm then draws its bars in ASCII under ``-l``


def setup_log_to_file(filename):
    # Upstream quirk kept: a bare file name has dirname '' and makedirs('') raises FileNotFoundError.
    if not os.path.exists(os.path.dirname(filename)):
        os.makedirs(os.path.dirname(filename))
    log_file = open(filename, "a")
    sys.stdout = Logger(sys.stdout, log_file)
    sys.stderr = Logger(sys.stderr, log_file)
