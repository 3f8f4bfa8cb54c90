import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToolLoop } from '../../shared/copilot/loop.js';
import type { VertexLlm } from '../../shared/llm/vertex.js';
import type { FakeVertex, VertexScript } from '../support/fake-vertex.js';
import { arithmeticTools } from '../support/llm-tools.js';
import { guardAgainstGoogleAuth } from '../support/no-google-auth.js';
import { vertexAgainstFake } from '../support/vertex-llm.js';

let guard: Awaited<ReturnType<typeof guardAgainstGoogleAuth>>;
const fakes: FakeVertex[] = [];
beforeAll(async () => {
  guard = await guardAgainstGoogleAuth();
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await guard.restore();
  expect(guard.hits).toEqual([]);
});

async function vertex(script: VertexScript): Promise<{ llm: VertexLlm; fake: FakeVertex }> {
  const made = await vertexAgainstFake(script);
  fakes.push(made.fake);
  return made;
}

const budget = { maxToolCalls: 8, maxTokens: 100_000 };

describe('Vertex AI Gemini adapter (@google/genai, Vertex mode)', () => {
  it('runs a multi-turn tool loop and sends every thought signature back', async () => {
    const { llm, fake } = await vertex(
      (_req, turn) =>
        [
          [{ text: 'planning', thought: true }, { functionCall: { name: 'add', args: { a: 2, b: 3 } } }],
          [
            { functionCall: { name: 'scale', args: { x: 5, factor: 4 } } },
            { functionCall: { name: 'add', args: { a: 20, b: 0 } } },
          ],
          [{ text: 'It is 20.' }],
        ][turn]!,
    );
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({
      llm,
      system: 'Use tools.',
      history: [
        { role: 'user', text: 'hi' },
        { role: 'assistant', text: 'hello' },
      ],
      tools,
      question: '(2+3)*4?',
      budget,
    });
    expect(fake.bugs).toEqual([]);
    expect(result.answer).toBe('It is 20.');
    expect(runs.map((r) => r.name)).toEqual(['add', 'scale', 'add']);
    const requests = fake.generateRequests;
    expect(requests).toHaveLength(3);
    expect(requests[0]!.path).toBe(
      '/v1beta1/projects/plant-prj/locations/europe-west4/publishers/google/models/gemini-3-flash:generateContent',
    );
    expect(requests[0]!.headers.authorization).toBeUndefined();
    expect(requests[0]!.body.systemInstruction?.parts[0]?.text).toBe('Use tools.');
    const declared = requests[0]!.body.tools![0]!.functionDeclarations!;
    expect(declared.map((d) => d.name)).toEqual(['add', 'scale']);
    const third = requests[2]!.body.contents;
    expect(third.map((c) => c.role)).toEqual(['user', 'model', 'user', 'model', 'user', 'model', 'user']);
    // The model's turns come back verbatim: thought part and signatures included.
    expect(third[3]!.parts[0]).toEqual({ text: 'planning', thought: true });
    expect(third[3]!.parts[1]!.thoughtSignature).toBe(Buffer.from('sig-0-1').toString('base64'));
    expect(third[5]!.parts.map((p) => p.thoughtSignature)).toEqual([
      Buffer.from('sig-1-0').toString('base64'),
      Buffer.from('sig-1-1').toString('base64'),
    ]);
    expect(third[6]!.parts.map((p) => p.functionResponse)).toEqual([
      { id: 'fc-1-0', name: 'scale', response: { output: { product: 20 } } },
      { id: 'fc-1-1', name: 'add', response: { output: { sum: 20 } } },
    ]);
    expect(result.usage).toEqual({ input: 100 + 101 + 102, output: 45 });
  });

  it('the fake refuses a history whose function call lost its signature (as Gemini 3 does)', async () => {
    const { fake } = await vertex(() => [{ functionCall: { name: 'add', args: { a: 1, b: 1 } } }]);
    const url = `${fake.url}/v1beta1/projects/p/locations/l/publishers/google/models/m:generateContent`;
    const first = (await (
      await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'q' }] }] }),
      })
    ).json()) as {
      candidates: Array<{ content: { parts: Array<{ functionCall: unknown }> } }>;
    };
    const stripped = { role: 'model', parts: [{ functionCall: first.candidates[0]!.content.parts[0]!.functionCall }] };
    const second = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'q' }] }, stripped] }),
    });
    expect(second.status).toBe(400);
  });

  it('repairs a malformed call once, then answers', async () => {
    const { llm, fake } = await vertex(
      (_req, turn) =>
        [
          [{ functionCall: { name: 'scale', args: { x: 3 } } }],
          [{ functionCall: { name: 'scale', args: { x: 3, factor: 2 } } }],
          [{ text: '6' }],
        ][turn]!,
    );
    const { tools, runs } = arithmeticTools();
    const result = await runToolLoop({ llm, system: 's', history: [], tools, question: '3*2?', budget });
    expect(result.answer).toBe('6');
    expect(runs).toEqual([{ name: 'scale', args: { x: 3, factor: 2 } }]);
    const fedBack = fake.generateRequests[1]!.body.contents.at(-1)!.parts[0]!.functionResponse!.response as {
      output: { error: string };
    };
    expect(fedBack.output.error).toMatch(/invalid arguments for scale:[\s\S]*factor/);
  });
});
