import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { log } from '../log/logger.js';
import type { Llm } from '../llm/port.js';
import type { Warehouse } from '../warehouse/port.js';
import { copilotCalls, type CopilotCallRow } from '../warehouse/schema/tables.js';
import type { Conversations } from './conversations.js';
import { CallerRateLimit, DailyTokenBudget } from './limits.js';
import { runToolLoop, type LoopEvent, type Step } from './loop.js';
import { systemPrompt } from './prompt.js';
import type { Citation, CopilotTool } from './tool.js';

export const askInput = z.strictObject({
  question: z
    .string()
    .trim()
    .min(1, 'question must not be empty')
    .max(4_000, 'question may have at most 4,000 characters'),
  conversationId: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'letters, digits, - and _, at most 64')
    .optional(),
});
export type AskInput = z.infer<typeof askInput>;

export interface AskAnswer {
  readonly answer: string;
  readonly conversationId: string;
  readonly steps: Step[];
  readonly citations: Citation[];
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly toolCalls: number;
    readonly estimatedCostUsd: number;
    readonly model: string;
  };
  readonly stopped?: string;
}

/** A refusal the HTTP layer maps to a status: 503 without a model, 429 over a limit. */
export class AskRefusedError extends Error {
  override readonly name = 'AskRefusedError';
  constructor(
    readonly status: 503 | 429,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export interface AskDeps {
  readonly llm: Llm | undefined;
  readonly tools: readonly CopilotTool[];
  readonly conversations: Conversations;
  readonly warehouse: Pick<Warehouse, 'insert'>;
  readonly rateLimit: CallerRateLimit;
  readonly dailyTokens: DailyTokenBudget;
  readonly budget: { readonly maxToolCalls: number; readonly maxTokens: number };
  /** US dollars per million tokens in and out (0 for a local model). */
  readonly prices: { readonly inputPerMillion: number; readonly outputPerMillion: number };
  readonly notConfigured: string;
  readonly now: () => number;
}

function cost(deps: AskDeps, input: number, output: number): number {
  return (input * deps.prices.inputPerMillion + output * deps.prices.outputPerMillion) / 1e6;
}

/**
 * One question to the copilot: limits first (model configured, caller rate, daily tokens), then the history
 * cut to the model's context, the tool loop, and every model and tool call recorded in copilot_calls.
 */
export async function ask(
  deps: AskDeps,
  caller: string,
  input: AskInput,
  onEvent?: (e: LoopEvent) => void,
): Promise<AskAnswer> {
  if (!deps.llm) throw new AskRefusedError(503, deps.notConfigured);
  const llm = deps.llm;
  const rate = deps.rateLimit.take(caller);
  if (!rate.ok)
    throw new AskRefusedError(
      429,
      `too many questions from ${caller}: retry in ${rate.retryAfterS} s`,
      rate.retryAfterS,
    );
  if ((await deps.dailyTokens.remaining()) < deps.budget.maxTokens) {
    throw new AskRefusedError(
      429,
      `the copilot's daily token budget (${deps.dailyTokens.limit} tokens) is spent; it resets at 00:00 UTC`,
      3600,
    );
  }
  const requestId = randomUUID();
  const conversationId = input.conversationId ?? randomUUID();
  const started = deps.now();
  const clock = performance.now();
  // Half the context for history: the rest holds the instructions, the tools, the question and tool results.
  const history = await deps.conversations.history(conversationId, Math.floor(llm.contextTokens / 2));
  const result = await runToolLoop({
    llm,
    system: systemPrompt(new Date(started).toISOString()),
    history: history.messages,
    tools: deps.tools,
    question: input.question,
    budget: deps.budget,
    onEvent,
  });
  const tokens = result.usage.input + result.usage.output;
  deps.dailyTokens.spend(tokens);
  const at = new Date(deps.now()).toISOString();
  const base = { request_id: requestId, conversation_id: conversationId, caller };
  const rows: CopilotCallRow[] = [
    ...result.modelCalls.map((c, i) => ({
      ...base,
      call_id: `${requestId}:m${i}`,
      kind: 'model' as const,
      name: c.model,
      started_at: at,
      latency_ms: c.ms,
      tokens_in: c.input,
      tokens_out: c.output,
      tool_calls: c.toolCalls,
      error: null,
      estimated_cost_usd: cost(deps, c.input, c.output),
    })),
    ...result.steps.map((s, i) => ({
      ...base,
      call_id: `${requestId}:t${i}`,
      kind: 'tool' as const,
      name: s.tool.slice(0, 64),
      started_at: at,
      latency_ms: s.ms,
      tokens_in: 0,
      tokens_out: 0,
      tool_calls: 0,
      error: s.error ?? null,
      estimated_cost_usd: 0,
    })),
  ];
  await Promise.all([
    deps.warehouse.insert(copilotCalls, rows),
    deps.conversations.append(conversationId, caller, history.next, input.question, result.answer, at),
  ]);
  const estimatedCostUsd = cost(deps, result.usage.input, result.usage.output);
  log.info('copilot request', {
    requestId,
    conversationId,
    caller,
    model: llm.model,
    latencyMs: Math.round(performance.now() - clock),
    tokensIn: result.usage.input,
    tokensOut: result.usage.output,
    toolCalls: result.steps.map((s) => ({ tool: s.tool, ok: s.ok, ms: s.ms, ...(s.error ? { error: s.error } : {}) })),
    stopped: result.stopped ?? null,
    estimatedCostUsd,
  });
  return {
    answer: result.answer,
    conversationId,
    steps: result.steps,
    citations: result.citations,
    usage: {
      inputTokens: result.usage.input,
      outputTokens: result.usage.output,
      toolCalls: result.steps.filter((s) => s.ok).length,
      estimatedCostUsd,
      model: llm.model,
    },
    ...(result.stopped ? { stopped: result.stopped } : {}),
  };
}
