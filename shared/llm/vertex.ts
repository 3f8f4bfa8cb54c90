import { GoogleGenAI, type Content, type GenerateContentResponse, type Part } from '@google/genai';
import { PassThroughClient } from 'google-auth-library';
import { toolJsonSchema } from './json-schema.js';
import { LlmError, type CallResult, type Llm, type LlmSession, type ModelTurn, type SessionOptions } from './port.js';

export interface VertexOptions {
  readonly project: string;
  readonly location: string;
  readonly model: string;
  readonly contextTokens: number;
  readonly embedModel?: string;
  /**
   * Endpoint override (VERTEX_API_ENDPOINT). A host outside googleapis.com is a local server speaking the
   * REST API (tests): requests then carry no credentials. Otherwise ADC: workload identity on Cloud Run.
   */
  readonly apiEndpoint?: string;
  readonly timeoutMs?: number;
}

function isGoogleHost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'googleapis.com' || host.endsWith('.googleapis.com');
}

class VertexSession implements LlmSession {
  /** The transcript exactly as Gemini returned it: parts keep their thoughtSignature. */
  private readonly contents: Content[];
  private callCount = 0;

  constructor(
    private readonly llm: VertexLlm,
    private readonly options: SessionOptions,
  ) {
    this.contents = options.history.map((m) => ({
      role: m.role === 'assistant' ? 'model' : 'user',
      parts: [{ text: m.text }],
    }));
  }

  ask(question: string): Promise<ModelTurn> {
    this.contents.push({ role: 'user', parts: [{ text: question }] });
    return this.turn();
  }

  reply(results: readonly CallResult[]): Promise<ModelTurn> {
    const parts: Part[] = results.map((r) => ({
      functionResponse: { id: r.callId, name: r.name, response: { output: r.content } },
    }));
    this.contents.push({ role: 'user', parts });
    return this.turn();
  }

  private async turn(): Promise<ModelTurn> {
    let response: GenerateContentResponse;
    try {
      response = await this.llm.client.models.generateContent({
        model: this.llm.model,
        contents: this.contents,
        config: {
          systemInstruction: this.options.system,
          tools: [
            {
              functionDeclarations: this.options.tools.map((t) => ({
                name: t.name,
                description: t.description,
                parametersJsonSchema: toolJsonSchema(t.args),
              })),
            },
          ],
          // The loop is ours: calls are validated and budgeted before anything runs.
          automaticFunctionCalling: { disable: true },
          abortSignal: AbortSignal.timeout(this.llm.options.timeoutMs ?? 120_000),
        },
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw new LlmError(`Vertex AI generateContent failed: ${(error as Error).message}`, status, { cause: error });
    }
    const candidate = response.candidates?.[0];
    const content = candidate?.content;
    if (!content?.parts) {
      throw new LlmError(`Vertex AI answered no content (finishReason ${candidate?.finishReason ?? 'none'})`);
    }
    // Kept verbatim, signatures included: Gemini 3 refuses a function response whose call lost its signature.
    this.contents.push({ ...content, role: 'model' });
    const text = content.parts
      .filter((p) => typeof p.text === 'string' && !p.thought)
      .map((p) => p.text)
      .join('');
    if (text) this.options.onText?.(text);
    const calls = content.parts
      .filter((p) => p.functionCall?.name)
      .map((p) => ({
        id: p.functionCall?.id ?? `call_${++this.callCount}`,
        name: p.functionCall?.name ?? '',
        args: p.functionCall?.args ?? {},
      }));
    const usage = response.usageMetadata;
    return {
      text,
      calls,
      usage: {
        input: usage?.promptTokenCount ?? 0,
        output: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      },
      model: response.modelVersion ?? this.llm.model,
    };
  }
}

/** Vertex AI Gemini through @google/genai in Vertex mode, with Application Default Credentials (no API keys). */
export class VertexLlm implements Llm {
  readonly provider = 'vertex';
  readonly model: string;
  readonly contextTokens: number;
  readonly client: GoogleGenAI;
  readonly embed?: (texts: readonly string[]) => Promise<number[][]>;

  constructor(readonly options: VertexOptions) {
    this.model = options.model;
    this.contextTokens = options.contextTokens;
    const local = options.apiEndpoint !== undefined && !isGoogleHost(options.apiEndpoint);
    this.client = new GoogleGenAI({
      vertexai: true,
      project: options.project,
      location: options.location,
      ...(options.apiEndpoint ? { httpOptions: { baseUrl: options.apiEndpoint } } : {}),
      ...(local ? { googleAuthOptions: { authClient: new PassThroughClient() } } : {}),
    });
    const embedModel = options.embedModel;
    if (embedModel) this.embed = (texts) => this.embedWith(embedModel, texts);
  }

  start(options: SessionOptions): LlmSession {
    return new VertexSession(this, options);
  }

  private async embedWith(model: string, texts: readonly string[]): Promise<number[][]> {
    const response = await this.client.models.embedContent({ model, contents: [...texts] });
    const vectors = (response.embeddings ?? []).map((e) => e.values ?? []);
    if (vectors.length !== texts.length)
      throw new LlmError(`Vertex AI answered ${vectors.length} embeddings for ${texts.length} texts`);
    return vectors;
  }
}
