import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat request as Ollama receives it (POST /api/chat). */
export interface OllamaChatRequest {
  model: string;
  messages: Array<{
    role: string;
    content: string;
    tool_calls?: Array<{ function: { name: string; arguments: unknown } }>;
    tool_name?: string;
  }>;
  tools?: Array<{ type: string; function: { name: string; description: string; parameters: Record<string, unknown> } }>;
  stream?: boolean;
  options?: { num_ctx?: number };
}

/** What the scripted model says next. */
export interface OllamaScriptedReply {
  content?: string;
  tool_calls?: Array<{ function: { name: string; arguments: unknown } }>;
}

export type OllamaScript = (request: OllamaChatRequest, turn: number) => OllamaScriptedReply;

/** Ollama's default context when a request sends no options.num_ctx. */
const OLLAMA_DEFAULT_CTX = 4096;

/**
 * A local server speaking Ollama's native API (docs/api.md): /api/chat with and without streaming (NDJSON,
 * a final line with done, prompt_eval_count and eval_count) and /api/embed. Like Ollama, a prompt longer
 * than num_ctx loses its oldest messages and reports a full context.
 */
export class FakeOllama {
  readonly requests: OllamaChatRequest[] = [];
  readonly embedRequests: Array<{ model: string; input: string[] }> = [];
  private turn = 0;
  private server: http.Server | undefined;

  constructor(private readonly script: OllamaScript) {}

  async listen(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    if (req.url === '/api/embed') {
      const input = body.input as string[];
      this.embedRequests.push({ model: body.model as string, input });
      // A deterministic bag-of-letters vector stands in for a model's embedding.
      const embeddings = input.map((t) =>
        Array.from(
          { length: 26 },
          (_, i) =>
            t
              .toLowerCase()
              .split('')
              .filter((ch) => ch.charCodeAt(0) - 97 === i).length,
        ),
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: body.model, embeddings }));
      return;
    }
    if (req.url !== '/api/chat') {
      res.writeHead(404).end('404 page not found');
      return;
    }
    const request = body as unknown as OllamaChatRequest;
    this.requests.push(request);
    const numCtx = request.options?.num_ctx ?? OLLAMA_DEFAULT_CTX;
    const kept = [...request.messages];
    // Real tokenizers cut JSON and numbers finer than the client's four-characters-a-token estimate.
    const tokens = (): number => Math.ceil(JSON.stringify({ messages: kept, tools: request.tools ?? [] }).length / 3);
    let truncated = false;
    while (kept.length > 1 && tokens() > numCtx) {
      kept.shift();
      truncated = true;
    }
    const reply = this.script({ ...request, messages: kept }, this.turn++);
    const done = {
      model: request.model,
      created_at: new Date().toISOString(),
      done: true,
      done_reason: 'stop',
      prompt_eval_count: truncated ? numCtx : tokens(),
      eval_count: Math.ceil(JSON.stringify(reply).length / 4),
    };
    const message = {
      role: 'assistant',
      content: reply.content ?? '',
      ...(reply.tool_calls ? { tool_calls: reply.tool_calls } : {}),
    };
    if (request.stream === false) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...done, message }));
      return;
    }
    // Streaming is Ollama's default: text in pieces, tool calls in their own chunk, then the done line.
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const pieces = (reply.content ?? '').match(/.{1,7}/gs) ?? [];
    for (const piece of pieces) {
      res.write(
        `${JSON.stringify({ model: request.model, message: { role: 'assistant', content: piece }, done: false })}\n`,
      );
    }
    if (reply.tool_calls) {
      res.write(
        `${JSON.stringify({ model: request.model, message: { role: 'assistant', content: '', tool_calls: reply.tool_calls }, done: false })}\n`,
      );
    }
    res.end(`${JSON.stringify({ ...done, message: { role: 'assistant', content: '' } })}\n`);
  }
}
