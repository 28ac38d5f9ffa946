/**
 * Redaction applied to every serialized log line before it is written (design §8).
 * Works on the JSON text, so it covers the message, the context and nested values alike.
 */
const RULES: Array<[RegExp, string]> = [
  [/hf_[A-Za-z0-9]{6,}/g, 'hf_***REDACTED***'],
  [/sk-[A-Za-z0-9_-]{6,}/g, 'sk-***REDACTED***'],
  [/\/(?:Users|home)\/[^/\s"\\]+\//g, '/[HOME]/'],
  [/\b(token=)[^\s&"\\,;]+/gi, '$1***'],
  [/\b(password=)[^\s&"\\,;]+/gi, '$1***'],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the redactor; `secrets` are configured values (tokens, passwords) removed wherever they appear. */
export function createRedactor(secrets: readonly string[] = []): (line: string) => string {
  const forms = secrets
    .filter((s) => s.length >= 4)
    // A secret with quotes or backslashes appears JSON-escaped inside a serialized line.
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  const secretPattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : null;
  return (line) => {
    let out = secretPattern ? line.replace(secretPattern, '***REDACTED***') : line;
    for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
    return out;
  };
}
