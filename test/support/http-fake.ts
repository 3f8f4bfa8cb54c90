import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake server received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, percent-decoded. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined for an empty one. */
  body: unknown;
  bodyBytes: number;
}

/** A failure the next request(s) get instead of an answer. */
export type InjectedFailure =
  { kind: 'status'; status: number; reason?: string; message?: string; html?: boolean } | { kind: 'reset' };

export interface Reply {
  status: number;
  body: unknown;
}

const GRPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's JSON error shape (https://cloud.google.com/apis/design/errors#http_mapping). */
export function googleError(status: number, message: string, reason?: string): Reply {
  const error: Record<string, unknown> = { code: status, message, status: GRPC_STATUS[status] ?? 'UNKNOWN' };
  if (reason) error.errors = [{ message, domain: 'global', reason }];
  return { status, body: { error } };
}

/**
 * A node:http server on 127.0.0.1, port 0, that records every request and lets a test inject failures;
 * the protocol itself is the subclass's `handle`.
 */
export abstract class HttpFake {
  readonly requests: RecordedRequest[] = [];
  /** Exceptions thrown by `handle`: a test should expect none. */
  readonly bugs: unknown[] = [];
  private readonly failures: InjectedFailure[] = [];
  private server: http.Server | undefined;
  /** Largest request body accepted, as the real service enforces it. */
  protected maxBodyBytes = 10 * 1024 * 1024;

  protected abstract handle(request: RecordedRequest): Reply | Promise<Reply>;

  async listen(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `count` requests fail this way (default: 503 backendError) instead of being served. */
  failNext(count: number, failure: InjectedFailure = { kind: 'status', status: 503, reason: 'backendError' }): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Drops the failures not injected yet: the outage is over. */
  failNoMore(): void {
    this.failures.length = 0;
  }

  /** Requests still waiting for an injected failure. */
  get pendingFailures(): number {
    return this.failures.length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      bodyBytes: raw.length,
    };
    try {
      recorded.body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      recorded.body = raw.toString('utf8');
    }
    this.requests.push(recorded);
    const failure = this.failures.shift();
    if (failure?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (failure) {
      if (failure.html) {
        res.writeHead(failure.status, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        return;
      }
      reply = googleError(failure.status, failure.message ?? 'injected failure', failure.reason);
    } else if (raw.length > this.maxBodyBytes) {
      reply = googleError(400, `Request payload size exceeds the limit: ${this.maxBodyBytes} bytes.`, 'invalid');
    } else {
      if (typeof recorded.body === 'string') {
        reply = googleError(400, 'Invalid JSON payload received.', 'parseError');
      } else {
        try {
          reply = await this.handle(recorded);
        } catch (error) {
          // A bug in the fake, not a service answer: keep it for the test to see.
          this.bugs.push(error);
          reply = googleError(500, `fake server bug: ${(error as Error).message}`);
        }
      }
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(reply.body));
  }
}
