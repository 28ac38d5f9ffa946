/**
 * Redaction applied to every serialized log line before it is written (design §8), by every writer: the API, the
 * workers, the engines' subprocess logs, the browsers' client log and the Temporal dev server's log all go through
 * `createLogger`. Works on the JSON text, so it covers the message, the context and nested values alike.
 */
const RULES: Array<[RegExp, string]> = [
  // Tokens by their prefix: Hugging Face, OpenAI-style keys, Isengard's own API tokens. Not inside a longer word
  // ("task-queue" is no key).
  [/(?<![A-Za-z0-9])hf_[A-Za-z0-9]{6,}/g, 'hf_***REDACTED***'],
  [/(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{6,}/g, 'sk-***REDACTED***'],
  [/(?<![A-Za-z0-9])isg_[A-Za-z0-9_-]{6,}/g, 'isg_***REDACTED***'],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1***'],
  [/\/(?:Users|home)\/[^/\s"\\]+\//g, '/[HOME]/'],
  // key=value forms: token=, access_token=, password=, db_password=, api_key=, secret=.
  [/\b([A-Za-z0-9_]*(?:token|password|passwd|api_?key|secret)=)[^\s&"\\,;]+/gi, '$1***'],
  // JSON fields named like a secret: "password":"…".
  [/("(?:password|passwd|token|secret|api_?key|authorization|cookie)":)"(?:[^"\\]|\\.)*"/gi, '$1"***"'],
  // Credentials in a URL: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"\\]+:)[^\s@/"\\]+@/gi, '$1***@'],
  // A failed query's parameter values (drizzle: "Failed query: <sql>\nparams: <values>"), wherever such a message
  // was copied into a line; lib/logger/errors.ts removes them from errors before they get here.
  [/(Failed query: (?:[^"\\]|\\.)*?(?:\\n|\n)params: )(?!\[not logged\])(?:[^"\\\n]|\\.)*/g, '$1[not logged]'],
  // The same message split into lines (a process's stderr or an engine's console, logged line by line): the line
  // of the values on its own.
  [/("message":"params: )(?!\[not logged\])(?:[^"\\]|\\.)*/g, '$1[not logged]'],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the redactor; `secrets` are configured values (tokens, passwords) removed wherever they appear. */
export function createRedactor(secrets: readonly string[] = []): (line: string) => string {
  const forms = [...new Set(secrets)]
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
