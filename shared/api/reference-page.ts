/** Minimal shapes of the OpenAPI document parts the page renders. */
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
}
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

function schemaText(schema: unknown): string {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  if (ref) {
    const name = ref.split('/').at(-1) as string;
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  return `<code>${escape(JSON.stringify(schema))}</code>`;
}

function parameterRows(parameters: Parameter[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters.map((p) => {
    const type = p.schema
      ? escape(typeof p.schema.type === 'string' ? p.schema.type : '') +
        (p.schema.enum ? `: ${escape((p.schema.enum as string[]).join(' | '))}` : '')
      : '';
    return `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'required' : ''}</td><td>${type}</td><td>${escape(p.description ?? '')}</td></tr>`;
  });
  return `<table><tr><th>parameter</th><th>in</th><th></th><th>type</th><th>meaning</th></tr>${rows.join('')}</table>`;
}

function operation(path: string, method: string, op: Operation): string {
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const media = Object.entries(r.content ?? {})[0];
    return `<li><b>${escape(status)}</b> ${escape(r.description ?? '')}${media ? ` — ${escape(media[0])} ${schemaText(media[1].schema)}` : ''}</li>`;
  });
  return (
    `<section id="${escape(`${method}-${path}`)}"><h3><span class="m">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>` +
    `<p>${escape(op.summary ?? '')}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}` +
    parameterRows(op.parameters ?? []) +
    (body ? `<p>Body (application/json): ${schemaText(body)}</p>` : '') +
    `<ul>${responses.join('')}</ul></section>`
  );
}

/**
 * The human API reference: one self-contained HTML page rendered from the generated OpenAPI document (no
 * script, no stylesheet or font fetched from anywhere).
 */
export function referencePage(doc: Document): string {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods ?? {}).map(([method, op]) => ({ path, method, op })),
  );
  const toc = ops.map(
    ({ path, method }) =>
      `<li><a href="#${escape(`${method}-${path}`)}">${escape(method.toUpperCase())} ${escape(path)}</a></li>`,
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, schema]) =>
      `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre></section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace;background:#f3f4f7;border-radius:3px;padding:0 .2em}pre{padding:.6em;overflow:auto}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d5d8e0;padding:.2em .5em;text-align:left;vertical-align:top}
section{border-top:1px solid #e3e5ea;padding-top:.5em}.m{background:#1d2330;color:#fff;border-radius:3px;padding:0 .4em;font-size:13px}</style></head>
<body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Routes</h2><ul>${toc.join('')}</ul>${ops.map(({ path, method, op }) => operation(path, method, op)).join('')}
<h2>Schemas</h2>${schemas.join('')}</body></html>`;
}
