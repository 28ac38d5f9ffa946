import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * A full disk while a generation writes its images: a 64 KiB tmpfs mounted over outputs/ (root can mount in this
 * sandbox and in CI; a real full volume behaves the same for the writer: ENOSPC).
 */
describe('the disk full while writing outputs', () => {
  let stack: TestStack;
  let mounted = '';
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    mounted = stack.config.storage.outputs;
    mkdirSync(mounted, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mounted]);
    await stack.startGpuWorker('gpu-full');
  });
  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    if (mounted) execFileSync('umount', ['-l', mounted]);
  });

  it('fails the generation with a clear reason, keeps no image (not even half of one), and the server stays healthy', async () => {
    const generation = await generate(stack, { prompt: 'too big for the disk', seed: 2, steps: 2, aspect: 'square' });
    const failed = await waitForGeneration(stack, generation.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'disk_full',
      message: 'The disk is full: the images could not be saved. Free some space, then re-run this generation.',
    });
    expect(failed.outputs).toEqual([]);
    // A generation that did not complete keeps no image, whole or half-written.
    expect(existsSync(path.join(mounted, generation.id))).toBe(false);
    expect((await request(stack, '/api/characters')).status).toBe(200);
  });
});
