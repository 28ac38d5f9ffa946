/**
 * `POST /prompt` validation, mirroring `execution.validate_prompt` / `validate_inputs` (spec §2.1, §4.3): the same
 * error types, messages, details and extra_info, the same places where an exception is caught (so a dangling link
 * is a KeyError reported on the right node), the same mutation of literals by coercion (`"16"` -> 16), and the
 * same node_errors bookkeeping (upstream-only failures leave the output's details empty).
 */
import type { InputSpec, InputTypes, NodeDef, NodeEnv } from './node-types';
import {
  PyError,
  isDict,
  pyBool,
  pyEq,
  pyFloatOf,
  pyInt,
  pyLess,
  pyRepr,
  pyStr,
  pyTypeName,
  type Jsonish,
  type PyDict,
  type PyValue,
} from './py';

export interface ValidationError {
  type: string;
  message: string;
  details: string;
  extra_info: Jsonish;
}

type Result = [boolean, ValidationError[], string];

export interface PromptValidation {
  ok: boolean;
  error: ValidationError | null;
  outputs: string[];
  nodeErrors: Map<string, { errors: ValidationError[]; dependent_outputs: string[]; class_type: PyValue }>;
}

const fakeTraceback = (fn: string, line: number, code: string): string[] => [
  `  File "/ComfyUI/execution.py", line ${line}, in ${fn}\n    ${code}\n`,
];

/** `prompt[key]` on a JSON value, raising like Python. */
export function pyGetItem(container: PyValue | undefined, key: PyValue): PyValue {
  if (container instanceof Map) {
    if (typeof key === 'string' && container.has(key)) return container.get(key)!;
    if (key instanceof Map || Array.isArray(key)) throw new PyError('TypeError', `unhashable type: '${pyTypeName(key)}'`);
    throw new PyError('KeyError', pyRepr(key));
  }
  if (Array.isArray(container) || typeof container === 'string') {
    const what = Array.isArray(container) ? 'list' : 'string';
    if (typeof key !== 'number' && typeof key !== 'boolean') {
      throw new PyError('TypeError', `${what} indices must be integers${what === 'list' ? ' or slices' : ''}, not ${pyTypeName(key)}`);
    }
    const idx = Number(key);
    const at = idx < 0 ? container.length + idx : idx;
    if (at < 0 || at >= container.length) throw new PyError('IndexError', `${what} index out of range`);
    return (container as PyValue[])[at] ?? (container as string)[at]!;
  }
  throw new PyError('TypeError', `'${pyTypeName(container)}' object is not subscriptable`);
}

/** `key in container` on a JSON value. */
export function pyContains(container: PyValue | undefined, key: PyValue): boolean {
  if (container instanceof Map) return typeof key === 'string' && container.has(key);
  if (Array.isArray(container)) return container.some((x) => pyEq(x, key));
  if (typeof container === 'string') {
    if (typeof key !== 'string') throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(key)}`);
    return container.includes(key);
  }
  throw new PyError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** `get_input_info`: (type, category, extra_info) for a declared input. */
function inputInfo(types: InputTypes, name: string): [InputSpec[0], 'required' | 'optional', Record<string, Jsonish>] | null {
  const spec = types.required[name] ?? types.optional?.[name];
  if (!spec) return null;
  const category = name in types.required ? 'required' : 'optional';
  return [spec[0], category, (spec[1] ?? {}) as Record<string, Jsonish>];
}

/** `comfy_execution.validation.validate_node_input` (non-strict), with `*` matching anything. */
function typesMatch(received: string | PyValue[], expected: string | PyValue[]): boolean {
  if (typeof received === 'string' && typeof expected === 'string') {
    if (received === expected || received === '*' || expected === '*') return true;
    const a = new Set(received.split(',').map((t) => t.trim()));
    return expected.split(',').some((t) => a.has(t.trim()));
  }
  return false;
}

const typeRepr = (t: string | PyValue[]): string => (typeof t === 'string' ? t : pyRepr(t));

export class Validator {
  constructor(
    private readonly nodes: Map<string, NodeDef>,
    private readonly env: NodeEnv,
  ) {}

  private nodeClass(prompt: PyDict, id: string): NodeDef {
    const classType = pyGetItem(pyGetItem(prompt, id), 'class_type');
    if (typeof classType !== 'string' || !this.nodes.has(classType)) throw new PyError('KeyError', pyRepr(classType));
    return this.nodes.get(classType)!;
  }

  private validateInputs(prompt: PyDict, id: string, validated: Map<string, Result>, active: Set<string>): Result {
    const done = validated.get(id);
    if (done) return done;
    if (active.has(id)) throw new PyError('RecursionError', 'maximum recursion depth exceeded');
    active.add(id);
    try {
      return this.validateInputsInner(prompt, id, validated, active);
    } finally {
      active.delete(id);
    }
  }

  private validateInputsInner(prompt: PyDict, id: string, validated: Map<string, Result>, active: Set<string>): Result {
    const node = pyGetItem(prompt, id);
    const inputs = pyGetItem(node, 'inputs');
    const def = this.nodeClass(prompt, id);
    const types = def.inputTypes(this.env);
    const names = [...Object.keys(types.required), ...Object.keys(types.optional ?? {}).filter((n) => !(n in types.required))];
    const validateArgs = def.validate?.inputs ?? [];
    const errors: ValidationError[] = [];
    let valid = true;
    const receivedTypes = new Map<string, string>();

    for (const x of names) {
      const [inputType, category, extra] = inputInfo(types, x)!;
      if (!pyContains(inputs, x)) {
        if (category === 'required') {
          errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: x, extra_info: { input_name: x } });
        }
        continue;
      }
      let val = pyGetItem(inputs, x);
      const info: Jsonish = [inputType, extra];
      if (Array.isArray(val)) {
        if (val.length !== 2) {
          errors.push({
            type: 'bad_linked_input',
            message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
            details: x,
            extra_info: { input_name: x, input_config: info, received_value: val },
          });
          continue;
        }
        const oId = val[0]!;
        const source = this.nodeClass(prompt, oId as string);
        const slot = val[1]!;
        if (typeof slot !== 'number' && typeof slot !== 'boolean' && typeof slot !== 'bigint') {
          throw new PyError('TypeError', `tuple indices must be integers or slices, not ${pyTypeName(slot)}`);
        }
        const at = Number(slot) < 0 ? source.returnTypes.length + Number(slot) : Number(slot);
        const receivedType = source.returnTypes[at];
        if (receivedType === undefined) throw new PyError('IndexError', 'tuple index out of range');
        receivedTypes.set(x, receivedType);
        if (!validateArgs.includes('input_types') && !typesMatch(receivedType, inputType)) {
          errors.push({
            type: 'return_type_mismatch',
            message: 'Return type mismatch between linked nodes',
            details: `${x}, received_type(${receivedType}) mismatch input_type(${typeRepr(inputType)})`,
            extra_info: { input_name: x, input_config: info, received_type: receivedType, linked_node: val },
          });
          continue;
        }
        try {
          const r = this.validateInputs(prompt, oId as string, validated, active);
          if (!r[0]) {
            valid = false;
            continue;
          }
        } catch (e) {
          const ex = toPyError(e);
          valid = false;
          validated.set(oId as string, [
            false,
            [
              {
                type: 'exception_during_inner_validation',
                message: 'Exception when validating inner node',
                details: ex.pyMessage,
                extra_info: {
                  input_name: x,
                  input_config: info,
                  exception_message: ex.pyMessage,
                  exception_type: ex.pyType,
                  traceback: fakeTraceback('validate_inputs', 807, 'r = await validate_inputs(prompt_id, prompt, o_id, validated)'),
                  linked_node: val,
                },
              },
            ],
            oId as string,
          ]);
          continue;
        }
      } else {
        try {
          if (isDict(val) && val.has('__value__')) {
            val = val.get('__value__')!;
            (inputs as PyDict).set(x, val);
          }
          if (inputType === 'INT') val = pyInt(val);
          else if (inputType === 'FLOAT') val = pyFloatOf(val);
          else if (inputType === 'STRING') val = pyStr(val);
          else if (inputType === 'BOOLEAN') val = pyBool(val);
          if (val !== pyGetItem(inputs, x)) (inputs as PyDict).set(x, val);
        } catch (e) {
          const ex = toPyError(e);
          errors.push({
            type: 'invalid_input_type',
            message: `Failed to convert an input value to a ${typeRepr(inputType)} value`,
            details: `${x}, ${pyStr(val)}, ${ex.pyMessage}`,
            extra_info: { input_name: x, input_config: info, received_value: val, exception_message: ex.pyMessage },
          });
          continue;
        }
        if (!validateArgs.includes(x)) {
          if ('min' in extra && pyLess(val, extra.min as PyValue)) {
            errors.push({
              type: 'value_smaller_than_min',
              message: `Value ${pyStr(val)} smaller than min of ${pyStr(extra.min)}`,
              details: x,
              extra_info: { input_name: x, input_config: info, received_value: val },
            });
            continue;
          }
          if ('max' in extra && pyLess(extra.max as PyValue, val)) {
            errors.push({
              type: 'value_bigger_than_max',
              message: `Value ${pyStr(val)} bigger than max of ${pyStr(extra.max)}`,
              details: x,
              extra_info: { input_name: x, input_config: info, received_value: val },
            });
            continue;
          }
          if (Array.isArray(inputType)) {
            const options = inputType;
            if (!options.some((o) => pyEq(o, val))) {
              const big = options.length > 20;
              errors.push({
                type: 'value_not_in_list',
                message: 'Value not in list',
                details: `${x}: '${pyStr(val)}' not in ${big ? `(list of length ${options.length})` : pyRepr(options)}`,
                extra_info: { input_name: x, input_config: big ? null : info, received_value: val },
              });
              continue;
            }
          }
        }
      }
    }

    if (def.validate) {
      const values: Record<string, PyValue> = {};
      for (const x of def.validate.inputs) {
        if (pyContains(inputs, x)) {
          const v = pyGetItem(inputs, x);
          if (!Array.isArray(v)) values[x] = v;
        }
      }
      const missing = def.validate.inputs.filter((x) => !(x in values));
      if (missing.length > 0) {
        throw new PyError(
          'TypeError',
          `${def.name}.VALIDATE_INPUTS() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing
            .map((m) => `'${m}'`)
            .join(' and ')}`,
        );
      }
      const r = def.validate.fn(this.env, values);
      if (r !== true) {
        for (const x of Object.keys(values)) {
          errors.push({
            type: 'custom_validation_failed',
            message: 'Custom validation failed for node',
            details: r === false ? x : `${x} - ${r}`,
            extra_info: { input_name: x },
          });
        }
      }
    }

    const ret: Result = errors.length > 0 || !valid ? [false, errors, id] : [true, [], id];
    validated.set(id, ret);
    return ret;
  }

  /**
   * `validate_prompt`. Returns null-free results; throws PyError where Python would raise out of the handler
   * (a 500), e.g. a node that is a number.
   */
  validatePrompt(prompt: PyValue, partialTargets: PyValue | undefined): PromptValidation {
    const outputs: string[] = [];
    const fail = (type: string, message: string, details: string): PromptValidation => ({
      ok: false,
      error: { type, message, details, extra_info: {} },
      outputs: [],
      nodeErrors: new Map(),
    });
    const keys: PyValue[] = isDict(prompt) ? [...prompt.keys()] : Array.isArray(prompt) ? prompt : typeof prompt === 'string' ? [...prompt] : [];
    if (!isDict(prompt) && !Array.isArray(prompt) && typeof prompt !== 'string') {
      throw new PyError('TypeError', `'${pyTypeName(prompt)}' object is not iterable`);
    }
    for (const x of keys) {
      const node = pyGetItem(prompt, x);
      if (!pyContains(node, 'class_type')) {
        return fail('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${pyStr(x)}'`);
      }
      const classType = pyGetItem(node, 'class_type');
      if (Array.isArray(classType) || isDict(classType)) throw new PyError('TypeError', `unhashable type: '${pyTypeName(classType)}'`);
      const def = typeof classType === 'string' ? this.nodes.get(classType) : undefined;
      if (!def) return fail('invalid_prompt', `Cannot execute because node ${pyStr(classType)} does not exist.`, `Node ID '#${pyStr(x)}'`);
      if (def.outputNode) {
        if (partialTargets === undefined || partialTargets === null || pyContains(partialTargets, x)) outputs.push(x as string);
      }
    }
    if (outputs.length === 0) return fail('prompt_no_outputs', 'Prompt has no outputs', '');
    const dict = prompt as PyDict;

    const good: string[] = [];
    const failed: [string, ValidationError[]][] = [];
    const nodeErrors: PromptValidation['nodeErrors'] = new Map();
    const validated = new Map<string, Result>();
    for (const o of outputs) {
      let ok = false;
      let reasons: ValidationError[] = [];
      try {
        const m = this.validateInputs(dict, o, validated, new Set());
        ok = m[0];
        reasons = m[1];
      } catch (e) {
        const ex = toPyError(e);
        ok = false;
        reasons = [
          {
            type: 'exception_during_validation',
            message: 'Exception when validating node',
            details: ex.pyMessage,
            extra_info: {
              exception_type: ex.pyType,
              traceback: fakeTraceback('validate_prompt', 1002, 'm = await validate_inputs(prompt_id, prompt, o, validated)'),
            },
          },
        ];
        validated.set(o, [false, reasons, o]);
      }
      if (ok) {
        good.push(o);
        continue;
      }
      failed.push([o, reasons]);
      for (const [nodeId, result] of validated) {
        if (result[0] || result[1].length === 0) continue;
        let entry = nodeErrors.get(nodeId);
        if (!entry) {
          entry = { errors: result[1], dependent_outputs: [], class_type: pyGetItem(pyGetItem(dict, nodeId), 'class_type') };
          nodeErrors.set(nodeId, entry);
        }
        entry.dependent_outputs.push(o);
      }
    }
    if (good.length === 0) {
      const details = failed.flatMap(([, errs]) => errs.map((e) => `${e.message}: ${e.details}`)).join('\n');
      return {
        ok: false,
        error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} },
        outputs: [],
        nodeErrors,
      };
    }
    return { ok: true, error: null, outputs: good, nodeErrors };
  }
}

export function toPyError(e: unknown): PyError {
  if (e instanceof PyError) return e;
  if (e instanceof RangeError) return new PyError('RecursionError', 'maximum recursion depth exceeded');
  return new PyError('Exception', e instanceof Error ? e.message : String(e));
}

/** node_errors as JSON. */
export function nodeErrorsJson(v: PromptValidation['nodeErrors']): Jsonish {
  const out = new Map<string, Jsonish>();
  for (const [id, e] of v) {
    out.set(id, { errors: e.errors.map(errorJson), dependent_outputs: e.dependent_outputs, class_type: e.class_type });
  }
  return out;
}

export const errorJson = (e: ValidationError): Jsonish => ({ type: e.type, message: e.message, details: e.details, extra_info: e.extra_info });
