import { z } from 'zod';
import type { CallResult, HistoryMessage, Llm, ModelCall, ModelTurn } from '../llm/port.js';
import type { Citation, CopilotTool } from './tool.js';

export interface LoopBudget {
  /** Tool calls executed per request, at most. */
  readonly maxToolCalls: number;
  /** Model tokens (in + out, every turn) per request, at most. */
  readonly maxTokens: number;
}

/** One step of an answer: a tool call with its validated arguments, or a refused one. */
export interface Step {
  readonly tool: string;
  readonly args: unknown;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
  readonly sql?: { readonly statement: string; readonly rows: number; readonly bytes: number | null };
}

/** One model call, for copilot_calls. */
export interface ModelCallRecord {
  readonly model: string;
  readonly ms: number;
  readonly input: number;
  readonly output: number;
  readonly toolCalls: number;
}

export type LoopEvent = { type: 'text'; delta: string } | { type: 'step'; step: Step };

export interface LoopResult {
  readonly answer: string;
  /** Why the loop stopped early, when it did (budget, repeated invalid calls). */
  readonly stopped?: 'tool_budget' | 'token_budget' | 'invalid_calls';
  readonly steps: Step[];
  readonly citations: Citation[];
  readonly usage: { input: number; output: number };
  readonly modelCalls: ModelCallRecord[];
}

export interface LoopInput {
  readonly llm: Llm;
  readonly system: string;
  readonly history: readonly HistoryMessage[];
  readonly tools: readonly CopilotTool[];
  readonly question: string;
  readonly budget: LoopBudget;
  readonly onEvent?: (event: LoopEvent) => void;
}

type Checked = { ok: true; tool: CopilotTool; args: unknown } | { ok: false; error: string };

/** A call's name and arguments against the tools' zod schemas; the error reads well to a model. */
export function checkCall(tools: ReadonlyMap<string, CopilotTool>, call: ModelCall): Checked {
  const tool = tools.get(call.name);
  if (!tool) return { ok: false, error: `unknown tool "${call.name}"; the tools are: ${[...tools.keys()].join(', ')}` };
  const parsed = tool.args.safeParse(call.args);
  if (!parsed.success)
    return { ok: false, error: `invalid arguments for ${call.name}:\n${z.prettifyError(parsed.error)}` };
  return { ok: true, tool, args: parsed.data };
}

/**
 * The tool loop, the same for every model: each call is validated with zod before anything runs; an
 * invalid call gets its error back once, a second one ends the request; calls past the budget never run.
 */
export async function runToolLoop(input: LoopInput): Promise<LoopResult> {
  const tools = new Map(input.tools.map((t) => [t.name, t]));
  const session = input.llm.start({
    system: input.system,
    history: input.history,
    tools: input.tools,
    onText: (delta) => input.onEvent?.({ type: 'text', delta }),
  });
  const steps: Step[] = [];
  const citations: Citation[] = [];
  const modelCalls: ModelCallRecord[] = [];
  const usage = { input: 0, output: 0 };
  let executed = 0;
  let repaired = false;

  const timed = async (turn: () => Promise<ModelTurn>): Promise<ModelTurn> => {
    const started = Date.now();
    const t = await turn();
    modelCalls.push({
      model: t.model,
      ms: Date.now() - started,
      input: t.usage.input,
      output: t.usage.output,
      toolCalls: t.calls.length,
    });
    usage.input += t.usage.input;
    usage.output += t.usage.output;
    return t;
  };
  const done = (answer: string, stopped?: LoopResult['stopped']): LoopResult => ({
    answer,
    stopped,
    steps,
    citations,
    usage,
    modelCalls,
  });
  const record = (step: Step): void => {
    steps.push(step);
    input.onEvent?.({ type: 'step', step });
  };

  let turn = await timed(() => session.ask(input.question));
  for (;;) {
    if (turn.calls.length === 0) return done(turn.text);
    if (usage.input + usage.output > input.budget.maxTokens) {
      return done(
        `Stopped: this request used its token budget (${input.budget.maxTokens} tokens) before an answer was reached.`,
        'token_budget',
      );
    }
    const checked = turn.calls.map((call) => ({ call, check: checkCall(tools, call) }));
    const invalid = checked.filter((c) => !c.check.ok);
    if (invalid.length > 0 && repaired) {
      for (const { call, check } of invalid)
        record({ tool: call.name, args: call.args, ok: false, error: (check as { error: string }).error, ms: 0 });
      const first = invalid[0]?.check as { error: string };
      return done(
        `Stopped: the model made an invalid tool call again after being told what was wrong (${first.error}).`,
        'invalid_calls',
      );
    }
    if (invalid.length > 0) repaired = true;
    const results: CallResult[] = [];
    for (const { call, check } of checked) {
      if (!check.ok) {
        record({ tool: call.name, args: call.args, ok: false, error: check.error, ms: 0 });
        results.push({
          callId: call.id,
          name: call.name,
          content: { error: check.error, hint: 'fix the call and try again' },
        });
        continue;
      }
      if (executed >= input.budget.maxToolCalls) {
        record({ tool: call.name, args: check.args, ok: false, error: 'tool-call budget reached', ms: 0 });
        return done(
          `Stopped: this request reached its budget of ${input.budget.maxToolCalls} tool calls before an answer was reached.`,
          'tool_budget',
        );
      }
      executed++;
      const started = Date.now();
      try {
        const out = await check.tool.run(check.args as never);
        citations.push(...(out.citations ?? []));
        record({
          tool: call.name,
          args: check.args,
          ok: true,
          ms: Date.now() - started,
          ...(out.sql ? { sql: out.sql } : {}),
        });
        results.push({ callId: call.id, name: call.name, content: out.content });
      } catch (error) {
        const message = (error as Error).message;
        record({ tool: call.name, args: check.args, ok: false, error: message, ms: Date.now() - started });
        results.push({ callId: call.id, name: call.name, content: { error: message } });
      }
    }
    turn = await timed(() => session.reply(results));
  }
}
