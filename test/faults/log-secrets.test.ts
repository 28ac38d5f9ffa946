import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { LogEntry } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../api/control-plane';
import type { DatabaseHandle } from '../../db/client';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger, logFilePath, type Logger } from '../../lib/logger/logger';
import { createServiceLogger } from '../../lib/process';
import { PROJECT_ROOT } from '../../lib/project-root';
import { forwardSdkEntry, installSdkLogger } from '../../lib/temporal/sdk-logger';
import { ensureNamespace, ensureSearchAttributes } from '../../lib/temporal/setup';
import { ConsoleParser } from '../../plugins/training/ai-toolkit/console-parser';
import { relogTemporalLine } from '../../scripts/runtime/temporal-log';
import { validateLogTree } from '../../scripts/logs/validate';
import { freePort } from '../../temporal-dev/dev-server';
import { openTestDatabase } from '../helpers/databases';
import { request } from '../helpers/http';

/**
 * Every rule of design §8's redaction against every writer of logs/: the API, the control and GPU workers (and the
 * Temporal SDK's lines they forward), the engines' subprocess logs, the browsers' client log and the Temporal dev
 * server's log. Each writer is built the way its entry point builds it, with the configuration's secrets; each gets
 * every kind of secret in its message, its context and an error; then every file is searched for the values.
 */

const CONFIGURED = {
  HF_TOKEN: 'hf_ConfiguredHuggingFaceToken123',
  ISENGARD_PASSWORD: 'configured admin password',
  ISENGARD_INTERNAL_TOKEN: 'configured-internal-token-4f9a',
  DATABASE_URL: 'postgres://isengard:configured-db-password@127.0.0.1:1/isengard',
};
const API_TOKEN = `isg_${'Q2xpZW50VG9rZW4tMTIzNDU2Nzg5MGFiY2RlZmdoaWpr'.slice(0, 43)}`;
const PROMPT = 'a private prompt: my sister Alice at 12 Hidden Lane';

/** Every kind of secret, as text a line might carry. */
const SECRETS_TEXT = [
  'hf_AbCdEfGhIjKlMnOp123',
  'sk-proj-AbCdEf123456789',
  API_TOKEN,
  `Authorization: Bearer ${API_TOKEN}`,
  '/home/alice/models/x.safetensors',
  '/Users/bob/Desktop/photo.jpg',
  'GET /cb?token=tok-value-123&x=1',
  'password=pw-value-123',
  CONFIGURED.ISENGARD_PASSWORD,
  CONFIGURED.ISENGARD_INTERNAL_TOKEN,
  CONFIGURED.HF_TOKEN,
  CONFIGURED.DATABASE_URL,
].join(' | ');

/** What must appear in no file: the values themselves. */
const NEEDLES = [
  'AbCdEfGhIjKlMnOp123',
  'AbCdEf123456789',
  API_TOKEN.slice(4),
  'alice',
  'bob',
  'tok-value-123',
  'pw-value-123',
  CONFIGURED.ISENGARD_PASSWORD,
  CONFIGURED.ISENGARD_INTERNAL_TOKEN,
  'ConfiguredHuggingFaceToken123',
  'configured-db-password',
  'Hidden Lane',
];

function queryError(): DrizzleQueryError {
  const id = randomUUID();
  return new DrizzleQueryError('insert into "generations" ("id", "prompt") values ($1, $2)', [id, PROMPT], new Error('value too long for type character varying(2000)'));
}

/** Every `*.log` under the log root, with its text. */
function logFiles(root: string): Array<[string, string]> {
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.log'))
    .map((f) => [f, readFileSync(path.join(root, f), 'utf8')]);
}

describe('secrets never reach a log file, whichever process writes it', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isengard-secrets-'));
  let config: Config;
  let db: DatabaseHandle;
  let plane: ControlPlane;
  let loggers: { api: Logger; worker: Logger; client: Logger; supervisorApi: Logger; temporal: Logger };
  const stdout: string[] = [];

  beforeAll(async () => {
    const env = {
      ISENGARD_MODE: 'fast-test',
      DATA_DIR: path.join(root, 'data'),
      LOG_DIR: path.join(root, 'logs'),
      LOG_LEVEL: 'DEBUG',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: `test-${randomUUID().slice(0, 8)}`,
      WORKFLOW_BUNDLE: inject('workflowBundle'),
      PORT: String(await freePort()),
      ...CONFIGURED,
    };
    process.env.WORKFLOW_BUNDLE = env.WORKFLOW_BUNDLE;
    config = loadConfig(env);
    expect(config.secrets).toEqual(expect.arrayContaining(['configured-db-password', CONFIGURED.ISENGARD_PASSWORD]));
    // The lines the processes print for the supervisor (stdout: true) are checked as well.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    loggers = {
      // api/main.ts and the GPU worker's activities/gpu/main.ts: createServiceLogger.
      api: createServiceLogger(config, 'api'),
      worker: createServiceLogger(config, 'worker'),
      // api/main.ts: the client log.
      client: createLogger({ service: 'web', file: 'client', level: 'DEBUG', dir: config.log.dir, secrets: config.secrets }),
      // scripts/runtime/start.ts: the supervisor's loggers (its notes, children's stderr, the Temporal dev server).
      supervisorApi: createLogger({ service: 'api', level: config.log.level, dir: config.log.dir, secrets: config.secrets }),
      temporal: createLogger({ service: 'temporal', level: config.log.level, dir: config.log.dir, secrets: config.secrets }),
    };
    // The Temporal SDK's own lines (worker, activities) go to the worker log, as in the control plane's entry point.
    installSdkLogger(loggers.worker);
    const connection = await Connection.connect({ address: config.temporal.address });
    await ensureNamespace(connection, config.temporal.namespace, loggers.api);
    await ensureSearchAttributes(connection, config.temporal.namespace, loggers.api);
    await connection.close();
    db = await openTestDatabase('pglite');
    plane = await startControlPlane({ config, apiLogger: loggers.api, workerLogger: loggers.worker, clientLogger: loggers.client, db });
  });

  afterAll(async () => {
    await plane?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('through the API, the workers, the engine subprocess logs, the client log and the Temporal log', async () => {
    const stack = { plane } as Parameters<typeof request>[0];

    // API: a request whose path carries secrets, and a browser's error report full of them.
    await request(stack, `/api/characters/${encodeURIComponent('hf_AbCdEfGhIjKlMnOp123')}?token=tok-value-123`, {
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    });
    const reported = await request(stack, '/api/client-logs', {
      method: 'POST',
      body: { level: 'error', event: 'client.error', message: SECRETS_TEXT.slice(0, 1000), stack: SECRETS_TEXT, route: '/home/alice/' },
    });
    expect(reported.status).toBe(204);

    // Every logger: in the message, the context and an error with a cause, and a failed query's parameters.
    const error = new Error(`outer ${SECRETS_TEXT}`, { cause: queryError() });
    for (const logger of Object.values(loggers)) {
      logger.error('secrets.test', `message ${SECRETS_TEXT}`, { detail: SECRETS_TEXT, nested: { deeper: [SECRETS_TEXT] }, error, password: 'pw-value-123' });
      logger.warn('secrets.test', `copied into the text: ${queryError().message}`);
    }

    // The control and GPU workers forward the Temporal SDK's lines: an activity that failed on a query.
    const entry: LogEntry = { level: 'WARN', message: 'Activity failed', timestampNanos: 0n, meta: { error: queryError(), sdkComponent: 'activity' } };
    forwardSdkEntry(loggers.worker, entry);

    // The supervisor writes a child's stderr to the service's log (scripts/runtime/start.ts).
    loggers.supervisorApi.warn('process.stderr', `Error: ${SECRETS_TEXT}`, { child: 'control plane' });

    // An engine subprocess: its console lines go through the training adapter's parser into its own log files,
    // built the way activities/gpu/train.ts builds them.
    const subprocessLog = (stream: 'stdout' | 'stderr') =>
      createLogger({ service: 'worker', file: path.join('subprocess', `run-1.${stream}`), level: 'DEBUG', dir: config.log.dir, secrets: config.secrets });
    const logs = { stdout: subprocessLog('stdout'), stderr: subprocessLog('stderr') };
    const parser = new ConsoleParser('run-1', () => undefined, (stream, record) => logs[stream].info(`engine.${stream}`, record, { runId: 'run-1', stream }));
    const engine = spawn(process.execPath, ['-e', 'console.log(process.argv[1]); console.error(process.argv[1]); console.log(process.argv[2])', SECRETS_TEXT, queryError().message], {
      cwd: PROJECT_ROOT,
    });
    engine.stdout.setEncoding('utf8').on('data', (chunk: string) => parser.stdout(chunk));
    engine.stderr.setEncoding('utf8').on('data', (chunk: string) => parser.stderr(chunk));
    await new Promise((resolve) => engine.on('close', resolve));
    parser.end();

    // The Temporal dev server: a JSON line and a plain one (a panic), as the supervisor re-logs them.
    const shown = [
      relogTemporalLine(loggers.temporal, JSON.stringify({ level: 'error', ts: '2026-12-07T10:00:00Z', msg: `dial failed ${SECRETS_TEXT}`, 'api-key': CONFIGURED.ISENGARD_INTERNAL_TOKEN })),
      relogTemporalLine(loggers.temporal, `panic: ${SECRETS_TEXT}`),
    ];

    // A failed database write through the API: the database refuses the insert (a constraint added for the test),
    // whose parameters hold the character's notes.
    await db.db.execute(sql`alter table characters add constraint notes_refused check (notes not like '%Hidden Lane%')`);
    const failed = await request(stack, '/api/characters', { method: 'POST', body: { name: 'Alice', notes: PROMPT } });
    expect(failed.status).toBe(500);

    const files = logFiles(config.log.dir);
    const names = files.map(([name]) => name);
    for (const expected of ['api/latest/api.log', 'worker/latest/worker.log', 'web/latest/client.log', 'temporal/latest/temporal.log', 'worker/latest/subprocess/run-1.stdout.log', 'worker/latest/subprocess/run-1.stderr.log']) {
      expect(names).toContain(expected);
    }
    for (const [name, text] of [...files, ['stdout', stdout.join('')] as [string, string], ['terminal', shown.map((s) => s.text).join('\n')] as [string, string]]) {
      for (const needle of NEEDLES) expect(text.includes(needle), `${needle} in ${name}`).toBe(false);
    }

    // What stays: the redacted forms, the shape of the failed statement and the lines' schema.
    const all = files.map(([, text]) => text).join('\n');
    for (const form of ['hf_***REDACTED***', 'sk-***REDACTED***', 'isg_***REDACTED***', '/[HOME]/', 'token=***', 'password=***', '***REDACTED***', 'params: [not logged]']) {
      expect(all).toContain(form);
    }
    const refused = readFileSync(logFilePath(config.log.dir, 'api'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; message: string; context: { error?: { query?: string } } })
      .find((l) => l.event === 'request.error' && l.context.error?.query?.startsWith('insert into "characters"'));
    expect(refused?.message).toMatch(/^Unhandled error on POST \/api\/characters: Failed query: insert into "characters" .*\nparams: \[not logged\]$/s);
    expect(readFileSync(logFilePath(config.log.dir, 'worker', 'subprocess/run-1.stdout'), 'utf8')).toContain('hf_***REDACTED***');
    expect(validateLogTree(config.log.dir).problems).toEqual([]);
  });

  it('every product writer of a log file is given the configured secrets', () => {
    // A writer created without them would redact the patterns but not the configured values.
    const sources = ['api', 'activities', 'lib', 'scripts', 'plugins', 'workflows'].flatMap((dir) =>
      readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true })
        .map(String)
        .filter((f) => /\.(ts|mts)$/.test(f) && !/\.test\.ts$/.test(f) && !f.startsWith(path.join('logger', '')))
        .map((f) => path.join(dir, f)),
    );
    const calls: string[] = [];
    for (const file of sources) {
      const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      for (let at = text.indexOf('createLogger({'); at >= 0; at = text.indexOf('createLogger({', at + 1)) {
        let depth = 0;
        let end = at + 'createLogger'.length;
        for (; end < text.length; end++) {
          if (text[end] === '(') depth++;
          else if (text[end] === ')' && --depth === 0) break;
        }
        const call = text.slice(at, end);
        if (/\bdir\b/.test(call)) calls.push(`${file}: ${/\bsecrets\b/.test(call) ? 'ok' : 'NO SECRETS'}`);
      }
    }
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.filter((c) => c.endsWith('NO SECRETS'))).toEqual([]);
  });
});
