import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/**
 * Pub/Sub pushes JSON with POST; anything else sent to a locally hosted function (a browser, curl) gets 405 in JSON
 * saying what the port accepts, instead of reaching the functions framework, whose event middleware fails on a
 * bodiless request with a 500 HTML stack trace.
 */
export function acceptPushOnly(server: Server, accepts: string): void {
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Pushes are JSON; the framework's event middleware fails on a text body (a 500 HTML stack trace).
    if (req.method === 'POST' && /json/i.test(req.headers['content-type'] ?? '')) {
      for (const listener of framework) listener.call(server, req, res);
      return;
    }
    if (req.method === 'POST') {
      refuse(
        res,
        415,
        {},
        `content-type ${req.headers['content-type'] ?? '(none)'} is not accepted: ${accepts}, as application/json or application/cloudevents+json`,
      );
      return;
    }
    refuse(res, 405, { allow: 'POST' }, `${req.method ?? '?'} is not accepted here: ${accepts}`);
  });
}

function refuse(res: ServerResponse, code: number, headers: Record<string, string>, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(code, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
