import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/**
 * Pub/Sub pushes with POST; anything else sent to a locally hosted function (a browser, curl) gets 405 in JSON
 * saying what the port accepts, instead of reaching the functions framework, whose event middleware fails on a
 * bodiless request with a 500 HTML stack trace.
 */
export function acceptPushOnly(server: Server, accepts: string): void {
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      for (const listener of framework) listener.call(server, req, res);
      return;
    }
    const body = JSON.stringify({
      error: { code: 405, message: `${req.method ?? '?'} is not accepted here: ${accepts}` },
    });
    res.writeHead(405, {
      allow: 'POST',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
}
