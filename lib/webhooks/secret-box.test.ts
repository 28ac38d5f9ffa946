import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from './secret-box';

describe('webhook secrets sealed at rest', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'isengard-secret-box-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('seals a secret so the stored text does not contain it, and opens it again', () => {
    const sealed = sealSecret(root, 'my-receiver-secret-123');
    expect(sealed).not.toContain('my-receiver-secret-123');
    expect(sealed).toMatch(/^v1\./);
    expect(openSecret(root, sealed)).toBe('my-receiver-secret-123');
    expect(sealSecret(root, 'my-receiver-secret-123')).not.toBe(sealed);
  });

  it('keeps its key on the data root, readable by the owner only', () => {
    sealSecret(root, 'x'.repeat(16));
    const key = path.join(root, '.webhook-key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot open what another key sealed, nor a damaged seal', () => {
    const sealed = sealSecret(root, 'my-receiver-secret-123');
    expect(openSecret(root, `${sealed.slice(0, -2)}AA`)).toBeUndefined();
    writeFileSync(path.join(root, '.webhook-key'), 'ab'.repeat(32));
    expect(openSecret(root, sealed)).toBeUndefined();
  });
});
