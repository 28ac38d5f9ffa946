import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact';

describe('createRedactor', () => {
  const redact = createRedactor(['correct horse', 'a"quoted\\secret']);

  it.each([
    ['token hf_AbCdEf123456 used', 'token hf_***REDACTED*** used'],
    ['key sk-proj-abc123XYZ', 'key sk-***REDACTED***'],
    ['/home/alice/models/x', '/[HOME]/models/x'],
    ['/Users/bob/Desktop/a.png', '/[HOME]/Desktop/a.png'],
    ['GET /x?token=abc123&y=1', 'GET /x?token=***&y=1'],
    ['postgres password=hunter2 host=db', 'postgres password=*** host=db'],
    ['the password is correct horse!', 'the password is ***REDACTED***!'],
    ['token isg_Q2xpZW50VG9rZW5fMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u-_x in client.log', 'token isg_***REDACTED*** in client.log'],
    ['Authorization: Bearer abc.def-123456789', 'Authorization: Bearer ***'],
    ['GET /cb?access_token=abc123&state=1', 'GET /cb?access_token=***&state=1'],
    ['DB_PASSWORD=hunter2 api_key=k-123 secret=s3', 'DB_PASSWORD=*** api_key=*** secret=***'],
    ['{"context":{"password":"hunter2","token":"t\\"q","other":"x"}}', '{"context":{"password":"***","token":"***","other":"x"}}'],
    ['postgres://isengard:s3cr3t@db:5432/isengard', 'postgres://isengard:***@db:5432/isengard'],
    ['task-queue isengard-gpu.host-gpu0 and mask-abcdefgh stay', 'task-queue isengard-gpu.host-gpu0 and mask-abcdefgh stay'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('finds a configured secret inside a serialized JSON line, escaped', () => {
    const line = JSON.stringify({ message: 'x', context: { value: 'a"quoted\\secret' } });
    expect(redact(line)).not.toContain('quoted');
    expect(JSON.parse(redact(line)).context.value).toBe('***REDACTED***');
  });

  it('removes the parameter values of a failed query copied into a line', () => {
    const message = 'Control worker stopped: Failed query: insert into "generations" ("id", "prompt") values ($1, $2)\nparams: 3f2b,my "private" prompt';
    const line = JSON.stringify({ message, context: { n: 1 } });
    const out = redact(line);
    expect(out).not.toContain('private');
    expect(JSON.parse(out)).toEqual({
      message: 'Control worker stopped: Failed query: insert into "generations" ("id", "prompt") values ($1, $2)\nparams: [not logged]',
      context: { n: 1 },
    });
  });

  it('removes them from a line that holds only the values (the message split into lines by a console)', () => {
    const line = JSON.stringify({ level: 'INFO', message: 'params: 3f2b,my "private" prompt', context: {} });
    expect(JSON.parse(redact(line))).toEqual({ level: 'INFO', message: 'params: [not logged]', context: {} });
  });

  it('leaves ordinary lines alone', () => {
    const line = '{"message":"GET /api/characters → 200","context":{"path":"/root/app"}}';
    expect(redact(line)).toBe(line);
  });
});
