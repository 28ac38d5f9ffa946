"""tqdm's bars as the adapter reads them (console-parser.ts, spec §3): records on stderr, redrawn with ``\\r`` at
most every 0.1 s, in tqdm's default layout ``{desc}: {pct:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining},
{rate}{, postfix}]``. Left out: tqdm's smoothing, dynamic miniters, partial bar blocks and the cursor moves of nested
bars (a nested bar here redraws the same line), none of which the adapter reads."""

import sys
import time


def format_interval(t):
    mins, s = divmod(int(t), 60)
    h, m = divmod(mins, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Tqdm:
    _instances = []
    MININTERVAL = 0.1

    def __init__(self, iterable=None, desc=None, total=None, leave=True, initial=0, **_options):
        if total is None and iterable is not None:
            total = len(iterable)
        self.iterable = iterable
        self.desc = desc or ""
        self.total = total
        self.leave = leave
        self.initial = self.n = initial
        self.postfix = None
        self.disable = False
        self.fp = sys.stderr
        try:
            self.block = "█" if "█".encode(getattr(self.fp, "encoding", None) or "ascii") else "#"
        except (UnicodeEncodeError, LookupError):
            self.block = "#"  # tqdm's ASCII bar
        self.last_len = 0
        Tqdm._instances.append(self)
        self.start_t = self.last_print_t = time.time()
        self._draw()

    @property
    def format_dict(self):
        elapsed = time.time() - self.start_t
        return {"n": self.n, "total": self.total, "elapsed": elapsed,
                "rate": (self.n - self.initial) / elapsed if elapsed > 0 and self.n > self.initial else None}

    def __str__(self):
        d = self.format_dict
        rate, n, total = d["rate"], self.n, self.total
        rate_fmt = "?it/s" if not rate else (f"{1 / rate:5.2f}s/it" if rate < 1 else f"{rate:5.2f}it/s")
        remaining = format_interval((total - n) / rate) if rate and total else "?"
        postfix = f", {self.postfix}" if self.postfix else ""
        prefix = f"{self.desc}: " if self.desc else ""
        filled = int(10 * n / total) if total else 0
        bar = self.block * filled + " " * (10 - filled)
        return f"{prefix}{n / total * 100 if total else 0:3.0f}%|{bar}| {n}/{total} [{format_interval(d['elapsed'])}<{remaining}, {rate_fmt}{postfix}]"

    def _draw(self, text=None):
        text = str(self) if text is None else text
        self.fp.write("\r" + text + " " * max(self.last_len - len(text), 0))
        self.fp.flush()
        self.last_len = len(text)
        self.last_print_t = time.time()

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def update(self, n=1):
        if self.disable:
            return
        self.n += n
        if time.time() - self.last_print_t >= self.MININTERVAL:
            self._draw()

    def set_postfix_str(self, s="", refresh=True):
        self.postfix = str(s)
        if refresh and not self.disable:
            self._draw()

    def close(self):
        if self.disable:
            return
        self.disable = True
        if self in Tqdm._instances:
            Tqdm._instances.remove(self)
        if self.leave:
            self._draw()
            self.fp.write("\n")
        else:
            self._draw("")
            self.fp.write("\r")
        self.fp.flush()

    @classmethod
    def close_all(cls):
        """What tqdm's __del__ does when the interpreter exits with bars still open."""
        for inst in list(cls._instances):
            try:
                inst.close()
            except Exception:
                pass


class ToolkitProgressBar(Tqdm):
    """toolkit/progress_bar.py: pause/unpause keep paused time out of the elapsed time and the rate."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paused = False
        self.last_time = time.time()

    def pause(self):
        if not self.paused:
            self.paused = True
            self.last_time = time.time()

    def unpause(self):
        if self.paused:
            self.paused = False
            now = time.time()
            self.start_t += now - self.last_time
            self.last_print_t = now

    def update(self, *args, **kwargs):
        if not self.paused:
            return super().update(*args, **kwargs)
