import { z } from 'zod';
import { DISGUISING, storable } from './text';
import { webhookSecretSchema, webhookUrlSchema } from './webhooks';

export const PASSWORD_RULES = { minLength: 10, maxLength: 200 } as const;

const newPassword = z
  .string({ error: 'Password must be text' })
  .min(PASSWORD_RULES.minLength, `Choose a password of at least ${PASSWORD_RULES.minLength} characters`)
  .max(PASSWORD_RULES.maxLength, `A password can be at most ${PASSWORD_RULES.maxLength} characters`)
  .check(storable());

export const loginInput = z.strictObject({
  password: z.string({ error: 'Password must be text' }).min(1, 'Enter the password').max(PASSWORD_RULES.maxLength).check(storable()),
});
export type LoginInput = z.infer<typeof loginInput>;

export const setupInput = z.strictObject({
  setupCode: z.string({ error: 'Setup code must be text' }).trim().min(1, 'Enter the setup code').max(100, 'That is not a setup code').check(storable()),
  password: newPassword,
});
export type SetupInput = z.infer<typeof setupInput>;

/** How long an API token may be given to live, in days (`expiresInDays`); left out, it lives until revoked. */
export const TOKEN_EXPIRY_DAYS = { min: 1, max: 3650 } as const;

export const tokenInput = z.strictObject({
  name: z
    .string({ error: 'Name must be text' })
    .trim()
    .min(1, 'Name the token')
    .max(80, 'A token name can be at most 80 characters')
    .check(storable())
    .refine((s) => !DISGUISING.test(s), 'A token name cannot contain control or text-direction characters'),
  expiresInDays: z
    .int('expiresInDays must be a whole number of days')
    .min(TOKEN_EXPIRY_DAYS.min, `expiresInDays must be at least ${TOKEN_EXPIRY_DAYS.min}`)
    .max(TOKEN_EXPIRY_DAYS.max, `expiresInDays can be at most ${TOKEN_EXPIRY_DAYS.max} (ten years)`)
    .optional(),
  /** Where this token's scripts hear of job ends, and the secret that signs those calls (shown this once). */
  webhook: z.strictObject({ url: webhookUrlSchema, secret: webhookSecretSchema }).optional(),
});
export type TokenInput = z.input<typeof tokenInput>;

/** An API token as lists show it: never the secret itself, only its first characters. */
export const apiTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The token's first characters, to tell tokens apart. */
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  /** When it stops working; null: until revoked. */
  expiresAt: z.iso.datetime().nullable(),
  /** Its webhook's URL; null: none. */
  webhookUrl: z.string().nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) });

/** The answer to `POST /api/auth/tokens`: the token itself, shown this once. */
export const createdApiTokenSchema = apiTokenSchema.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof createdApiTokenSchema>;

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
