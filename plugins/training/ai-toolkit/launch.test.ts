import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LAUNCH_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'launch.py');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aitk-launch-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A python-dotenv older than 1.2 (no PYTHON_DOTENV_DISABLED): load_dotenv() finds the .env above the script and
 * sets what it holds. The script reports what it saw, as run.py would see it.
 */
function fixture(): { script: string; libs: string } {
  const libs = path.join(scratch, 'site', 'dotenv');
  mkdirSync(libs, { recursive: true });
  writeFileSync(path.join(libs, 'main.py'), 'import os\n\ndef load_dotenv(*a, **k):\n    os.environ["FROM_DOTENV"] = "leaked"\n    return True\n');
  writeFileSync(path.join(libs, '__init__.py'), 'from .main import load_dotenv\n');
  const engine = path.join(scratch, 'project', 'vendor', 'engine');
  mkdirSync(engine, { recursive: true });
  writeFileSync(path.join(scratch, 'project', '.env'), 'FROM_DOTENV=leaked\n');
  const script = path.join(engine, 'run.py');
  writeFileSync(
    script,
    'import os, sys\nfrom dotenv import load_dotenv\nload_dotenv()\n' +
      'import json\nprint(json.dumps({"env": os.environ.get("FROM_DOTENV"), "argv": sys.argv, "name": __name__, "path0": sys.path[0]}))\n',
  );
  return { script, libs: path.dirname(libs) };
}

describe('launch.py', () => {
  it('runs the script as `python run.py` would, with load_dotenv doing nothing', () => {
    const { script, libs } = fixture();
    const env = { PATH: process.env.PATH, PYTHONPATH: libs };
    const plain = JSON.parse(execFileSync('python3', [script, '--name', '[name]', 'cfg.json'], { env, cwd: path.dirname(script) }).toString());
    expect(plain.env).toBe('leaked');
    const launched = JSON.parse(execFileSync('python3', [LAUNCH_PY, 'run.py', '--name', '[name]', 'cfg.json'], { env, cwd: path.dirname(script) }).toString());
    expect(launched).toEqual({ env: null, argv: ['run.py', '--name', '[name]', 'cfg.json'], name: '__main__', path0: path.dirname(script) });
  });
});
