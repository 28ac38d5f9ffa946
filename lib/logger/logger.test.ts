import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { withCorrelationId } from './correlation';
import { createLogger } from './logger';
import { logLineSchema } from './schema';

function capture(level: 'DEBUG' | 'INFO' = 'DEBUG', secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ service: 'api', level, stream, secrets });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes lines that follow the observability standard', () => {
    const { logger, lines } = capture();
    logger.info('request.start', 'GET /api/health', { method: 'GET' });
    expect(lines).toHaveLength(1);
    expect(logLineSchema.parse(lines[0])).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'INFO',
      service: 'api',
      correlation_id: null,
      message: 'GET /api/health',
      event: 'request.start',
      context: { method: 'GET' },
    });
  });

  it('takes the correlation id from the async context, or from a child binding', async () => {
    const { logger, lines } = capture();
    await withCorrelationId('req-1', async () => {
      await new Promise((r) => setImmediate(r)); // a later turn of the event loop: the id must follow
      logger.info('job.progress', 'deep inside');
    });
    logger.child({ correlationId: 'job-7', context: { runId: 'r' } }).warn('engine.exit', 'done', { code: 0 });
    expect(lines.map((l) => l.correlation_id)).toEqual(['req-1', 'job-7']);
    expect(lines[1]).toMatchObject({ level: 'WARN', context: { runId: 'r', code: 0 } });
  });

  it('serializes errors with their cause', () => {
    const { logger, lines } = capture();
    logger.error('request.error', 'boom', { error: new Error('outer', { cause: new Error('inner') }) });
    expect(lines[0]!.context).toMatchObject({ error: { name: 'Error', message: 'outer', cause: { message: 'inner' } } });
  });

  it('replaces a malformed event name rather than writing an invalid line', () => {
    const { logger, lines } = capture();
    logger.info('Not An Event', 'x');
    expect(lines[0]!.event).toBe('log.unnamed');
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('INFO');
    logger.debug('job.progress', 'hidden');
    logger.info('job.progress', 'shown');
    expect(lines.map((l) => l.message)).toEqual(['shown']);
  });

  it('redacts secrets before anything is written', () => {
    const { logger, lines } = capture('DEBUG', ['super-secret-value']);
    logger.info('config.loaded', 'token hf_abcdefghijk', { url: 'https://x?token=abc', pw: 'super-secret-value' });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('hf_abcdefghijk');
    expect(text).not.toContain('super-secret-value');
    expect(text).toContain('token=***');
  });

  it('logs a failed query with its statement and row id, never its parameter values', () => {
    const { logger, lines } = capture();
    const id = '3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9f8c7d';
    const query = 'update "generations" set "prompt" = $1 where "generations"."id" = $2';
    const err = new DrizzleQueryError(query, ['a very private prompt', id], Object.assign(new Error('value too long'), { code: '22001' }));
    logger.error('request.error', `Unhandled error: ${err.message}`, { error: err });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('very private');
    expect(lines[0]!.context).toMatchObject({ error: { query, rowId: id, message: `Failed query: ${query}\nparams: [not logged]`, cause: { code: '22001' } } });
    // Even where the message was copied into the line's text, the redaction takes the values out.
    expect(lines[0]!.message).toBe(`Unhandled error: Failed query: ${query}\nparams: [not logged]`);
  });
});
