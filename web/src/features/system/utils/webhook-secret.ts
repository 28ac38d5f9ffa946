/** Random bytes in a generated webhook secret: 256 bits, well above the contract's minimum length once encoded. */
const SECRET_BYTES = 32;

/** A fresh webhook signing secret: 32 random bytes in base64url (43 characters, safe to paste anywhere). */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
