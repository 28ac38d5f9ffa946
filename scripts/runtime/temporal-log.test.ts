import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger/logger';
import { logLineSchema } from '../../lib/logger/schema';
import { relogTemporalLine } from './temporal-log';
import { terminalLine } from './terminal';

function capture(secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _e, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ service: 'temporal', level: 'DEBUG', stream, secrets }), lines };
}

describe('relogTemporalLine', () => {
  it('turns zap and slog JSON lines of the dev server into lines of our schema', () => {
    const { logger, lines } = capture();
    expect(relogTemporalLine(logger, '{"level":"warn","ts":"2026-11-23T20:00:00Z","msg":"slow","shard-id":3}')).toEqual({
      level: 'WARN',
      text: 'slow',
    });
    relogTemporalLine(logger, '{"time":"2026-11-23T20:00:01Z","level":"ERROR","msg":"dial error","service":"client"}');
    expect(lines.map((l) => logLineSchema.parse(l))).toMatchObject([
      { service: 'temporal', level: 'WARN', event: 'temporal.server', message: 'slow', context: { 'shard-id': 3, serverTime: '2026-11-23T20:00:00Z' } },
      { level: 'ERROR', message: 'dial error', context: { service: 'client' } },
    ]);
  });

  it('keeps the plain start-up banner as output lines', () => {
    const { logger, lines } = capture();
    relogTemporalLine(logger, 'Temporal Server:      localhost:7233');
    expect(logLineSchema.parse(lines[0])).toMatchObject({ event: 'temporal.output', message: 'Temporal Server:      localhost:7233' });
  });
});

describe('relogTemporalLine and secrets', () => {
  it('redacts the line it writes and the text it returns for the terminal', () => {
    const { logger, lines } = capture(['the-api-key-of-temporal-cloud']);
    const secrets = 'hf_AbCdEf123456 sk-proj-abc123XYZ isg_abcdefghijklmnop /home/alice/x token=t0k password=pw the-api-key-of-temporal-cloud';
    const json = relogTemporalLine(logger, JSON.stringify({ level: 'error', ts: 't', msg: `dial failed ${secrets}`, 'api-key': 'the-api-key-of-temporal-cloud' }));
    const banner = relogTemporalLine(logger, `panic: ${secrets}`);
    for (const text of [JSON.stringify(lines), json.text, banner.text]) {
      for (const secret of ['AbCdEf123456', 'abc123XYZ', 'abcdefghijklmnop', 'alice', 't0k', '=pw', 'the-api-key-of-temporal-cloud']) {
        expect(text).not.toContain(secret);
      }
    }
    expect(json.text).toBe('dial failed hf_***REDACTED*** sk-***REDACTED*** isg_***REDACTED*** /[HOME]/x token=*** password=*** ***REDACTED***');
  });
});

describe('terminalLine', () => {
  const line = (level: string) => JSON.stringify({ level, timestamp: '2026-11-23T20:19:05.000Z', message: 'hello' });

  it('shows warnings and errors compactly and hides the rest', () => {
    expect(terminalLine(line('WARN'), 'api')).toBe('  20:19:05 WARN  api | hello');
    expect(terminalLine(line('INFO'), 'api')).toBeUndefined();
    expect(terminalLine(line('INFO'), 'api', 'DEBUG')).toBe('  20:19:05 INFO  api | hello');
  });

  it('passes through what is not JSON (a crash trace, say)', () => {
    expect(terminalLine('TypeError: boom', 'gpu')).toBe('  gpu | TypeError: boom');
  });
});
