import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP endpoint that answers 200 and keeps every JSON body posted to it, in arrival order. */
export interface WebhookReceiver<T> {
  readonly url: string;
  readonly bodies: T[];
  close(): Promise<void>;
}

export async function startWebhookReceiver<T>(): Promise<WebhookReceiver<T>> {
  const bodies: T[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text) as T);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
