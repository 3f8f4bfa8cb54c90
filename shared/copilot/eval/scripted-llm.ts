import type { CallResult, Llm, LlmSession, ModelCall, ModelTurn, SessionOptions } from '../../llm/port.js';

/** What a scripted model does with a question: calls to make in turn, and the answer written from their results. */
export interface Script {
  readonly turns: ReadonlyArray<(results: readonly CallResult[]) => Array<Omit<ModelCall, 'id'>>>;
  readonly answer: (results: readonly CallResult[]) => string;
}

/**
 * A model that follows a script: it proves the copilot's harness (tools, budgets, guard, recording) without
 * weights. Token counts are estimated from the text it sees and writes, as a real adapter reports them.
 */
export class ScriptedLlm implements Llm {
  readonly provider = 'ollama';
  readonly model = 'scripted';
  readonly contextTokens = 32_768;

  constructor(private readonly scriptFor: (question: string, options: SessionOptions) => Script) {}

  start(options: SessionOptions): LlmSession {
    let script: Script | undefined;
    let turn = 0;
    let calls = 0;
    const all: CallResult[] = [];
    const tokens = (x: unknown) => Math.ceil(JSON.stringify(x).length / 4);
    const next = (seen: unknown): ModelTurn => {
      const s = script as Script;
      const step = s.turns[turn++];
      const made = step ? step(all).map((c) => ({ ...c, id: `scripted_${++calls}` })) : [];
      const text = made.length > 0 ? '' : s.answer(all);
      if (text) options.onText?.(text);
      return {
        text,
        calls: made,
        usage: { input: tokens(seen), output: tokens(made) + tokens(text) },
        model: this.model,
      };
    };
    return {
      ask: (question) => {
        script = this.scriptFor(question, options);
        return Promise.resolve(next({ system: options.system, history: options.history, question }));
      },
      reply: (results) => {
        all.push(...results);
        return Promise.resolve(next(results));
      },
    };
  }
}
