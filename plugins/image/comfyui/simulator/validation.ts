/**
 * `POST /prompt` validation (comfyui.md §2.1, §4.3, §4.4) for the checks a product graph can fail: unknown or
 * untyped nodes, no output node, a missing input, a link to nothing or of the wrong type, a literal out of range,
 * a value not in a combo, and above all a model file that is not in its folder (the adapter names it to the user).
 */
import type { ModelFolders } from './model-folders';
import { NODES } from './nodes';

export type Graph = Record<string, { class_type?: unknown; inputs?: Record<string, unknown> }>;

export interface NodeError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

type PromptError = { type: string; message: string; details: string; extra_info: Record<string, unknown> };
export type Validation = { ok: true; outputs: string[] } | { ok: false; error: PromptError; node_errors: Record<string, unknown> };

const promptError = (type: string, message: string, details = ''): Validation => ({ ok: false, error: { type, message, details, extra_info: {} }, node_errors: {} });

/** Python's `str` of a list of strings, as ComfyUI's details show it. */
const pyList = (items: readonly string[]) => `[${items.map((s) => `'${s}'`).join(', ')}]`;

const isLink = (v: unknown): v is [string, number] => Array.isArray(v) && v.length === 2 && typeof v[1] === 'number';

function inputErrors(graph: Graph, id: string, models: ModelFolders): NodeError[] {
  const node = graph[id]!;
  const cls = NODES[String(node.class_type)]!;
  const inputs = node.inputs ?? {};
  const errors: NodeError[] = [];
  for (const [name, spec] of Object.entries(cls.inputs)) {
    const value = inputs[name];
    const std = (config: unknown) => ({ input_name: name, input_config: config, received_value: value });
    if (value === undefined) {
      errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: name, extra_info: { input_name: name } });
    } else if ('link' in spec) {
      const source = isLink(value) ? graph[String(value[0])] : undefined;
      const type = source && isLink(value) ? NODES[String(source.class_type)]?.outputs[value[1]] : undefined;
      if (!isLink(value)) {
        errors.push({ type: 'bad_linked_input', message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]', details: name, extra_info: std([spec.link]) });
      } else if (!source) {
        errors.push({ type: 'exception_during_validation', message: 'Exception when validating node', details: `'${String(value[0])}'`, extra_info: { exception_type: 'KeyError', traceback: [] } });
      } else if (type !== spec.link) {
        errors.push({
          type: 'return_type_mismatch',
          message: 'Return type mismatch between linked nodes',
          details: `${name}, received_type(${type ?? 'None'}) mismatch input_type(${spec.link})`,
          extra_info: { input_name: name, input_config: [spec.link], received_type: type ?? null, linked_node: value },
        });
      }
    } else if ('literal' in spec) {
      const n = Number(value);
      if (spec.literal !== 'STRING' && (typeof value === 'boolean' || !Number.isFinite(n))) {
        errors.push({ type: 'invalid_input_type', message: `Failed to convert an input value to a ${spec.literal} value`, details: `${name}, ${String(value)}`, extra_info: std([spec.literal]) });
      } else if (spec.min !== undefined && n < spec.min) {
        errors.push({ type: 'value_smaller_than_min', message: `Value ${n} smaller than min of ${spec.min}`, details: name, extra_info: std([spec.literal]) });
      } else if (spec.max !== undefined && n > spec.max) {
        errors.push({ type: 'value_bigger_than_max', message: `Value ${n} bigger than max of ${spec.max}`, details: name, extra_info: std([spec.literal]) });
      }
    } else {
      const options = 'options' in spec ? spec.options : models.list(spec.modelFolder);
      if (!options.includes(String(value))) {
        const listed = options.length > 20 ? `(list of length ${options.length})` : pyList(options);
        errors.push({
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: `${name}: '${String(value)}' not in ${listed}`,
          extra_info: std(options.length > 20 ? null : [options]),
        });
      }
    }
  }
  return errors;
}

/** The ids of the nodes an output depends on (itself included), following links. */
function upstream(graph: Graph, id: string, seen = new Set<string>()): Set<string> {
  if (seen.has(id) || !graph[id]) return seen;
  seen.add(id);
  for (const value of Object.values(graph[id]!.inputs ?? {})) if (isLink(value)) upstream(graph, String(value[0]), seen);
  return seen;
}

/** Validates a graph like `execution.validate_prompt`: the output nodes to run, or ComfyUI's 400 body. */
export function validatePrompt(graph: unknown, models: ModelFolders): Validation {
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) return promptError('invalid_prompt', 'Prompt is not a dict');
  const g = graph as Graph;
  for (const [id, node] of Object.entries(g)) {
    if (!node || node.class_type === undefined) return promptError('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${id}'`);
    if (!NODES[String(node.class_type)]) return promptError('invalid_prompt', `Cannot execute because node ${String(node.class_type)} does not exist.`, `Node ID '#${id}'`);
  }
  const outputs = Object.keys(g).filter((id) => NODES[String(g[id]!.class_type)]!.outputNode);
  if (outputs.length === 0) return promptError('prompt_no_outputs', 'Prompt has no outputs');

  const nodeErrors: Record<string, { errors: NodeError[]; dependent_outputs: string[]; class_type: string }> = {};
  const valid: string[] = [];
  for (const output of outputs) {
    let ok = true;
    for (const id of upstream(g, output)) {
      const errors = inputErrors(g, id, models);
      if (errors.length === 0) continue;
      ok = false;
      nodeErrors[id] ??= { errors, dependent_outputs: [], class_type: String(g[id]!.class_type) };
      nodeErrors[id].dependent_outputs.push(output);
    }
    if (ok) valid.push(output);
  }
  if (valid.length > 0) return { ok: true, outputs: valid };
  const details = outputs.flatMap((id) => nodeErrors[id]?.errors.map((e) => `${e.message}: ${e.details}`) ?? []).join('\n');
  return { ok: false, error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} }, node_errors: nodeErrors };
}
