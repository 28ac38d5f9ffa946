/** The API reference as one HTML page, rendered here from the OpenAPI document: no script, no CDN (pods are often offline). */

type Json = Record<string, unknown>;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (value: unknown) => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;

function schemaOf(content: unknown): unknown {
  const entries = Object.entries((content ?? {}) as Record<string, { schema?: unknown }>);
  return entries.length > 0 ? { [entries[0]![0]]: entries[0]![1].schema } : undefined;
}

function operationHtml(path: string, method: string, op: Json): string {
  const parameters = (op.parameters as Array<{ name: string; in: string; required: boolean; schema: unknown }> | undefined) ?? [];
  const body = schemaOf((op.requestBody as Json | undefined)?.content);
  const [status, ok] = Object.entries(op.responses as Record<string, Json>)[0]!;
  const answer = schemaOf(ok.content);
  return `<details id="${escape(String(op.operationId))}"><summary><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> — ${escape(String(op.summary))}</summary>
${parameters.length > 0 ? `<h4>Parameters</h4><ul>${parameters.map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''}) <code>${escape(JSON.stringify(p.schema))}</code></li>`).join('')}</ul>` : ''}
${body ? `<h4>Request body</h4>${pretty(body)}` : ''}
<h4>Answer ${escape(status)}</h4>${answer ? pretty(answer) : '<p>No body.</p>'}
</details>`;
}

export function referencePage(document: Json): string {
  const info = document.info as { title: string; version: string; description: string };
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags as string[])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, method, op)]);
    }
  }
  const webhook = (document.webhooks as Record<string, { post: Json }>).jobEnded!.post;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h2{margin-top:2rem;border-bottom:1px solid #d8dce4}details{border:1px solid #e2e5eb;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer}pre{background:#f5f6f8;padding:.6rem;overflow:auto;font-size:13px}.m{display:inline-block;min-width:4.2rem;font-weight:600}
.get{color:#1d6fd6}.post{color:#18864b}.put,.patch{color:#a86400}.delete{color:#c22}
</style></head><body>
<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>${escape(info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
${[...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>\n${ops.join('\n')}`).join('\n')}
<h2>Webhook calls</h2>
<details><summary><span class="m post">POST</span> your URL — ${escape(String(webhook.summary))}</summary><p>${escape(String(webhook.description))}</p>
${pretty(schemaOf((webhook.requestBody as Json).content))}</details>
</body></html>`;
}
