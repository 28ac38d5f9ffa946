import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Health } from '../lib/contracts/health';
import { AllInOneInstance } from './helpers/all-in-one';
import { eventually } from './helpers/stack';

/**
 * `ISENGARD_MODE=production npm start` on a machine without the engines, their Pythons, weights or a GPU (this
 * one): everything comes up, nothing crash-loops, and health says exactly what is missing.
 */
describe('npm start in production mode without engines', () => {
  const instance = new AllInOneInstance();
  afterAll(() => instance.cleanup());

  it('comes up degraded with the reasons, not a crash', { timeout: 180_000 }, async () => {
    const vendor = path.join(instance.root, 'vendor');
    await instance.prepare({ ISENGARD_MODE: 'production', COMFYUI_PATH: path.join(vendor, 'ComfyUI'), AITOOLKIT_PATH: path.join(vendor, 'ai-toolkit') });
    const running = await instance.start();
    // The terminal says so too.
    expect(running.output()).toContain('Isengard is running but not fully healthy (degraded):');
    expect(running.output()).toMatch(/- engines: ai-toolkit on/);

    const health = await eventually(async () => {
      const res = await fetch(`${instance.url}/api/health`);
      const body = (await res.json()) as Health;
      return body.checks.engines.message.startsWith('No running GPU worker') ? undefined : body;
    }, 60_000, 'the GPU worker to report its engines');
    expect(health.status).toBe('degraded');
    expect(health.mode).toBe('production');
    expect(health.checks.database.ok).toBe(true);
    expect(health.checks.temporal.ok).toBe(true);
    expect(health.checks.workers.ok).toBe(true);
    expect(health.checks.engines.ok).toBe(false);
    // Each engine says what is missing, in words an operator can act on.
    expect(health.checks.engines.message).toMatch(/ai-toolkit on [\w-]+: .*not (installed|found)/i);
    expect(health.checks.engines.message).toMatch(/ComfyUI on [\w-]+: .*not (installed|found)/i);
    expect(health.checks.engines.message).toMatch(/scripts\/vendor\/sync/);
    expect(health.checks.models).toEqual({ ok: false, message: expect.stringMatching(/^Not downloaded yet: FLUX\.1-dev, .*Download them on the Models page\.$/) });

    // Still up a while later: no process died and got restarted. Only time can show that nothing happened; 5 s spans
    // the GPU worker's periodic work (status reports every few seconds) and the supervisor's first 1 s restart delay.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(running.child.exitCode).toBeNull();
    expect(running.output()).not.toMatch(/exited unexpectedly/);
    expect((await fetch(`${instance.url}/api/health`)).status).toBe(200);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
