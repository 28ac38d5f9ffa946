/**
 * `/object_info` in ComfyUI's V1 format (`server.node_info` for V1 nodes, `Schema.get_v1_info` for V3 ones): the same
 * keys in the same order, combos as lists of allowed values listed live from the model folders.
 */
import type { NodeDef, NodeEnv } from './node-types';
import type { Jsonish } from './py';

export function nodeInfo(def: NodeDef, env: NodeEnv): Jsonish {
  const input = def.inputTypes(env);
  const inputJson: Record<string, Jsonish> = { required: input.required as unknown as Jsonish };
  if (input.optional) inputJson.optional = input.optional as unknown as Jsonish;
  if (input.hidden) inputJson.hidden = input.hidden as unknown as Jsonish;
  const inputOrder: Record<string, Jsonish> = {};
  for (const [k, v] of Object.entries(inputJson)) inputOrder[k] = Object.keys(v as object);
  const outputName = def.returnNames ?? def.returnTypes;
  if (def.v3) {
    return {
      input: inputJson,
      input_order: inputOrder,
      output: def.returnTypes,
      output_is_list: def.returnTypes.map(() => false),
      output_name: outputName,
      output_tooltips: def.outputTooltips ?? def.returnTypes.map(() => null),
      name: def.name,
      display_name: def.displayName,
      description: def.description,
      python_module: def.pythonModule,
      category: def.category,
      output_node: def.outputNode,
      deprecated: false,
      experimental: false,
      api_node: false,
    };
  }
  const info: Record<string, Jsonish> = {
    input: inputJson,
    input_order: inputOrder,
    output: def.returnTypes,
    output_is_list: def.returnTypes.map(() => false),
    output_name: outputName,
    name: def.name,
    display_name: def.displayName ?? def.name,
    description: def.description,
    python_module: def.pythonModule,
    category: def.category,
    output_node: def.outputNode,
  };
  if (def.outputTooltips) info.output_tooltips = def.outputTooltips;
  return info;
}

export function objectInfo(nodes: Map<string, NodeDef>, env: NodeEnv, only?: string): Jsonish {
  const out = new Map<string, Jsonish>();
  for (const [name, def] of nodes) {
    if (only !== undefined && name !== only) continue;
    out.set(name, nodeInfo(def, env));
  }
  return out;
}
