"""toolkit/logging_aitk.py: the UILogger that writes <save_root>/loss_log.db (spec §6.4), and EmptyLogger."""

import os
import sqlite3
import time


class EmptyLogger:
    def start(self):
        pass

    def log(self, *args, **kwargs):
        pass

    def commit(self, step=None):
        pass

    def finish(self):
        pass


class UILogger:
    def __init__(self, log_file, flush_every_n=256, flush_every_secs=0.25):
        self.log_file = log_file
        self._log_to_commit = {}
        self._con = None
        self._started = False
        self._step_counter = 0
        self._pending_steps = []
        self._pending_metrics = []
        self._pending_key_minmax = {}
        self._flush_every_n = int(flush_every_n)
        self._flush_every_secs = float(flush_every_secs)
        self._last_flush = time.time()
        self._first_commit_done = False

    def start(self):
        if self._started:
            return
        parent = os.path.dirname(os.path.abspath(self.log_file))
        if parent and not os.path.exists(parent):
            os.makedirs(parent, exist_ok=True)
        self._con = sqlite3.connect(self.log_file, timeout=30.0, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "temp_store=MEMORY", "foreign_keys=ON",
                       "busy_timeout=30000"):
            self._con.execute(f"PRAGMA {pragma};")
        con = self._con
        con.execute("BEGIN;")
        con.execute("CREATE TABLE IF NOT EXISTS steps (step INTEGER PRIMARY KEY, wall_time REAL NOT NULL);")
        con.execute("CREATE TABLE IF NOT EXISTS metric_keys (key TEXT PRIMARY KEY, first_seen_step INTEGER, "
                    "last_seen_step INTEGER);")
        con.execute("CREATE TABLE IF NOT EXISTS metrics (step INTEGER NOT NULL, key TEXT NOT NULL, value_real REAL, "
                    "value_text TEXT, PRIMARY KEY (step, key), "
                    "FOREIGN KEY (step) REFERENCES steps(step) ON DELETE CASCADE);")
        con.execute("CREATE INDEX IF NOT EXISTS idx_metrics_key_step ON metrics (key, step);")
        con.execute("COMMIT;")
        self._started = True
        self._last_flush = time.time()

    def log(self, log_dict):
        self._log_to_commit.update(log_dict)

    def commit(self, step=None):
        if not self._started:
            self.start()
        if not self._log_to_commit:
            return
        if step is None:
            step = self._step_counter
            self._step_counter += 1
        else:
            step = int(step)
            if step >= self._step_counter:
                self._step_counter = step + 1
        if not self._first_commit_done:
            self._prune_future_steps(step)
            self._first_commit_done = True
        self._pending_steps.append((step, time.time()))
        for k, v in self._log_to_commit.items():
            k = k if isinstance(k, str) else str(k)
            vr, vt = self._coerce_value(v)
            self._pending_metrics.append((step, k, vr, vt))
            if k in self._pending_key_minmax:
                lo, hi = self._pending_key_minmax[k]
                self._pending_key_minmax[k] = (min(lo, step), max(hi, step))
            else:
                self._pending_key_minmax[k] = (step, step)
        self._log_to_commit = {}
        now = time.time()
        if len(self._pending_metrics) >= self._flush_every_n or (now - self._last_flush) >= self._flush_every_secs:
            self._flush()

    def finish(self):
        if not self._started:
            return
        self._flush()
        self._con.close()
        self._con = None
        self._started = False

    @staticmethod
    def _coerce_value(v):
        if v is None:
            return None, None
        if isinstance(v, bool):
            return float(int(v)), None
        if isinstance(v, (int, float)):
            return float(v), None
        try:
            return float(v), None
        except Exception:
            return None, str(v)

    def _prune_future_steps(self, current_step):
        con = self._con
        con.execute("BEGIN;")
        con.execute("DELETE FROM steps WHERE step > ?;", (current_step,))
        con.execute("DELETE FROM metric_keys WHERE NOT EXISTS (SELECT 1 FROM metrics WHERE metrics.key = metric_keys.key);")
        con.execute("UPDATE metric_keys SET last_seen_step = (SELECT MAX(step) FROM metrics WHERE metrics.key = "
                    "metric_keys.key) WHERE last_seen_step > ?;", (current_step,))
        con.execute("COMMIT;")

    def _flush(self):
        if not self._pending_steps and not self._pending_metrics:
            return
        con = self._con
        con.execute("BEGIN;")
        if self._pending_steps:
            con.executemany("INSERT INTO steps(step, wall_time) VALUES(?, ?) "
                            "ON CONFLICT(step) DO UPDATE SET wall_time=excluded.wall_time;", self._pending_steps)
        if self._pending_key_minmax:
            con.executemany(
                "INSERT INTO metric_keys(key, first_seen_step, last_seen_step) VALUES(?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET first_seen_step=MIN(metric_keys.first_seen_step, "
                "excluded.first_seen_step), last_seen_step=MAX(metric_keys.last_seen_step, excluded.last_seen_step);",
                [(k, lo, hi) for k, (lo, hi) in self._pending_key_minmax.items()])
        if self._pending_metrics:
            con.executemany("INSERT INTO metrics(step, key, value_real, value_text) VALUES(?, ?, ?, ?) "
                            "ON CONFLICT(step, key) DO UPDATE SET value_real=excluded.value_real, "
                            "value_text=excluded.value_text;", self._pending_metrics)
        con.execute("COMMIT;")
        self._pending_steps.clear()
        self._pending_metrics.clear()
        self._pending_key_minmax.clear()
        self._last_flush = time.time()


def create_logger(logging_config, save_root):
    if logging_config.get("use_ui_logger", False):
        return UILogger(os.path.join(save_root, "loss_log.db"))
    return EmptyLogger()
