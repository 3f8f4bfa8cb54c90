/**
 * The copilot's client: POST /copilot/v1/ask on the dashboard's own origin (the api function forwards it),
 * read as server-sent events so text and steps show while the model works.
 */
import type { AskAnswer } from '../../../shared/copilot/ask.js';
import type { Step } from '../../../shared/copilot/loop.js';
import { ApiError } from '../api.js';

export type { AskAnswer, Step };
export type { Citation } from '../../../shared/copilot/tool.js';

export interface AskHandlers {
  text(delta: string): void;
  step(step: Step): void;
}

/** One `event:`/`data:` block of the stream. */
function parseEvent(block: string): { event: string; data: unknown } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) as unknown } : undefined;
}

/** Splits the body into events as they arrive (blocks end with a blank line). */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: unknown }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const parsed = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed) yield parsed;
    }
  }
}

/** Asks one question; resolves with the answer, or throws ApiError with the copilot's detail (503 without a model, 429 over a limit). */
export async function askCopilot(
  question: string,
  conversationId: string | undefined,
  on: AskHandlers,
): Promise<AskAnswer> {
  const res = await fetch('/copilot/v1/ask', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, ...(conversationId ? { conversationId } : {}) }),
  });
  if (!res.ok || !res.body || !res.headers.get('content-type')?.includes('text/event-stream')) {
    const problem = (await res.json().catch(() => null)) as { detail?: string; title?: string } | null;
    throw new ApiError(res.status, problem?.detail ?? problem?.title ?? `${res.status} ${res.statusText}`);
  }
  for await (const { event, data } of events(res.body)) {
    if (event === 'text') on.text((data as { delta: string }).delta);
    else if (event === 'step') on.step(data as Step);
    else if (event === 'answer') return data as AskAnswer;
    else if (event === 'error') {
      const e = data as { status: number; detail: string };
      throw new ApiError(e.status, e.detail);
    }
  }
  throw new ApiError(502, 'the copilot closed the stream without an answer');
}
