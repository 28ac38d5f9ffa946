"""A port of the parts of tqdm 4.64 that ai-toolkit's bars use, byte for byte.

The adapter parses the bar records on stderr, so the layout (``format_meter``), the redraw throttling
(``mininterval`` and dynamic ``miniters``), the EMA rate, the padding of shorter redraws with spaces, the
nested-bar cursor moves and ``close()`` must behave as tqdm does. tqdm's monitor thread is left out: it only
acts when ``miniters > 1`` (steps faster than ``mininterval``), which a real FLUX run never reaches.
"""

import os
import re
import sys
import time
from unicodedata import east_asian_width

RE_ANSI = re.compile(r"\x1b\[[;\d]*[A-Za-z]")
UTF_CHARSET = " " + "".join(chr(c) for c in range(0x258F, 0x2587, -1))
ASCII_CHARSET = " 123456789#"


def disp_len(data):
    return sum(2 if east_asian_width(ch) in "FW" else 1 for ch in RE_ANSI.sub("", data))


def disp_trim(data, length):
    if len(data) == disp_len(data):
        return data[:length]
    ansi_present = bool(RE_ANSI.search(data))
    while disp_len(data) > length:
        data = data[:-1]
    if ansi_present and RE_ANSI.search(data):
        return data if data.endswith("\033[0m") else data + "\033[0m"
    return data


def format_interval(t):
    mins, s = divmod(int(t), 60)
    h, m = divmod(mins, 60)
    if h:
        return "{0:d}:{1:02d}:{2:02d}".format(h, m, s)
    return "{0:02d}:{1:02d}".format(m, s)


def format_bar(frac, n_bars, charset):
    frac = max(0.0, min(1.0, frac))
    nsyms = len(charset) - 1
    bar_length, frac_bar_length = divmod(int(frac * n_bars * nsyms), nsyms)
    res = charset[-1] * bar_length
    if bar_length < n_bars:
        res = res + charset[frac_bar_length] + charset[0] * (n_bars - bar_length - 1)
    return res


def format_meter(n, total, elapsed, ncols=None, prefix="", ascii=False, unit="it", rate=None,
                 postfix=None, initial=0):
    """tqdm.format_meter for the default bar_format, unit_scale off."""
    if total and n >= (total + 0.5):
        total = None
    elapsed_str = format_interval(elapsed)
    if rate is None and elapsed:
        rate = (n - initial) / elapsed
    inv_rate = 1 / rate if rate else None
    rate_noinv_fmt = ("{0:5.2f}".format(rate) if rate else "?") + unit + "/s"
    rate_inv_fmt = ("{0:5.2f}".format(inv_rate) if inv_rate else "?") + "s/" + unit
    rate_fmt = rate_inv_fmt if inv_rate and inv_rate > 1 else rate_noinv_fmt
    n_fmt = str(n)
    total_fmt = str(total) if total is not None else "?"
    postfix = ", " + postfix if postfix else ""
    remaining = (total - n) / rate if rate and total else 0
    remaining_str = format_interval(remaining) if rate else "?"
    if prefix:
        l_bar = prefix if prefix[-2:] == ": " else prefix + ": "
    else:
        l_bar = ""
    r_bar = "| {0}/{1} [{2}<{3}, {4}{5}]".format(n_fmt, total_fmt, elapsed_str, remaining_str, rate_fmt, postfix)
    if total:
        percentage = n / total * 100
        l_bar += "{0:3.0f}%|".format(percentage)
        if ncols == 0:
            return l_bar[:-1] + r_bar[1:]
        nobar = l_bar + r_bar
        n_bars = max(1, ncols - disp_len(nobar)) if ncols else 10
        charset = ASCII_CHARSET if ascii is True else (ascii or UTF_CHARSET)
        res = l_bar + format_bar(n / total, n_bars, charset) + r_bar
        return disp_trim(res, ncols) if ncols else res
    # no total: no bar, no ETA
    return "{0}{1}{2} [{3}, {4}{5}]".format(
        (prefix + ": ") if prefix else "", n_fmt, unit, elapsed_str, rate_fmt, postfix)


class EMA:
    def __init__(self, smoothing=0.3):
        self.alpha = smoothing
        self.last = 0
        self.calls = 0

    def __call__(self, x=None):
        beta = 1 - self.alpha
        if x is not None:
            self.last = self.alpha * x + beta * self.last
            self.calls += 1
        return self.last / (1 - beta ** self.calls) if self.calls else self.last


def _screen_shape(fp):
    """tqdm's _screen_shape_linux: the terminal size, else COLUMNS/LINES minus one, else nothing."""
    try:
        from array import array
        from fcntl import ioctl
        from termios import TIOCGWINSZ
        rows, cols = array("h", ioctl(fp, TIOCGWINSZ, "\0" * 8))[:2]
        return cols, rows
    except Exception:
        try:
            return [int(os.environ[i]) - 1 for i in ("COLUMNS", "LINES")]
        except (KeyError, ValueError):
            return None, None


def _supports_unicode(fp):
    encoding = getattr(fp, "encoding", None)
    if not encoding:
        return False
    try:
        "\u2588\u2589".encode(encoding)
    except UnicodeEncodeError:
        return False
    except Exception:
        return encoding.lower().startswith("utf-") or encoding == "U8"
    return True


class Tqdm:
    _instances = []

    def __init__(self, iterable=None, desc=None, total=None, leave=True, file=None, mininterval=0.1,
                 maxinterval=10.0, miniters=None, ascii=None, unit="it", smoothing=0.3, initial=0,
                 position=None):
        if file is None:
            file = sys.stderr
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except (TypeError, AttributeError):
                total = None
        ncols = nrows = None
        if file in (sys.stderr, sys.stdout):
            ncols, nrows = _screen_shape(file)
        if miniters is None:
            miniters = 0
            self.dynamic_miniters = True
        else:
            self.dynamic_miniters = False
        if ascii is None:
            ascii = not _supports_unicode(file)
        self.iterable = iterable
        self.desc = desc or ""
        self.total = total
        self.leave = leave
        self.fp = file
        self.ncols = ncols
        self.nrows = nrows
        self.mininterval = mininterval
        self.maxinterval = maxinterval
        self.miniters = miniters
        self.ascii = ascii
        self.disable = False
        self.unit = unit
        self.initial = initial
        self.smoothing = smoothing
        self._ema_dn = EMA(smoothing)
        self._ema_dt = EMA(smoothing)
        self._ema_miniters = EMA(smoothing)
        self.postfix = None
        self._time = time.time
        self.last_print_n = initial
        self.n = initial
        self.pos = self._get_free_pos(self) if position is None else -position
        Tqdm._instances.append(self)
        self.sp = self._status_printer(self.fp)
        self.refresh()
        self.last_print_t = self._time()
        self.start_t = self.last_print_t

    @classmethod
    def _get_free_pos(cls, instance=None):
        positions = {abs(inst.pos) for inst in cls._instances if inst is not instance and hasattr(inst, "pos")}
        return min(set(range(len(positions) + 1)).difference(positions))

    @staticmethod
    def _status_printer(fp):
        fp.flush()
        if fp is sys.stderr:
            sys.stdout.flush()
        last_len = [0]

        def print_status(s):
            len_s = disp_len(s)
            fp.write("\r" + s + (" " * max(last_len[0] - len_s, 0)))
            fp.flush()
            last_len[0] = len_s

        return print_status

    @property
    def format_dict(self):
        return {
            "n": self.n, "total": self.total,
            "elapsed": self._time() - self.start_t if hasattr(self, "start_t") else 0,
            "ncols": self.ncols, "prefix": self.desc, "ascii": self.ascii, "unit": self.unit,
            "rate": self._ema_dn() / self._ema_dt() if self._ema_dt() else None,
            "postfix": self.postfix, "initial": self.initial,
        }

    def __str__(self):
        return format_meter(**self.format_dict)

    def __iter__(self):
        mininterval = self.mininterval
        last_print_t = self.last_print_t
        last_print_n = self.last_print_n
        n = self.n
        try:
            for obj in self.iterable:
                yield obj
                n += 1
                if n - last_print_n >= self.miniters:
                    cur_t = self._time()
                    dt = cur_t - last_print_t
                    if dt >= mininterval and cur_t >= self.start_t:
                        self.update(n - last_print_n)
                        last_print_n = self.last_print_n
                        last_print_t = self.last_print_t
        finally:
            self.n = n
            self.close()

    def update(self, n=1):
        if self.disable:
            return
        if n < 0:
            self.last_print_n += n
        self.n += n
        if self.n - self.last_print_n >= self.miniters:
            cur_t = self._time()
            dt = cur_t - self.last_print_t
            if dt >= self.mininterval and cur_t >= self.start_t:
                cur_t = self._time()
                dn = self.n - self.last_print_n
                if self.smoothing and dt and dn:
                    self._ema_dn(dn)
                    self._ema_dt(dt)
                self.refresh()
                if self.dynamic_miniters:
                    if self.maxinterval and dt >= self.maxinterval:
                        self.miniters = dn * (self.mininterval or self.maxinterval) / dt
                    elif self.smoothing:
                        self.miniters = self._ema_miniters(
                            dn * (self.mininterval / dt if self.mininterval and dt else 1))
                    else:
                        self.miniters = max(self.miniters, dn)
                self.last_print_n = self.n
                self.last_print_t = cur_t
                return True

    def refresh(self):
        if self.disable:
            return
        self.display()
        return True

    def set_postfix_str(self, s="", refresh=True):
        self.postfix = str(s)
        if refresh:
            self.refresh()

    def moveto(self, n):
        self.fp.write("\n" * n + "\x1b[A" * -n)
        self.fp.flush()

    def display(self, msg=None, pos=None):
        if pos is None:
            pos = abs(self.pos)
        nrows = self.nrows or 20
        if pos >= nrows - 1:
            if pos >= nrows:
                return False
            if msg or msg is None:
                msg = " ... (more hidden) ..."
        if pos:
            self.moveto(pos)
        self.sp(self.__str__() if msg is None else msg)
        if pos:
            self.moveto(-pos)
        return True

    def close(self):
        if self.disable:
            return
        self.disable = True
        pos = abs(self.pos)
        if self in Tqdm._instances:
            Tqdm._instances.remove(self)
        if self.last_print_t < self.start_t:
            return
        leave = pos == 0 if self.leave is None else self.leave
        if leave:
            self._ema_dt = lambda: None
            self.display(pos=0)
            self.fp.write("\n")
            self.fp.flush()
        else:
            if self.display(msg="", pos=pos) and not pos:
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
    """toolkit/progress_bar.py: smoothing 0.7, and pause/unpause that keeps paused time out of elapsed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("smoothing", 0.7)
        super().__init__(*args, **kwargs)
        self.paused = False
        self.last_time = self._time()

    def pause(self):
        if not self.paused:
            self.paused = True
            self.last_time = self._time()

    def unpause(self):
        if self.paused:
            self.paused = False
            cur_t = self._time()
            self.start_t += cur_t - self.last_time
            self.last_print_t = cur_t

    def update(self, *args, **kwargs):
        if not self.paused:
            return super().update(*args, **kwargs)
