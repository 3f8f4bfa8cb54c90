import type { AskAnswer, AskInput } from '../ask.js';
import type { EvalCase, TruthQuery } from './cases.js';

export interface CaseResult {
  readonly id: string;
  readonly family: string;
  readonly toolsUsed: string[];
  readonly toolChoiceOk: boolean;
  readonly truth: number | string;
  readonly answerOk: boolean;
  readonly cited: boolean;
  readonly ms: number;
  readonly tokens: number;
  readonly answer: string;
  readonly error?: string;
}

export interface EvalReport {
  readonly model: string;
  readonly cases: number;
  readonly toolChoiceAccuracy: number;
  readonly numericAccuracy: number;
  readonly citationPresence: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number };
  readonly tokens: { readonly total: number; readonly perQuestion: number };
  readonly byFamily: Record<string, { cases: number; toolChoice: number; answers: number }>;
  readonly results: CaseResult[];
}

/** Whether an answer states the truth: a number within tolerance among its numbers, or the text itself. */
export function answerMatches(answer: string, truth: number | string, tolerance = 0.01): boolean {
  if (typeof truth === 'string') return answer.toLowerCase().includes(truth.toLowerCase());
  const numbers = (answer.replace(/(\d),(\d{3})/g, '$1$2').match(/-?\d+(\.\d+)?(e-?\d+)?/gi) ?? []).map(Number);
  const allowed = Math.max(Math.abs(truth) * tolerance, Math.abs(truth) < 1 ? tolerance : 0);
  return numbers.some((n) => Math.abs(n - truth) <= allowed + 1e-9);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number) : 0;
}

/** Asks every question of a fresh conversation, and scores the answers against the warehouse's ground truth. */
export async function runEval(
  model: string,
  cases: readonly EvalCase[],
  askFn: (input: AskInput) => Promise<AskAnswer>,
  truth: TruthQuery,
): Promise<EvalReport> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const expected = await c.truth(truth);
    const started = Date.now();
    try {
      const a = await askFn({ question: c.question });
      const toolsUsed = a.steps.filter((s) => s.ok).map((s) => s.tool);
      results.push({
        id: c.id,
        family: c.family,
        toolsUsed,
        toolChoiceOk: toolsUsed.some((t) => c.tools.includes(t)),
        truth: expected,
        answerOk: answerMatches(a.answer, expected, c.tolerance),
        cited: a.citations.length > 0,
        ms: Date.now() - started,
        tokens: a.usage.inputTokens + a.usage.outputTokens,
        answer: a.answer,
      });
    } catch (error) {
      results.push({
        id: c.id,
        family: c.family,
        toolsUsed: [],
        toolChoiceOk: false,
        truth: expected,
        answerOk: false,
        cited: false,
        ms: Date.now() - started,
        tokens: 0,
        answer: '',
        error: (error as Error).message,
      });
    }
  }
  const share = (f: (r: CaseResult) => boolean) => results.filter(f).length / Math.max(1, results.length);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const total = results.reduce((s, r) => s + r.tokens, 0);
  const byFamily: EvalReport['byFamily'] = {};
  for (const r of results) {
    const f = (byFamily[r.family] ??= { cases: 0, toolChoice: 0, answers: 0 });
    f.cases++;
    f.toolChoice += r.toolChoiceOk ? 1 : 0;
    f.answers += r.answerOk ? 1 : 0;
  }
  return {
    model,
    cases: results.length,
    toolChoiceAccuracy: share((r) => r.toolChoiceOk),
    numericAccuracy: share((r) => r.answerOk),
    citationPresence: share((r) => r.cited),
    latencyMs: { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) },
    tokens: { total, perQuestion: Math.round(total / Math.max(1, results.length)) },
    byFamily,
    results,
  };
}
