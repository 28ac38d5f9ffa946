import { z } from 'zod';

export const PASSWORD_RULES = { minLength: 10, maxLength: 200 } as const;

const newPassword = z
  .string({ error: 'Password must be text' })
  .min(PASSWORD_RULES.minLength, `Choose a password of at least ${PASSWORD_RULES.minLength} characters`)
  .max(PASSWORD_RULES.maxLength, `A password can be at most ${PASSWORD_RULES.maxLength} characters`);

export const loginInput = z.strictObject({
  password: z.string({ error: 'Password must be text' }).min(1, 'Enter the password').max(PASSWORD_RULES.maxLength),
});
export type LoginInput = z.infer<typeof loginInput>;

export const setupInput = z.strictObject({
  setupCode: z.string({ error: 'Setup code must be text' }).trim().min(1, 'Enter the setup code'),
  password: newPassword,
});
export type SetupInput = z.infer<typeof setupInput>;

export const tokenInput = z.strictObject({
  name: z.string({ error: 'Name must be text' }).trim().min(1, 'Name the token').max(80, 'A token name can be at most 80 characters'),
});

/** Who the browser is: whether this instance wants a login, and the CSRF token that goes with the session. */
export const sessionSchema = z.object({
  authRequired: z.boolean(),
  authenticated: z.boolean(),
  principal: z.string().nullable(),
  csrfToken: z.string().nullable(),
  /** No admin password yet: the first visitor chooses one with the setup code from the server log. */
  setupRequired: z.boolean(),
});
export type Session = z.infer<typeof sessionSchema>;

/** The answer to a login or setup: the session has started. */
export const sessionStartedSchema = z.object({ authenticated: z.literal(true), csrfToken: z.string() });
