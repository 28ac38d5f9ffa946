import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { FACE_API, FACE_API_PACKAGES } from './meta';

const require = createRequire(import.meta.url);

describe('face-api scorer metadata', () => {
  it('names the package versions that package.json pins and node_modules holds', () => {
    const project = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, version] of Object.entries(FACE_API_PACKAGES)) {
      expect(project.dependencies[name], name).toBe(version);
      const installed = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
      expect(installed.version, name).toBe(version);
    }
    expect(FACE_API.model).toContain(`face-api ${FACE_API_PACKAGES['@vladmandic/face-api']}`);
  });
});
