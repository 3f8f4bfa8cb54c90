import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { toolJsonSchema } from '../../shared/llm/json-schema.js';

function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}

/** Gemini's parametersJsonSchema subset: no references, anyOf alone. */
export function expectFlat(schema: unknown): void {
  walk(schema, (n) => {
    expect(Object.keys(n)).not.toContain('$ref');
    expect(Object.keys(n)).not.toContain('$defs');
    expect(Object.keys(n)).not.toContain('$schema');
    if ('anyOf' in n) expect(Object.keys(n)).toEqual(['anyOf']);
  });
}

describe('tool JSON schemas from zod', () => {
  it('inlines reused schemas and moves anyOf siblings into the branches', () => {
    const window = z.object({ from: z.string(), to: z.string() });
    const schema = toolJsonSchema(
      z.object({
        a: window,
        b: window,
        c: z.number().nullable(),
        d: z
          .union([z.string(), z.object({ x: z.number() })])
          .describe('either')
          .optional(),
      }),
    );
    expectFlat(schema);
    const d = (schema.properties as Record<string, { anyOf: unknown[] }>).d!;
    expect(d.anyOf[0]).toEqual({ type: 'string', description: 'either' });
    expect(d.anyOf[1]).toMatchObject({ type: 'object', description: 'either' });
    expect(schema.required).toEqual(['a', 'b', 'c']);
  });

  it('refuses a recursive schema', () => {
    const node: z.ZodType = z.lazy(() => z.object({ children: z.array(node) }));
    expect(() => toolJsonSchema(z.object({ root: node }))).toThrow();
  });
});
