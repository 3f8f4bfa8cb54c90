import { copilotLocalPort, type Config } from '../config/env.js';
import type { AskAnswer } from './ask.js';

/**
 * `kilowatch ask`: locally the copilot of a running `npm start` (it owns the DuckDB file); when none runs, the
 * copilot in this process over the file. Throws the HTTP problem's detail (503 without a model, 429 over a limit).
 */
export async function askFromCli(config: Config, question: string, conversationId?: string): Promise<AskAnswer> {
  const body = JSON.stringify({ question, ...(conversationId ? { conversationId } : {}) });
  if (config.KILOWATCH_BACKEND === 'local') {
    const response = await fetch(`http://127.0.0.1:${copilotLocalPort(config)}/v1/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }).catch(() => undefined);
    if (response) {
      const json = (await response.json()) as AskAnswer & { detail?: string };
      if (!response.ok) throw new Error(`${response.status}: ${json.detail ?? 'copilot error'}`);
      return json;
    }
  }
  const { createCopilotRuntime } = await import('../runtime/copilot-runtime.js');
  const runtime = await createCopilotRuntime(config);
  try {
    return await runtime.ask(`cli:${process.env.USER ?? 'local'}`, {
      question,
      ...(conversationId ? { conversationId } : {}),
    });
  } catch (error) {
    const status = (error as { status?: number }).status;
    throw new Error(status ? `${status}: ${(error as Error).message}` : (error as Error).message, { cause: error });
  }
}

/** The answer, then its steps and sources, for a terminal. */
export function formatAnswer(a: AskAnswer): string {
  const steps = a.steps.map(
    (s) =>
      `  ${s.ok ? '✓' : '✗'} ${s.tool} ${JSON.stringify(s.args)} ${s.ms} ms${s.error ? ` (${s.error})` : ''}${s.sql ? `\n      ${s.sql.statement} → ${s.sql.rows} rows` : ''}`,
  );
  const sources = a.citations.map((c) => `  [${c.id}] ${c.kind === 'chunk' ? c.title : c.detail}`);
  const usage = `${a.usage.model}: ${a.usage.inputTokens} tokens in, ${a.usage.outputTokens} out, ${a.usage.toolCalls} tool calls, ~$${a.usage.estimatedCostUsd.toFixed(4)}`;
  return [
    a.answer,
    '',
    'steps:',
    ...steps,
    'sources:',
    ...sources,
    `conversation ${a.conversationId}; ${usage}`,
    '',
  ].join('\n');
}
