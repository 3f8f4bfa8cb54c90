import { z } from 'zod';

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Gemini's parametersJsonSchema takes a subset of JSON Schema: no $ref/$defs, and an anyOf must stand
 * alone. Sibling keywords (a description next to anyOf) are pushed into every branch.
 */
function flatten(node: unknown, path: string): unknown {
  if (Array.isArray(node)) return node.map((v, i) => flatten(v, `${path}/${i}`));
  if (!isNode(node)) return node;
  if ('$ref' in node || '$defs' in node || 'definitions' in node) {
    throw new Error(`tool schema at ${path || '/'} uses a reference; tool argument schemas must be inline`);
  }
  const { anyOf, ...withSchema } = node;
  const rest = Object.fromEntries(Object.entries(withSchema).filter(([k]) => k !== '$schema'));
  if (Array.isArray(anyOf)) {
    return { anyOf: anyOf.map((branch, i) => flatten({ ...rest, ...(branch as Node) }, `${path}/anyOf/${i}`)) };
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, flatten(v, `${path}/${k}`)]));
}

/** The JSON Schema of a tool's zod arguments, flat enough for Gemini and accepted by Ollama. */
export function toolJsonSchema(args: z.ZodType): Record<string, unknown> {
  const schema = z.toJSONSchema(args, { io: 'input', reused: 'inline', cycles: 'throw', unrepresentable: 'throw' });
  return flatten(schema, '') as Record<string, unknown>;
}
