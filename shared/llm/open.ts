import type { Config } from '../config/env.js';
import type { Llm } from './port.js';

/** How to turn the copilot on, for answers given while KILOWATCH_LLM=none. */
export const CONFIGURE_LLM_HINT =
  'no language model is configured: set KILOWATCH_LLM=ollama with KILOWATCH_LLM_MODEL=<tag> (a local `ollama serve`, ' +
  'OLLAMA_HOST) or KILOWATCH_LLM=vertex with KILOWATCH_LLM_MODEL=<gemini model> and GOOGLE_CLOUD_PROJECT (see docs/copilot.md)';

/** The configured model, or undefined for KILOWATCH_LLM=none; the SDKs load only when used. */
export async function openLlm(config: Config): Promise<Llm | undefined> {
  const model = config.KILOWATCH_LLM_MODEL as string;
  if (config.KILOWATCH_LLM === 'ollama') {
    const { OllamaLlm } = await import('./ollama.js');
    return new OllamaLlm({
      host: config.OLLAMA_HOST,
      model,
      numCtx: config.KILOWATCH_LLM_NUM_CTX,
      embedModel: config.KILOWATCH_LLM_EMBED_MODEL,
      stream: true,
    });
  }
  if (config.KILOWATCH_LLM === 'vertex') {
    const { VertexLlm } = await import('./vertex.js');
    return new VertexLlm({
      project: config.GOOGLE_CLOUD_PROJECT as string,
      location: config.KILOWATCH_VERTEX_LOCATION,
      model,
      contextTokens: config.KILOWATCH_LLM_NUM_CTX,
      embedModel: config.KILOWATCH_LLM_EMBED_MODEL,
      apiEndpoint: config.VERTEX_API_ENDPOINT,
    });
  }
  return undefined;
}
