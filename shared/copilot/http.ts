import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { log } from '../log/logger.js';
import { QueryError } from '../query/errors.js';
import { askInput, AskRefusedError, type AskAnswer, type AskInput } from './ask.js';
import type { LoopEvent } from './loop.js';
import { runGuardedSql } from './sql/guarded-sql.js';
import type { SqlRunner } from './sql/runner.js';

export interface CopilotHttpDeps {
  readonly ask: (caller: string, input: AskInput, onEvent?: (e: LoopEvent) => void) => Promise<AskAnswer>;
  readonly sql: SqlRunner;
  readonly sqlMaxRows: number;
  /** Take the asker from the identity header IAP sets (KILOWATCH_COPILOT_TRUST_IAP); else the client address. */
  readonly trustIap?: boolean;
}

/** The slice of the functions framework's request and response this handler uses. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly ip?: string;
}
export interface HttpResponse {
  status(code: number): HttpResponse;
  set(name: string, value: string): HttpResponse;
  json(body: unknown): void;
  write(chunk: string): boolean;
  end(): void;
  flushHeaders(): void;
}

const sqlInput = z.strictObject({ sql: z.string().min(1).max(8_000) });

/** Who asks: the identity Identity-Aware Proxy asserts where that header can be trusted, else the client address. */
function callerOf(req: HttpRequest, trustIap: boolean): string {
  const iap = req.headers['x-goog-authenticated-user-email'];
  if (trustIap && typeof iap === 'string' && iap) return iap.replace(/^accounts\.google\.com:/, '');
  return req.ip ?? 'unknown';
}

function problem(res: HttpResponse, status: number, detail: string, retryAfterS?: number): void {
  if (retryAfterS !== undefined) res.set('Retry-After', String(retryAfterS));
  res
    .status(status)
    .set('content-type', 'application/problem+json')
    .json({
      status,
      title: status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Bad Request',
      detail,
    });
}

function statusOf(error: unknown): { status: number; detail: string; retryAfterS?: number } {
  if (error instanceof AskRefusedError)
    return { status: error.status, detail: error.message, retryAfterS: error.retryAfterS };
  if (error instanceof QueryError) return { status: error.kind === 'not_found' ? 404 : 422, detail: error.message };
  return { status: 500, detail: 'the copilot failed; see the logs' };
}

/**
 * POST /v1/ask {question, conversationId?} → {answer, steps, citations, usage}, or a server-sent event stream
 * (text deltas, steps, then the answer) when the client accepts text/event-stream; POST /v1/sql runs guarded SQL.
 */
export async function handleCopilotHttp(deps: CopilotHttpDeps, req: HttpRequest, res: HttpResponse): Promise<void> {
  if (req.method !== 'POST' || (req.path !== '/v1/ask' && req.path !== '/v1/sql')) {
    problem(res, 404, 'POST /v1/ask {question, conversationId?} or POST /v1/sql {sql}');
    return;
  }
  if (req.path === '/v1/sql') {
    const parsed = sqlInput.safeParse(req.body);
    if (!parsed.success) {
      problem(res, 400, z.prettifyError(parsed.error));
      return;
    }
    const answer = await runGuardedSql(deps.sql, parsed.data.sql, deps.sqlMaxRows);
    res.status(answer.ok ? 200 : 422).json(answer);
    return;
  }
  const parsed = askInput.safeParse(req.body);
  if (!parsed.success) {
    problem(res, 400, z.prettifyError(parsed.error));
    return;
  }
  const caller = callerOf(req, deps.trustIap ?? false);
  const streaming = (req.headers.accept ?? '').includes('text/event-stream');
  if (!streaming) {
    try {
      res.status(200).json(await deps.ask(caller, parsed.data));
    } catch (error) {
      const s = statusOf(error);
      if (s.status === 500) log.error('copilot request failed', { error: (error as Error).message, caller });
      problem(res, s.status, s.detail, s.retryAfterS);
    }
    return;
  }
  res.status(200).set('content-type', 'text/event-stream').set('cache-control', 'no-cache').flushHeaders();
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  try {
    const answer = await deps.ask(caller, parsed.data, (e) =>
      e.type === 'text' ? send('text', { delta: e.delta }) : send('step', e.step),
    );
    send('answer', answer);
  } catch (error) {
    const s = statusOf(error);
    if (s.status === 500) log.error('copilot request failed', { error: (error as Error).message, caller });
    send('error', s);
  }
  res.end();
}
