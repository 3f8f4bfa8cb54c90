import type { ModelCall } from './port.js';

const FENCE = /^```(?:json|tool_call)?\s*([\s\S]*?)\s*```$/;
const TAGGED = /^<tool_call>\s*([\s\S]*?)\s*<\/tool_call>$/;

function asCall(value: unknown, id: string): ModelCall | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const fn = typeof v.function === 'object' && v.function !== null ? (v.function as Record<string, unknown>) : v;
  const name = fn.name;
  const args = fn.arguments ?? fn.parameters ?? fn.args;
  if (typeof name !== 'string') return undefined;
  if (typeof args === 'string') {
    try {
      return { id, name, args: JSON.parse(args) };
    } catch {
      return { id, name, args };
    }
  }
  return typeof args === 'object' && args !== null ? { id, name, args } : undefined;
}

/**
 * Tool calls a small model wrote as JSON in its text instead of the tool_calls field: a bare object
 * `{"name", "arguments"}`, an array of them, or either inside a ```json fence or <tool_call> tags.
 * Anything else is ordinary text (undefined).
 */
export function callsInContent(text: string, nextId: () => string): ModelCall[] | undefined {
  let body = text.trim();
  body = FENCE.exec(body)?.[1] ?? TAGGED.exec(body)?.[1] ?? body;
  if (!/^[[{]/.test(body)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const calls = items.map((item) => asCall(item, nextId()));
  return calls.length > 0 && calls.every((c) => c !== undefined) ? calls : undefined;
}
