import { describe, expect, it } from 'vitest';
import { devServerArgs } from './dev-server';

const base = { cliPath: 'temporal', port: 7233, uiPort: null, namespace: 'isengard' };

/** The value following each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
}

describe('devServerArgs', () => {
  it('keeps state in the SQLite file with write-ahead logging, synced at checkpoints', () => {
    const args = devServerArgs({ ...base, dbFile: 'data/temporal.db' });
    expect(values(args, '--db-filename')).toEqual(['data/temporal.db']);
    expect(values(args, '--sqlite-pragma')).toEqual(['journal_mode=wal', 'synchronous=normal']);
  });

  it('runs in memory, with no SQLite pragmas, when no file is given (tests)', () => {
    const args = devServerArgs(base);
    expect(args).not.toContain('--db-filename');
    expect(args).not.toContain('--sqlite-pragma');
    expect(args).toContain('--headless');
  });
});
