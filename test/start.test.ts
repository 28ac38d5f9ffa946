import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Character, CharacterList } from '../lib/contracts/characters';
import type { Health } from '../lib/contracts/health';
import { PROJECT_ROOT } from '../lib/project-root';
import { validateLogTree } from '../scripts/logs/validate';
import { freePort } from '../temporal-dev/dev-server';
import { eventually } from './helpers/stack';

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start` as a user runs it (the supervisor entry point, its own Temporal dev server with a SQLite file,
 * the control plane and a GPU worker), on free ports with its own data and log folders.
 */
describe('npm start (the all-in-one supervisor)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isengard-start-'));
  const running: Running[] = [];
  let env: NodeJS.ProcessEnv;

  afterAll(() => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  async function start(): Promise<Running> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/runtime/start.ts')], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const r = { child, output: () => output, exited };
    running.push(r);
    await eventually(async () => (/Isengard is (ready|running)/.test(output) ? true : undefined), 120_000, () => `start-up:\n${output}`);
    return r;
  }

  const web = () => `http://127.0.0.1:${env.PORT}`;
  const apiLog = () =>
    readFileSync(path.join(root, 'logs', 'api', 'latest', 'api.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; correlation_id: string | null; context: Record<string, unknown>; message: string });
  const controlPlanePid = () => {
    const starts = apiLog().filter((l) => l.event === 'process.start' && l.message.startsWith('Started control plane'));
    return starts.at(-1)!.context.pid as number;
  };

  it('comes up healthy, keeps data across a kill -9 and a restart, and stops cleanly', async () => {
    env = {
      ...process.env,
      DATA_DIR: path.join(root, 'data'),
      LOG_DIR: path.join(root, 'logs'),
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      COMFYUI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_NAMESPACE: '',
      DATABASE_URL: '',
    };
    const first = await start();
    expect(first.output()).toContain('Isengard is ready');
    expect(first.output()).toContain(`Web UI:      ${web()}`);
    expect(first.output()).toContain(`Temporal UI: http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);

    const health = (await (await fetch(`${web()}/api/health`)).json()) as Health;
    expect(health.status).toBe('ok');
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

    const created = await fetch(`${web()}/api/characters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Correlation-ID': 'start-test-1' },
      body: JSON.stringify({ name: 'Survivor' }),
    });
    expect(created.status).toBe(201);
    const character = (await created.json()) as Character;
    expect(apiLog().filter((l) => l.correlation_id === 'start-test-1').map((l) => l.event)).toContain('character.created');

    // kill -9 the control plane: the supervisor restarts it and nothing is lost.
    const killed = controlPlanePid();
    process.kill(killed, 'SIGKILL');
    await eventually(async () => (controlPlanePid() !== killed ? true : undefined), 30_000, 'a restarted control plane');
    const listed = await eventually(async () => {
      const res = await fetch(`${web()}/api/characters`);
      return res.ok ? ((await res.json()) as CharacterList) : undefined;
    }, 60_000);
    expect(listed.items.map((c) => c.id)).toContain(character.id);
    expect(first.output()).toMatch(/control plane exited unexpectedly \(SIGKILL\); restarting in 1 s/);

    // Ctrl-C: everything stops, in order, with exit status 0.
    const children = [controlPlanePid()];
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Isengard stopped.');
    for (const pid of children) expect(isAlive(pid)).toBe(false);

    // Starting again finds the data intact.
    const second = await start();
    const again = (await (await fetch(`${web()}/api/characters/${character.id}`)).json()) as Character;
    expect(again.name).toBe('Survivor');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const report = validateLogTree(path.join(root, 'logs'));
    expect(report.problems).toEqual([]);
    expect(report.lines).toBeGreaterThan(20);
  }, 300_000);
});
