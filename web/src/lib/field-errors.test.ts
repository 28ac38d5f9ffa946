import { describe, expect, it } from 'vitest';
import { loginInput } from '../../../lib/contracts/auth';
import { createCharacterInput } from '../../../lib/contracts/characters';
import { contractErrors } from './field-errors';

describe('contractErrors (a form checked against its contract before sending)', () => {
  it('spreads what the API would refuse over the fields, as its answer would be', () => {
    expect(contractErrors(createCharacterInput, { name: '' }, ['name', 'triggerWord', 'notes'] as const)).toEqual({ fields: { name: 'Name cannot be empty' } });
    expect(contractErrors(loginInput, { password: '' }, ['password'] as const)).toEqual({ fields: { password: 'Enter the password' } });
  });

  it('is null for what the API accepts', () => {
    expect(contractErrors(createCharacterInput, { name: 'Ada' }, ['name'] as const)).toBeNull();
  });
});
