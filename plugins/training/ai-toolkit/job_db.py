"""The ai-toolkit UI protocol database (spec §6.3): one `Job` row whose flags the trainer polls.

    python3 job_db.py create <db> <job-id>
    python3 job_db.py set <db> <job-id> <column>=<int> [...]     (stop, save_now, sample_now, return_to_queue)
    python3 job_db.py get <db> <job-id>                          (prints the row as JSON)

Python's sqlite3 with the trainer's own discipline (fresh connection, 30 s timeout, BEGIN IMMEDIATE, retries on a
locked database), so the flags are written safely while the trainer reads and writes the same file.
"""

import json
import sqlite3
import sys
import time

FLAGS = {"stop", "save_now", "sample_now", "return_to_queue"}
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS Job(id TEXT PRIMARY KEY, status TEXT, info TEXT, step INTEGER, speed_string TEXT,"
    " stop INTEGER DEFAULT 0, return_to_queue INTEGER DEFAULT 0, save_now INTEGER DEFAULT 0,"
    " sample_now INTEGER DEFAULT 0)"
)


def execute(db: str, sql: str, params: tuple = ()) -> list:
    for attempt in range(4):
        try:
            connection = sqlite3.connect(db, timeout=30, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                rows = connection.execute(sql, params).fetchall()
                connection.execute("COMMIT")
                return rows
            finally:
                connection.close()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 3:
                raise
            time.sleep(2 ** (attempt + 1))
    return []


def main(argv: list) -> int:
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    command, db, job_id = argv[0], argv[1], argv[2]
    if command == "create":
        execute(db, SCHEMA)
        execute(db, "INSERT OR IGNORE INTO Job(id, status, info, step) VALUES (?, 'running', 'Starting', 0)", (job_id,))
        return 0
    if command == "set":
        for assignment in argv[3:]:
            column, _, value = assignment.partition("=")
            if column not in FLAGS:
                sys.stderr.write(f"unknown flag {column}\n")
                return 2
            execute(db, f"UPDATE Job SET {column} = ? WHERE id = ?", (int(value), job_id))
        return 0
    if command == "get":
        connection = sqlite3.connect(db, timeout=30)
        connection.row_factory = sqlite3.Row
        row = connection.execute("SELECT * FROM Job WHERE id = ?", (job_id,)).fetchone()
        connection.close()
        print(json.dumps(dict(row) if row else None))
        return 0
    sys.stderr.write(f"unknown command {command}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
