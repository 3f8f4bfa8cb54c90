import { HttpFake, googleError, type RecordedRequest, type Reply } from './http-fake.js';

interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { id?: string; name: string; args?: unknown };
  functionResponse?: { id?: string; name: string; response: unknown };
}
export interface VertexContent {
  role: string;
  parts: Part[];
}
export interface GenerateContentRequest {
  contents: VertexContent[];
  systemInstruction?: VertexContent;
  tools?: Array<{
    functionDeclarations?: Array<{ name: string; description?: string; parametersJsonSchema?: unknown }>;
  }>;
}

/** What the scripted model says next: parts of one candidate (signatures are added by the fake). */
export type VertexScript = (request: GenerateContentRequest, turn: number) => Part[];

const PATH = /^\/v1beta1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):generateContent$/;

/**
 * A local server speaking Vertex AI's generateContent (REST, v1beta1) as Gemini 3 does: every functionCall
 * part carries a thoughtSignature, and a later request whose history lost or altered one is answered 400.
 */
export class FakeVertex extends HttpFake {
  private turn = 0;
  private readonly issued = new Map<string, string>();

  constructor(private readonly script: VertexScript) {
    super();
  }

  get generateRequests(): Array<RecordedRequest & { body: GenerateContentRequest }> {
    return this.requests.filter((r) => PATH.test(r.path)) as Array<RecordedRequest & { body: GenerateContentRequest }>;
  }

  protected handle(request: RecordedRequest): Reply {
    const match = PATH.exec(request.path);
    if (request.method !== 'POST' || !match) return googleError(404, `no route ${request.method} ${request.path}`);
    const body = request.body as GenerateContentRequest;
    for (const content of body.contents) {
      for (const part of content.parts) {
        if (content.role !== 'model' || !part.functionCall) continue;
        const expected = this.issued.get(`${part.functionCall.id}`);
        if (expected !== undefined && part.thoughtSignature !== expected) {
          return googleError(
            400,
            `Function call is missing a thought_signature in functionCall parts. (call ${part.functionCall.id})`,
          );
        }
      }
    }
    const turn = this.turn++;
    const parts = this.script(body, turn).map((p, i) => {
      if (!p.functionCall) return p;
      const id = p.functionCall.id ?? `fc-${turn}-${i}`;
      const signature = Buffer.from(`sig-${turn}-${i}`).toString('base64');
      this.issued.set(id, signature);
      return { ...p, functionCall: { ...p.functionCall, id }, thoughtSignature: signature };
    });
    return {
      status: 200,
      body: {
        candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
        usageMetadata: {
          promptTokenCount: 100 + turn,
          candidatesTokenCount: 10,
          thoughtsTokenCount: 5,
          totalTokenCount: 115 + turn,
        },
        modelVersion: match[3],
      },
    };
  }
}
