import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/project-root';

const run = promisify(execFile);
const SCRIPT = path.join(PROJECT_ROOT, 'plugins', 'training', 'ai-toolkit', 'job_db.py');

export type JobFlag = 'stop' | 'save_now' | 'sample_now';

/**
 * The trainer's stop / save-now protocol (spec §6): a SQLite `Job` row the trainer polls at every step. Written
 * through Python's sqlite3, with the trainer's own locking discipline, because both sides use the file at once.
 */
export class JobDb {
  constructor(
    private readonly python: string,
    readonly file: string,
    readonly jobId: string,
  ) {}

  async create(): Promise<void> {
    await run(this.python, [SCRIPT, 'create', this.file, this.jobId], { timeout: 60_000 });
  }

  async set(flag: JobFlag): Promise<void> {
    await run(this.python, [SCRIPT, 'set', this.file, this.jobId, `${flag}=1`], { timeout: 60_000 });
  }

  async get(): Promise<Record<string, unknown> | null> {
    const { stdout } = await run(this.python, [SCRIPT, 'get', this.file, this.jobId], { timeout: 60_000 });
    return JSON.parse(stdout) as Record<string, unknown> | null;
  }
}
