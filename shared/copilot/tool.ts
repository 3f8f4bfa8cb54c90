import type { z } from 'zod';
import type { ToolSpec } from '../llm/port.js';

/** Where an answer's fact comes from: a tool's query result or a document chunk. */
export type Citation =
  | { readonly kind: 'query'; readonly id: string; readonly tool: string; readonly detail: string }
  | { readonly kind: 'chunk'; readonly id: string; readonly title: string; readonly source: string };

/** What a tool hands back to the model; `content` is JSON, with units next to every quantity. */
export interface ToolOutput {
  readonly content: unknown;
  readonly citations?: readonly Citation[];
  /** The SQL a tool ran, with its row count and bytes, shown in the answer's steps. */
  readonly sql?: { readonly statement: string; readonly rows: number; readonly bytes: number | null };
}

/** A copilot tool: a use-case in shared/ behind zod arguments. */
export interface CopilotTool<A extends z.ZodObject = z.ZodObject> extends ToolSpec {
  readonly args: A;
  run(args: z.infer<A>): Promise<ToolOutput>;
}

/** Erases a tool's argument type for a heterogeneous list (arguments are parsed by its own schema first). */
export function tool<A extends z.ZodObject>(t: CopilotTool<A>): CopilotTool {
  return t;
}
