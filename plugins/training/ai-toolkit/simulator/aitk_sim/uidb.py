"""The UI's SQLite Job-row protocol of extensions_built_in/sd_trainer/DiffusionTrainer.py (spec §6.2-6.3).

Upstream routes every call through an asyncio loop and a one-thread pool but waits for each one, so the calls
are effectively synchronous; here they simply are."""

import sqlite3
import time


class JobDB:
    def __init__(self, path, job_id):
        self.path = path
        self.job_id = job_id

    def _connect(self):
        conn = sqlite3.connect(self.path, timeout=30.0)
        conn.isolation_level = None  # autocommit
        return conn

    def _retry(self, operation, max_retries=3, base_delay=2.0):
        last_error = None
        for attempt in range(max_retries + 1):
            try:
                return operation()
            except sqlite3.OperationalError as e:
                if "database is locked" not in str(e):
                    raise
                last_error = e
                if attempt < max_retries:
                    delay = base_delay * (2 ** attempt)
                    print(f"[AITK] Database locked (attempt {attempt + 1}/{max_retries + 1}), retrying in {delay:.1f}s...")
                    time.sleep(delay)
                else:
                    print(f"[AITK] Database locked after {max_retries + 1} attempts, giving up.")
        raise last_error

    def read_flag(self, column):
        """True when the column reads 1 (stop, return_to_queue, save_now, sample_now)."""
        def op():
            conn = self._connect()
            try:
                row = conn.execute(f"SELECT {column} FROM Job WHERE id = ?", (self.job_id,)).fetchone()
                return False if row is None else row[0] == 1
            finally:
                conn.close()
        return self._retry(op)

    def update_key(self, key, value):
        def op():
            conn = self._connect()
            try:
                cursor = conn.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    cursor.execute(f"UPDATE Job SET {key} = ? WHERE id = ?",
                                   (value if isinstance(value, str) else str(value), self.job_id))
                finally:
                    cursor.execute("COMMIT")
            finally:
                conn.close()
        self._retry(op)

    def update_status(self, status, info=None):
        def op():
            conn = self._connect()
            try:
                cursor = conn.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    if info is not None:
                        cursor.execute("UPDATE Job SET status = ?, info = ? WHERE id = ?", (status, info, self.job_id))
                    else:
                        cursor.execute("UPDATE Job SET status = ? WHERE id = ?", (status, self.job_id))
                finally:
                    cursor.execute("COMMIT")
            finally:
                conn.close()
        self._retry(op)
