import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { PROJECT_ROOT } from './project-root';

const base = { DATA_DIR: '/srv/isengard' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.mode).toBe('fast-test');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000, trustProxy: false });
    expect(config.disk).toEqual({ lowFreeMb: 10_240, reserveMb: 1_024 });
    expect(config.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      managed: true,
      namespace: 'isengard',
      uiUrl: 'http://127.0.0.1:8233',
    });
    expect(config.comfyui.url).toBe('http://127.0.0.1:8188');
    expect(config.log).toEqual({ level: 'INFO', dir: path.join(PROJECT_ROOT, 'logs'), maxFileBytes: 50 * 1024 * 1024 });
    expect(config.gpu.concurrency).toBe(1);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.storage.pg).toBe('/srv/isengard/pg');
    expect(config.aitoolkit).toEqual({
      path: path.join(PROJECT_ROOT, 'plugins', 'training', 'ai-toolkit', 'simulator'),
      python: 'python3',
      simulated: true,
    });
    expect(config.controlPlaneUrl).toBe('http://127.0.0.1:3000');
  });

  it('names the variable, the rule and the value on a bad value', () => {
    expect(problems({ ...base, PORT: 'abc' })).toEqual(['PORT must be a port number (got "abc")']);
    expect(problems({ ...base, TEMPORAL_UI_PORT: '70000' })).toEqual(['TEMPORAL_UI_PORT must be from 1 to 65535 (got "70000")']);
    expect(problems({ ...base, ISENGARD_MODE: 'prod' })[0]).toMatch(/^ISENGARD_MODE must be one of: fast-test, production \(got "prod"\)/);
    expect(problems({ ...base, LOG_LEVEL: 'verbose' })[0]).toMatch(/^LOG_LEVEL must be one of: DEBUG, INFO, WARN, ERROR/);
    expect(problems({ ...base, WORKER_CONCURRENCY: '0' })).toEqual(['WORKER_CONCURRENCY must be at least 1 (got "0")']);
  });

  it('reports every bad variable at once, and never echoes secrets', () => {
    const found = problems({ ...base, PORT: 'x', DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).not.toContain('hunter2');
    expect(found.find((p) => p.startsWith('DATABASE_URL'))).toBe('DATABASE_URL must be a postgres:// or postgresql:// URL');
  });

  it('runs everything on one host unless ISENGARD_ROLE names a part; a GPU worker elsewhere needs the way back', () => {
    expect(loadConfig(base).role).toBe('all');
    expect(loadConfig({ ...base, ISENGARD_ROLE: 'control-plane' }).role).toBe('control-plane');
    expect(problems({ ...base, ISENGARD_ROLE: 'gpu' })).toEqual(['ISENGARD_ROLE must be one of: all, control-plane, gpu-worker (got "gpu")']);
    expect(problems({ ...base, ISENGARD_ROLE: 'gpu-worker' })).toEqual([
      'ISENGARD_ROLE=gpu-worker needs TEMPORAL_ADDRESS: the Temporal server the control plane uses',
      'ISENGARD_ROLE=gpu-worker needs CONTROL_PLANE_URL: where this worker reports progress',
      "ISENGARD_ROLE=gpu-worker needs ISENGARD_INTERNAL_TOKEN: the control plane's, so its reports are accepted",
    ]);
    const worker = loadConfig({
      ...base,
      ISENGARD_ROLE: 'gpu-worker',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      CONTROL_PLANE_URL: 'https://isengard.example',
      ISENGARD_INTERNAL_TOKEN: 'a-long-enough-shared-secret',
    });
    expect([worker.role, worker.temporal.managed, worker.controlPlaneUrl]).toEqual(['gpu-worker', false, 'https://isengard.example']);
  });

  it('refuses ports that collide', () => {
    expect(problems({ ...base, PORT: '7233' })).toEqual(['PORT must differ from TEMPORAL_PORT and TEMPORAL_UI_PORT']);
    expect(problems({ ...base, TEMPORAL_UI_PORT: '7233' })).toEqual(['TEMPORAL_UI_PORT must differ from TEMPORAL_PORT']);
  });

  it('runs the pinned ai-toolkit checkout with its own Python in production', () => {
    expect(loadConfig({ ...base, ISENGARD_MODE: 'production' }).aitoolkit).toEqual({
      path: path.join(PROJECT_ROOT, 'vendor', 'ai-toolkit'),
      python: path.join(PROJECT_ROOT, 'vendor', 'ai-toolkit', 'venv', 'bin', 'python'),
      simulated: false,
    });
    expect(loadConfig({ ...base, AITOOLKIT_PATH: '/opt/aitk', AITOOLKIT_PYTHON: '/opt/py/bin/python' }).aitoolkit).toEqual({
      path: '/opt/aitk',
      python: '/opt/py/bin/python',
      simulated: false,
    });
  });

  it('adds COMFYUI_EXTRA_ARGS to ComfyUI\'s command line, after its script', () => {
    const checkout = path.join(PROJECT_ROOT, 'vendor', 'comfyui');
    expect(loadConfig({ ...base, ISENGARD_MODE: 'production' }).comfyui.command).toEqual({
      executable: path.join(checkout, 'venv', 'bin', 'python'),
      args: ['main.py'],
    });
    expect(loadConfig({ ...base, ISENGARD_MODE: 'production', COMFYUI_EXTRA_ARGS: ' --cpu  --cache-lru 4 ' }).comfyui.command.args).toEqual([
      'main.py',
      '--cpu',
      '--cache-lru',
      '4',
    ]);
    expect(loadConfig({ ...base, COMFYUI_EXTRA_ARGS: '--cpu' }).comfyui.command.args.slice(-2)).toEqual([
      path.join(PROJECT_ROOT, 'plugins', 'image', 'comfyui', 'simulator', 'server.ts'),
      '--cpu',
    ]);
    expect(problems({ ...base, COMFYUI_EXTRA_ARGS: 'cpu' })[0]).toMatch(/^COMFYUI_EXTRA_ARGS must be ComfyUI flags separated by spaces/);
  });

  it('lets GPU jobs run without a usable GPU only when ALLOW_CPU_ENGINES says so', () => {
    expect(loadConfig(base).gpu.allowCpu).toBe(false);
    expect(loadConfig({ ...base, ALLOW_CPU_ENGINES: '1' }).gpu.allowCpu).toBe(true);
    expect(loadConfig({ ...base, ALLOW_CPU_ENGINES: 'false' }).gpu.allowCpu).toBe(false);
    expect(problems({ ...base, ALLOW_CPU_ENGINES: 'maybe' })[0]).toMatch(/^ALLOW_CPU_ENGINES must be true or false/);
  });

  it('trusts a proxy only when TRUST_PROXY names one, by hop count or address', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ ...base, TRUST_PROXY: '' }).http.trustProxy).toBe(false);
    expect(problems({ ...base, TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY must be a number of proxies, or their addresses/);
  });

  it('takes the log size cap and the disk thresholds in megabytes', () => {
    const config = loadConfig({ ...base, LOG_MAX_FILE_MB: '5', DISK_LOW_FREE_MB: '2048', DISK_RESERVE_MB: '0' });
    expect(config.log.maxFileBytes).toBe(5 * 1024 * 1024);
    expect(config.disk).toEqual({ lowFreeMb: 2048, reserveMb: 0 });
    expect(problems({ ...base, LOG_MAX_FILE_MB: '0' })[0]).toMatch(/^LOG_MAX_FILE_MB /);
    expect(problems({ ...base, DISK_RESERVE_MB: 'lots' })).toEqual(['DISK_RESERVE_MB must be a number of megabytes (got "lots")']);
  });

  it('accepts log levels in any case', () => {
    expect(loadConfig({ ...base, LOG_LEVEL: 'debug' }).log.level).toBe('DEBUG');
  });

  it('uses an external Temporal when TEMPORAL_ADDRESS is set, with TLS when an API key is given', () => {
    const config = loadConfig({ ...base, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123456' });
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', managed: false, tls: true, uiUrl: undefined });
    expect(problems({ ...base, TEMPORAL_ADDRESS: 'no-port' })[0]).toMatch(/^TEMPORAL_ADDRESS must be host:port/);
    expect(problems({ ...base, TEMPORAL_TLS_CERT: 'c.pem' })).toEqual(['TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together']);
  });

  it('collects secret values for log redaction', () => {
    const config = loadConfig({
      ...base,
      HF_TOKEN: 'hf_abcdefghij',
      ISENGARD_PASSWORD: 'correct horse',
      DATABASE_URL: 'postgres://me:s3cr%40t@db:5432/isengard',
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['hf_abcdefghij', 'correct horse', 's3cr@t']));
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ ...base, DATABASE_URL: '', TEMPORAL_ADDRESS: '  ' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal.managed).toBe(true);
  });

  it('derives a GPU worker id from the host and the visible GPU', () => {
    expect(loadConfig({ ...base, CUDA_VISIBLE_DEVICES: '3' }).gpu.workerId).toMatch(/-gpu3$/);
    expect(loadConfig({ ...base, GPU_WORKER_ID: 'pod-a' }).gpu.workerId).toBe('pod-a');
    expect(problems({ ...base, GPU_WORKER_ID: 'bad id!' })[0]).toMatch(/^GPU_WORKER_ID must be letters/);
  });
});
