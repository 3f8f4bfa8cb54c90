import { VertexLlm } from '../../shared/llm/vertex.js';
import { FakeVertex, type VertexScript } from './fake-vertex.js';

/** The Vertex AI adapter against a local FakeVertex that answers with `script`; the caller closes the fake. */
export async function vertexAgainstFake(script: VertexScript): Promise<{ llm: VertexLlm; fake: FakeVertex }> {
  const fake = await new FakeVertex(script).listen();
  const llm = new VertexLlm({
    project: 'plant-prj',
    location: 'europe-west4',
    model: 'gemini-3-flash',
    contextTokens: 1_000_000,
    apiEndpoint: fake.url,
  });
  return { llm, fake };
}
