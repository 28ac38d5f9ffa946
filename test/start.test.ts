import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Character, CharacterList } from '../lib/contracts/characters';
import type { Health } from '../lib/contracts/health';
import { validateLogTree } from '../scripts/logs/validate';
import { AllInOneInstance } from './helpers/all-in-one';
import { eventually } from './helpers/stack';
import { isProcessAlive } from '../lib/process-alive';

/**
 * `npm start` as a user runs it (the supervisor entry point, its own Temporal dev server with a SQLite file,
 * the control plane and a GPU worker), on free ports with its own data and log folders.
 */
describe('npm start (the all-in-one supervisor)', () => {
  const instance = new AllInOneInstance();
  afterAll(() => instance.cleanup());

  it('comes up healthy, keeps data across a kill -9 and a restart, and stops cleanly', async () => {
    await instance.prepare();
    const web = instance.url;
    const first = await instance.start();
    expect(first.output()).toContain('Isengard is ready');
    // The embedded database is created by a process of its own (the control plane would keep that memory).
    expect(first.output()).toContain('Creating the database ...');
    expect(first.output()).toContain(`Web UI:      ${web}`);
    expect(first.output()).toContain(`Temporal UI: http://127.0.0.1:${instance.env.TEMPORAL_UI_PORT}`);

    const health = (await (await fetch(`${web}/api/health`)).json()) as Health;
    expect(health.status).toBe('ok');
    expect((await fetch(`http://127.0.0.1:${instance.env.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    // The memory settings of our Node processes (scripts/runtime/start.ts).
    for (const pid of [instance.childPid('api', 'control plane'), instance.childPid('worker', 'GPU worker')]) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--v8-pool-size=1');
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072');
    }

    const created = await fetch(`${web}/api/characters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Correlation-ID': 'start-test-1' },
      body: JSON.stringify({ name: 'Survivor' }),
    });
    expect(created.status).toBe(201);
    const character = (await created.json()) as Character;
    expect(instance.logLines('api').filter((l) => l.correlation_id === 'start-test-1').map((l) => l.event)).toContain('character.created');

    // kill -9 the control plane: the supervisor restarts it and nothing is lost.
    const killed = instance.childPid('api', 'control plane');
    process.kill(killed, 'SIGKILL');
    await eventually(async () => (instance.childPid('api', 'control plane') !== killed ? true : undefined), 30_000, 'a restarted control plane');
    const listed = await eventually(async () => {
      const res = await fetch(`${web}/api/characters`);
      return res.ok ? ((await res.json()) as CharacterList) : undefined;
    }, 60_000);
    expect(listed.items.map((c) => c.id)).toContain(character.id);
    expect(first.output()).toMatch(/control plane exited unexpectedly \(SIGKILL\); restarting in 1 s/);

    // Ctrl-C: everything stops, in order, with exit status 0.
    const children = [instance.childPid('api', 'control plane'), instance.childPid('worker', 'GPU worker')];
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Isengard stopped.');
    for (const pid of children) expect(isProcessAlive(pid)).toBe(false);

    // Starting again finds the data intact.
    const second = await instance.start();
    expect(second.output()).not.toContain('Creating the database');
    const again = (await (await fetch(`${web}/api/characters/${character.id}`)).json()) as Character;
    expect(again.name).toBe('Survivor');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const report = validateLogTree(path.join(instance.root, 'logs'));
    expect(report.problems).toEqual([]);
    expect(report.lines).toBeGreaterThan(20);
  }, 300_000);
});
