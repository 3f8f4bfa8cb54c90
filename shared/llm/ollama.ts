import { z } from 'zod';
import { callsInContent } from './content-calls.js';
import { toolJsonSchema } from './json-schema.js';
import {
  ContextOverflowError,
  LlmError,
  type CallResult,
  type Llm,
  type LlmSession,
  type ModelCall,
  type ModelTurn,
  type SessionOptions,
} from './port.js';

export interface OllamaOptions {
  /** e.g. http://127.0.0.1:11434 */
  readonly host: string;
  readonly model: string;
  /** Always sent as options.num_ctx: Ollama's default is small and it silently drops the prompt's beginning. */
  readonly numCtx: number;
  readonly embedModel?: string;
  /** Stream the answer (NDJSON) so text reaches onText as it is produced. */
  readonly stream?: boolean;
  readonly timeoutMs?: number;
}

interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: Array<{ function: { name: string; arguments: unknown } }>;
  tool_name?: string;
}

const toolCallSchema = z.object({
  id: z.string().optional(),
  function: z.object({ name: z.string(), arguments: z.unknown() }),
});

/** One /api/chat answer, or one line of a streamed one (documented in ollama/docs/api.md). */
const chatChunk = z.object({
  model: z.string().optional(),
  message: z
    .object({
      role: z.string().optional(),
      content: z.string().default(''),
      tool_calls: z.array(toolCallSchema).optional(),
    })
    .optional(),
  done: z.boolean().default(false),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  error: z.string().optional(),
});
type ChatChunk = z.infer<typeof chatChunk>;

/** Rough token count of a prompt (about four characters a token): enough to refuse one that cannot fit. */
export function estimateTokens(value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / 4);
}

/** Share of num_ctx above which a prompt is taken as cut: Ollama fills the context to the brim when it truncates. */
const FULL_CONTEXT = 0.95;

class OllamaSession implements LlmSession {
  private readonly messages: OllamaMessage[];
  private callCount = 0;

  constructor(
    private readonly llm: OllamaLlm,
    private readonly options: SessionOptions,
  ) {
    this.messages = [
      { role: 'system', content: options.system },
      ...options.history.map((m) => ({ role: m.role, content: m.text }) satisfies OllamaMessage),
    ];
  }

  ask(question: string): Promise<ModelTurn> {
    this.messages.push({ role: 'user', content: question });
    return this.turn();
  }

  reply(results: readonly CallResult[]): Promise<ModelTurn> {
    for (const r of results)
      this.messages.push({ role: 'tool', tool_name: r.name, content: JSON.stringify(r.content) });
    return this.turn();
  }

  private nextId = (): string => `call_${++this.callCount}`;

  private async turn(): Promise<ModelTurn> {
    const tools = this.options.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: toolJsonSchema(t.args) },
    }));
    const body = {
      model: this.llm.model,
      messages: this.messages,
      tools,
      stream: this.llm.options.stream ?? false,
      options: { num_ctx: this.llm.contextTokens },
    };
    const estimate = estimateTokens({ messages: this.messages, tools });
    if (estimate >= this.llm.contextTokens) {
      throw new ContextOverflowError(
        `the prompt needs about ${estimate} tokens, more than num_ctx=${this.llm.contextTokens}; raise KILOWATCH_LLM_NUM_CTX or ask a shorter question`,
      );
    }
    const chunks = await this.llm.post('/api/chat', body, this.options.onText);
    const last = chunks.at(-1);
    if (!last?.done) throw new LlmError('Ollama ended the answer without done=true');
    const text = chunks.map((c) => c.message?.content ?? '').join('');
    const native = chunks.flatMap((c) => c.message?.tool_calls ?? []);
    const promptTokens = last.prompt_eval_count ?? 0;
    if (promptTokens >= FULL_CONTEXT * this.llm.contextTokens) {
      throw new ContextOverflowError(
        `Ollama evaluated ${promptTokens} prompt tokens of num_ctx=${this.llm.contextTokens}: the prompt was truncated ` +
          '(its beginning, with the instructions and tools, was dropped); raise KILOWATCH_LLM_NUM_CTX',
      );
    }
    let calls: ModelCall[] = native.map((c) => ({
      id: c.id ?? this.nextId(),
      name: c.function.name,
      args: c.function.arguments,
    }));
    let answer = text;
    if (calls.length === 0) {
      const inContent = callsInContent(text, this.nextId);
      if (inContent) {
        calls = inContent;
        answer = '';
      }
    }
    this.messages.push({
      role: 'assistant',
      content: answer,
      ...(calls.length > 0
        ? { tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.args } })) }
        : {}),
    });
    return { text: answer, calls, usage: { input: promptTokens, output: last.eval_count ?? 0 }, model: this.llm.model };
  }
}

/** Ollama's native API: /api/chat with tools, /api/embed. */
export class OllamaLlm implements Llm {
  readonly provider = 'ollama';
  readonly model: string;
  readonly contextTokens: number;
  readonly embed?: (texts: readonly string[]) => Promise<number[][]>;

  constructor(readonly options: OllamaOptions) {
    this.model = options.model;
    this.contextTokens = options.numCtx;
    const embedModel = options.embedModel;
    if (embedModel) this.embed = (texts) => this.embedWith(embedModel, texts);
  }

  start(options: SessionOptions): LlmSession {
    return new OllamaSession(this, options);
  }

  private async embedWith(model: string, texts: readonly string[]): Promise<number[][]> {
    const response = await this.request('/api/embed', {
      model,
      input: texts,
      options: { num_ctx: this.contextTokens },
    });
    const parsed = z.object({ embeddings: z.array(z.array(z.number())) }).safeParse(await response.json());
    if (!parsed.success || parsed.data.embeddings.length !== texts.length) {
      throw new LlmError(`Ollama /api/embed answered no embedding per input (${texts.length} asked)`);
    }
    return parsed.data.embeddings;
  }

  private async request(path: string, body: unknown): Promise<Response> {
    const url = new URL(path, this.options.host);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw new LlmError(
        `Ollama at ${this.options.host} is unreachable (${(error as Error).message}); is \`ollama serve\` running?`,
        undefined,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) {
      const detail = await response.text();
      throw new LlmError(`Ollama ${path} answered ${response.status}: ${detail.slice(0, 500)}`, response.status);
    }
    return response;
  }

  /** POSTs a chat request; a streamed answer is read line by line (NDJSON), text deltas go to onText. */
  async post(path: string, body: { stream: boolean }, onText?: (delta: string) => void): Promise<ChatChunk[]> {
    const response = await this.request(path, body);
    if (!body.stream) return [parseChunk(await response.text())];
    const chunks: ChatChunk[] = [];
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const part of response.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(part, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        const chunk = parseChunk(line);
        if (chunk.message?.content) onText?.(chunk.message.content);
        chunks.push(chunk);
      }
    }
    if (buffered.trim()) chunks.push(parseChunk(buffered));
    return chunks;
  }
}

function parseChunk(line: string): ChatChunk {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new LlmError(`Ollama answered something that is not JSON: ${line.slice(0, 200)}`);
  }
  const parsed = chatChunk.safeParse(json);
  if (!parsed.success) throw new LlmError(`Ollama answered an unexpected shape: ${parsed.error.issues[0]?.message}`);
  if (parsed.data.error) throw new LlmError(`Ollama: ${parsed.data.error}`);
  return parsed.data;
}
