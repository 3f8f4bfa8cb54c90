import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaLlm } from '../../shared/llm/ollama.js';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';
import { chunkMarkdown } from '../../shared/procedures/chunk.js';
import { loadCorpus } from '../../shared/procedures/corpus.js';
import { ProcedureIndex } from '../../shared/procedures/search.js';
import type { Chunk } from '../../shared/procedures/chunk.js';
import { FakeOllama } from '../support/fake-ollama.js';

let chunks: Chunk[];
let index: ProcedureIndex;
beforeAll(async () => {
  chunks = await loadCorpus(new LocalFolderStore('data/procedures'), '');
  index = await ProcedureIndex.build(chunks);
});

describe('procedure corpus', () => {
  it('chunks the shipped documents by section with unique ids, skipping the README', () => {
    const sources = new Set(chunks.map((c) => c.source));
    expect([...sources].sort()).toEqual([
      'data-outage-runbook.md',
      'peak-shaving.md',
      'power-factor-correction.md',
      'pump-and-valve-inspection.md',
      'stuck-or-tampered-meter.md',
    ]);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
    expect(chunks.map((c) => c.id)).toContain('stuck-or-tampered-meter.md#inspection-on-site');
    expect(chunks.every((c) => c.text.length <= 1_200 || !c.text.includes('\n\n'))).toBe(true);
  });

  it('splits a long section and numbers its pieces', () => {
    const long = `# T\n\n## Part\n\n${Array.from({ length: 5 }, (_, i) => `${'word '.repeat(80)}${i}`).join('\n\n')}`;
    const ids = chunkMarkdown('t.md', long).map((c) => c.id);
    expect(ids).toEqual(['t.md#part', 't.md#part-2', 't.md#part-3']);
  });
});

describe('procedure search (BM25)', () => {
  const top = async (q: string) => (await index.search(q)).hits[0]?.chunk.source;
  it('finds the procedure a question is about', async () => {
    expect(await top('What is the procedure for a stuck meter?')).toBe('stuck-or-tampered-meter.md');
    expect(await top('How do we inspect a valve?')).toBe('pump-and-valve-inspection.md');
    expect(await top('How much should we correct the lagging power factor, and with what capacitor?')).toBe(
      'power-factor-correction.md',
    );
    expect(await top('How do we reduce our peak demand charge?')).toBe('peak-shaving.md');
    expect(await top('A device stopped reporting data, what is the runbook?')).toBe('data-outage-runbook.md');
  });

  it('says so when the corpus has no procedure for the question', async () => {
    for (const q of [
      'How do I replace a turbine blade?',
      'What is the fire evacuation drill?',
      'Procedure for welding certification',
    ]) {
      expect(await index.search(q), q).toEqual({ found: false, hits: [] });
    }
  });
});

describe('procedure search, hybrid with embeddings from the LLM port', () => {
  let fake: FakeOllama;
  afterAll(() => fake.close());
  it('embeds chunks once and each question, and fuses both rankings', async () => {
    fake = await new FakeOllama(() => ({ content: '' })).listen();
    const llm = new OllamaLlm({ host: fake.url, model: 'm', numCtx: 16_384, embedModel: 'nomic-embed-text' });
    const hybrid = await ProcedureIndex.build(chunks, llm.embed);
    const answer = await hybrid.search('valve inspection');
    expect(answer.found).toBe(true);
    expect(answer.hits[0]!.chunk.source).toBe('pump-and-valve-inspection.md');
    expect(typeof answer.hits[0]!.similarity).toBe('number');
    expect(fake.embedRequests.map((r) => r.input.length)).toEqual([chunks.length, 1]);
  });
});
