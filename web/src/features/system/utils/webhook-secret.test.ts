import { describe, expect, it } from 'vitest';
import { webhookSecretSchema } from '../../../../../lib/contracts/webhooks';
import { generateWebhookSecret } from './webhook-secret';

describe('generateWebhookSecret', () => {
  it('makes a base64url secret the webhook contract accepts, different each time', () => {
    const first = generateWebhookSecret();
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(webhookSecretSchema.safeParse(first).success).toBe(true);
    expect(generateWebhookSecret()).not.toBe(first);
  });
});
