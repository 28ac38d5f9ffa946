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
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('finds a configured secret inside a serialized JSON line, escaped', () => {
    const line = JSON.stringify({ message: 'x', context: { value: 'a"quoted\\secret' } });
    expect(redact(line)).not.toContain('quoted');
    expect(JSON.parse(redact(line)).context.value).toBe('***REDACTED***');
  });

  it('leaves ordinary lines alone', () => {
    const line = '{"message":"GET /api/characters → 200","context":{"path":"/root/app"}}';
    expect(redact(line)).toBe(line);
  });
});
