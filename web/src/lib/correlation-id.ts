interface CryptoLike {
  getRandomValues(array: Uint8Array<ArrayBuffer>): unknown;
  randomUUID?: () => string;
}

/**
 * A fresh UUID v4 for `X-Correlation-ID`. `crypto.randomUUID` only exists in secure contexts (https or
 * localhost), and Isengard is often opened over plain http on a LAN, so fall back to `getRandomValues`.
 */
export function newCorrelationId(source: CryptoLike | undefined = globalThis.crypto): string {
  if (typeof source?.randomUUID === 'function') return source.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof source?.getRandomValues === 'function') source.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
