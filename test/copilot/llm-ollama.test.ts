import { afterEach, describe, expect, it } from 'vitest';
import { runToolLoop } from '../../shared/copilot/loop.js';
import { OllamaLlm } from '../../shared/llm/ollama.js';
import { ContextOverflowError } from '../../shared/llm/port.js';
import { FakeOllama, type OllamaScript } from '../support/fake-ollama.js';
import { arithmeticTools } from '../support/llm-tools.js';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function ollama(script: OllamaScript, options: { stream?: boolean; numCtx?: number } = {}): Promise<OllamaLlm> {
  fake = await new FakeOllama(script).listen();
  return new OllamaLlm({
    host: fake.url,
    model: 'qwen3:8b',
    numCtx: options.numCtx ?? 16_384,
    stream: options.stream,
    embedModel: 'nomic-embed-text',
  });
}

const budget = { maxToolCalls: 8, maxTokens: 100_000 };
const call = (name: string, args: unknown) => ({ function: { name, arguments: args } });

describe('Ollama adapter (/api/chat)', () => {
  for (const stream of [false, true]) {
    it(`runs a multi-turn tool conversation (${stream ? 'streaming NDJSON' : 'one JSON answer'})`, async () => {
      const llm = await ollama(
        (_req, turn) =>
          [
            { tool_calls: [call('add', { a: 2, b: 3 })] },
            { tool_calls: [call('scale', { x: 5, factor: 4 })] },
            { content: 'The result is 20.' },
          ][turn]!,
        { stream },
      );
      const { tools, runs } = arithmeticTools();
      const deltas: string[] = [];
      const result = await runToolLoop({
        llm,
        system: 'You do arithmetic with tools.',
        history: [
          { role: 'user', text: 'hi' },
          { role: 'assistant', text: 'hello' },
        ],
        tools,
        question: 'What is (2+3)*4?',
        budget,
        onEvent: (e) => e.type === 'text' && deltas.push(e.delta),
      });
      expect(result.answer).toBe('The result is 20.');
      expect(runs).toEqual([
        { name: 'add', args: { a: 2, b: 3 } },
        { name: 'scale', args: { x: 5, factor: 4 } },
      ]);
      expect(result.steps.map((s) => [s.tool, s.ok])).toEqual([
        ['add', true],
        ['scale', true],
      ]);
      expect(result.citations).toEqual([{ kind: 'query', id: 'add:2+3', tool: 'add', detail: 'sum' }]);
      const requests = fake!.requests;
      expect(requests).toHaveLength(3);
      for (const r of requests) {
        expect(r.options?.num_ctx).toBe(16_384);
        expect(r.stream).toBe(stream);
        expect(r.tools?.map((t) => t.function.name)).toEqual(['add', 'scale']);
      }
      expect(requests[0]!.tools![1]!.function.parameters).toMatchObject({ type: 'object', required: ['x', 'factor'] });
      const last = requests[2]!.messages;
      expect(last.map((m) => m.role)).toEqual([
        'system',
        'user',
        'assistant',
        'user',
        'assistant',
        'tool',
        'assistant',
        'tool',
      ]);
      expect(last[5]).toEqual({ role: 'tool', tool_name: 'add', content: '{"sum":5}' });
      expect(last[6]!.tool_calls).toEqual([call('scale', { x: 5, factor: 4 })]);
      if (stream) expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe(stream ? 'The result is 20.' : '');
      expect(result.usage.input).toBeGreaterThan(0);
      expect(result.modelCalls).toHaveLength(3);
    });
  }

  it('accepts tool calls a small model writes as JSON in its content', async () => {
    const llm = await ollama(
      (_req, turn) =>
        [
          { content: '```json\n{"name": "add", "arguments": {"a": 1, "b": 1}}\n```' },
          { content: '<tool_call>{"name": "scale", "arguments": "{\\"x\\": 2, \\"factor\\": null}"}</tool_call>' },
          { content: '[{"name": "add", "parameters": {"a": 2, "b": 0}}]' },
          { content: 'Two.' },
        ][turn]!,
    );
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({ llm, system: 's', history: [], tools, question: 'q', budget });
    expect(result.answer).toBe('Two.');
    expect(runs.map((r) => r.args)).toEqual([
      { a: 1, b: 1 },
      { x: 2, factor: null },
      { a: 2, b: 0 },
    ]);
  });

  it('feeds a readable validation error back once and runs the repaired call', async () => {
    const llm = await ollama(
      (_req, turn) =>
        [
          { tool_calls: [call('add', { a: 'two', b: 3 })] },
          { tool_calls: [call('add', { a: 2, b: 3 })] },
          { content: '5' },
        ][turn]!,
    );
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({ llm, system: 's', history: [], tools, question: '2+3?', budget });
    expect(result.answer).toBe('5');
    expect(runs).toEqual([{ name: 'add', args: { a: 2, b: 3 } }]);
    const fedBack = JSON.parse(fake!.requests[1]!.messages.at(-1)!.content) as { error: string };
    expect(fedBack.error).toMatch(/invalid arguments for add/);
    expect(fedBack.error).toMatch(/expected number.*\n.*→ at a/s);
    expect(result.steps[0]).toMatchObject({ tool: 'add', ok: false });
  });

  it('gives up clearly when the model makes an invalid call again, running nothing', async () => {
    const llm = await ollama(
      (_req, turn) => [{ tool_calls: [call('ad', { a: 1, b: 2 })] }, { tool_calls: [call('add', { a: 1 })] }][turn]!,
    );
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({ llm, system: 's', history: [], tools, question: 'q', budget });
    expect(result.stopped).toBe('invalid_calls');
    expect(result.answer).toMatch(/invalid tool call again.*invalid arguments for add/s);
    expect((JSON.parse(fake!.requests[1]!.messages.at(-1)!.content) as { error: string }).error).toMatch(
      /unknown tool "ad"; the tools are: add, scale/,
    );
    expect(runs).toEqual([]);
  });

  it('detects a prompt Ollama truncated from prompt_eval_count', async () => {
    const llm = await ollama(() => ({ content: 'I have lost my instructions' }), { numCtx: 600 });
    const { tools } = arithmeticTools();
    // Fits the client's estimate, not the server's tokenizer: Ollama drops the oldest messages.
    const history = [
      { role: 'user' as const, text: 'x'.repeat(1200) },
      { role: 'assistant' as const, text: 'ok' },
    ];
    await expect(
      runToolLoop({ llm, system: 'You do arithmetic.', history, tools, question: 'q', budget }),
    ).rejects.toThrow(/evaluated 600 prompt tokens of num_ctx=600: the prompt was truncated/);
    expect(fake!.requests[0]!.options?.num_ctx).toBe(600);
  });

  it('refuses a prompt that cannot fit before sending it', async () => {
    const llm = await ollama(() => ({ content: 'never' }), { numCtx: 600 });
    const { tools } = arithmeticTools();
    const history = [{ role: 'user' as const, text: 'x'.repeat(5000) }];
    await expect(runToolLoop({ llm, system: 's', history, tools, question: 'q', budget })).rejects.toBeInstanceOf(
      ContextOverflowError,
    );
    expect(fake!.requests).toHaveLength(0);
  });

  it('stops at the tool-call budget: the call past it never runs', async () => {
    const llm = await ollama(() => ({ tool_calls: [call('add', { a: 1, b: 1 })] }));
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({
      llm,
      system: 's',
      history: [],
      tools,
      question: 'q',
      budget: { maxToolCalls: 3, maxTokens: 1e9 },
    });
    expect(result.stopped).toBe('tool_budget');
    expect(runs).toHaveLength(3);
    expect(result.answer).toMatch(/budget of 3 tool calls/);
  });

  it('embeds through /api/embed', async () => {
    const llm = await ollama(() => ({ content: '' }));
    const vectors = await llm.embed!(['ab', 'b']);
    expect(vectors[0]!.slice(0, 3)).toEqual([1, 1, 0]);
    expect(fake!.embedRequests).toEqual([{ model: 'nomic-embed-text', input: ['ab', 'b'] }]);
  });
});
