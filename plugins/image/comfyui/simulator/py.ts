/**
 * Python value semantics for the ComfyUI simulator.
 *
 * ComfyUI is Python: it parses request bodies with `json.loads` (ordered dicts, ints distinct from floats, arbitrary
 * precision ints such as the seed maximum 2^64-1), coerces inputs with `int()`/`float()`/`str()`/`bool()`, formats
 * error details with `str()`/`repr()`, and answers with `json.dumps` (`", "` / `": "` separators, `ensure_ascii`).
 * This module reproduces exactly that much, so the simulator's bytes on the wire and in PNG text chunks match.
 */

/** A Python float that must stay a float when serialised (`1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyDict = Map<string, PyValue>;
export type PyValue = null | boolean | string | number | bigint | PyFloat | PyValue[] | PyDict;

/** Data the server builds itself: plain objects are fine when no key looks like an integer. */
export type Jsonish =
  | PyValue
  | undefined
  | Jsonish[]
  | Map<string, Jsonish>
  | { [key: string]: Jsonish };

/** A Python exception raised while handling a request or validating a graph: type name + `str(ex)`. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    readonly pyMessage: string,
  ) {
    super(`${pyType}: ${pyMessage}`);
  }
}

export const isDict = (v: unknown): v is PyDict => v instanceof Map;
export const isInt = (v: unknown): v is number | bigint =>
  typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));

/** Numeric value of an int/float/bool (bigints may lose precision: only for arithmetic, never for display). */
export function num(v: unknown): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number.NaN;
}

export function bigOf(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v instanceof PyFloat && Number.isFinite(v.value)) return BigInt(Math.trunc(v.value));
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

function normInt(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

// ------------------------------------------------------------------ json.loads

class JsonDecodeError extends PyError {
  constructor(msg: string, pos: number) {
    super('json.decoder.JSONDecodeError', `${msg}: char ${pos}`);
  }
}

/** `json.loads`: objects become ordered Maps, integer literals ints (bigint beyond 2^53), others PyFloat. */
export function pyJsonLoads(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (msg: string): never => {
    throw new JsonDecodeError(msg, i);
  };
  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('Unterminated string starting at');
      const c = text[i]!;
      const code = c.charCodeAt(0);
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            i -= 1;
            fail('Invalid \\escape');
        }
        continue;
      }
      if (code < 0x20) fail('Invalid control character at');
      out += c;
      i++;
    }
  };
  const parseValue = (): PyValue => {
    ws();
    const c = text[i];
    if (c === undefined) return fail('Expecting value');
    if (c === '{') {
      i++;
      const m: PyDict = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const key = parseString();
        ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        const v = parseValue();
        // A duplicate key keeps its first position and takes the last value, like a Python dict.
        m.set(key, v);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return m;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const arr: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('NaN', i)) {
      i += 3;
      return new PyFloat(Number.NaN);
    }
    if (text.startsWith('Infinity', i)) {
      i += 8;
      return new PyFloat(Number.POSITIVE_INFINITY);
    }
    if (text.startsWith('-Infinity', i)) {
      i += 9;
      return new PyFloat(Number.NEGATIVE_INFINITY);
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
    return normInt(BigInt(m[0]));
  };
  const v = parseValue();
  ws();
  if (i !== text.length) fail('Extra data');
  return v;
}

// ------------------------------------------------------------------ json.dumps

/** Python's `float.__repr__`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  let s: string;
  if (exp >= 0) {
    if (digits.length <= exp + 1) s = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return (neg ? '-' : '') + s;
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return pyFloatRepr(x);
}

function jsonString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[k];
  }
  return `${out}"`;
}

/** `json.dumps` with Python's defaults. Plain JS numbers print as ints when integral, else as floats. */
export function pyJsonDumps(v: Jsonish): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : jsonFloat(v);
  if (v instanceof PyFloat) return jsonFloat(v.value);
  if (Array.isArray(v)) return `[${v.map((x) => pyJsonDumps(x)).join(', ')}]`;
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(`${jsonString(k)}: ${pyJsonDumps(x)}`);
    return `{${parts.join(', ')}}`;
  }
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    parts.push(`${jsonString(k)}: ${pyJsonDumps(x)}`);
  }
  return `{${parts.join(', ')}}`;
}

/** Deep copy (Python `copy.deepcopy` of JSON-like data). */
export function deepCopy<T extends PyValue>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as T;
  if (v instanceof Map) {
    const m: PyDict = new Map();
    for (const [k, x] of v as PyDict) m.set(k, deepCopy(x));
    return m as T;
  }
  return v;
}

// ------------------------------------------------------------------ repr / str

const typeName = (v: unknown): string => {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'bigint' || typeof v === 'number') return Number.isInteger(Number(v)) || typeof v === 'bigint' ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  return 'object';
};
export { typeName as pyTypeName };

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON-derived value. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return strRepr(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x)).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** Python `str()`. */
export const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v));

// ------------------------------------------------------------------ int() float() bool()

/** Python `int(x)`. */
export function pyInt(v: PyValue): number | bigint {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
    return normInt(BigInt(Math.trunc(v)));
  }
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v.value)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return normInt(BigInt(Math.trunc(v.value)));
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+(?:_\d+)*$/.test(t)) return normInt(BigInt(t.replace(/_/g, '')));
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${strRepr(v)}`);
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
}

/** Python `float(x)`. */
export function pyFloatOf(v: PyValue): PyFloat {
  if (typeof v === 'boolean') return new PyFloat(v ? 1 : 0);
  if (typeof v === 'bigint') return new PyFloat(Number(v));
  if (typeof v === 'number') return new PyFloat(v);
  if (v instanceof PyFloat) return v;
  if (typeof v === 'string') {
    const t = v.trim();
    const low = t.toLowerCase().replace(/^[+-]/, '');
    if (low === 'inf' || low === 'infinity') return new PyFloat(t.startsWith('-') ? -Infinity : Infinity);
    if (low === 'nan') return new PyFloat(Number.NaN);
    if (/^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/.test(t)) {
      return new PyFloat(Number(t.replace(/_/g, '')));
    }
    throw new PyError('ValueError', `could not convert string to float: ${strRepr(v)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

/** Python truthiness (`bool(x)`). */
export function pyBool(v: PyValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  return v.size > 0;
}

/** Python `a == b` for JSON-derived scalars (1 == 1.0 == True). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  const numeric = (x: PyValue) => typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean' || x instanceof PyFloat;
  if (numeric(a) && numeric(b)) {
    if ((typeof a === 'bigint' || typeof b === 'bigint') && isInt(a) && isInt(b)) return bigOf(a) === bigOf(b);
    return num(a) === num(b);
  }
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, k) => pyEq(x, b[k]!));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !pyEq(x, b.get(k)!)) return false;
    return true;
  }
  return false;
}

/** Python `a < b` for numbers (ints compared exactly, NaN never smaller). */
export function pyLess(a: PyValue, b: PyValue): boolean {
  if (isInt(a) && isInt(b) && (typeof a === 'bigint' || typeof b === 'bigint')) return bigOf(a) < bigOf(b);
  return num(a) < num(b);
}
