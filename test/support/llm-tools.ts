import { z } from 'zod';
import { tool, type CopilotTool } from '../../shared/copilot/tool.js';

/** Two small tools whose runs a test can count: arithmetic the scripted model asks for. */
export function arithmeticTools(): { tools: CopilotTool[]; runs: Array<{ name: string; args: unknown }> } {
  const runs: Array<{ name: string; args: unknown }> = [];
  const tools = [
    tool({
      name: 'add',
      description: 'Adds two numbers.',
      args: z.object({ a: z.number().describe('first addend'), b: z.number().describe('second addend') }),
      run: async (args) => {
        runs.push({ name: 'add', args });
        return {
          content: { sum: args.a + args.b },
          citations: [{ kind: 'query', id: `add:${args.a}+${args.b}`, tool: 'add', detail: 'sum' }],
        };
      },
    }),
    tool({
      name: 'scale',
      description: 'Multiplies a number by a factor.',
      args: z.object({ x: z.number(), factor: z.number().nullable().describe('factor, null for 1') }),
      run: async (args) => {
        runs.push({ name: 'scale', args });
        return { content: { product: args.x * (args.factor ?? 1) } };
      },
    }),
  ];
  return { tools, runs };
}
