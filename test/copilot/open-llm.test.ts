import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env.js';
import { OllamaLlm } from '../../shared/llm/ollama.js';
import { openLlm } from '../../shared/llm/open.js';
import { VertexLlm } from '../../shared/llm/vertex.js';

describe('KILOWATCH_LLM picks the adapter', () => {
  it('none by default', async () => {
    expect(await openLlm(loadConfig({}))).toBeUndefined();
  });
  it('ollama with num_ctx 16384 unless told otherwise', async () => {
    const llm = await openLlm(loadConfig({ KILOWATCH_LLM: 'ollama', KILOWATCH_LLM_MODEL: 'qwen3:8b' }));
    expect(llm).toBeInstanceOf(OllamaLlm);
    expect(llm?.contextTokens).toBe(16_384);
    expect((llm as OllamaLlm).options.host).toBe('http://127.0.0.1:11434');
  });
  it('vertex needs a project and a model', async () => {
    expect(() => loadConfig({ KILOWATCH_LLM: 'vertex', KILOWATCH_LLM_MODEL: 'gemini-2.5-flash' })).toThrow(
      /GOOGLE_CLOUD_PROJECT: required when KILOWATCH_LLM=vertex/,
    );
    expect(() => loadConfig({ KILOWATCH_LLM: 'ollama' })).toThrow(/KILOWATCH_LLM_MODEL: required/);
    expect(() => loadConfig({ KILOWATCH_LLM: 'gpt' })).toThrow(/KILOWATCH_LLM/);
    const llm = await openLlm(
      loadConfig({
        KILOWATCH_LLM: 'vertex',
        KILOWATCH_LLM_MODEL: 'gemini-2.5-flash',
        GOOGLE_CLOUD_PROJECT: 'p',
        VERTEX_API_ENDPOINT: 'http://127.0.0.1:1',
      }),
    );
    expect(llm).toBeInstanceOf(VertexLlm);
  });
});
