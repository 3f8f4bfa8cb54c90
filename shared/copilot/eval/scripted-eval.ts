import type { CallResult } from '../../llm/port.js';
import type { EvalCase } from './cases.js';
import { ScriptedLlm } from './scripted-llm.js';

/** A model that makes each case's expected call and writes the value it reads from the result: the harness's proof. */
export function scriptedEvalModel(cases: readonly EvalCase[]): ScriptedLlm {
  const byQuestion = new Map(cases.map((c) => [c.question, c]));
  return new ScriptedLlm((question) => {
    const c = byQuestion.get(question);
    if (!c) return { turns: [], answer: () => 'I have no script for this question.' };
    return {
      turns: [() => [{ name: c.call.tool, args: c.call.args }]],
      answer: (results: readonly CallResult[]) => {
        const content = results[0]?.content as { error?: string } | undefined;
        if (!content || content.error) return `The tool failed: ${content?.error ?? 'no result'}`;
        return `Answer: ${String(c.pick(content))}`;
      },
    };
  });
}
