import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTokenAuthorization } from '../../shared/api/copilot-id-token.js';
import { copilotProxy } from '../../shared/api/copilot-proxy.js';

const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (aud: string) =>
  `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;

/** The GCE metadata server's documented routes: the detection ping and the default account's identity token. */
const metadata = http.createServer((req, res) => {
  seen.push({ url: req.url ?? '', headers: req.headers });
  const url = new URL(req.url ?? '/', 'http://x');
  const flavor = { 'metadata-flavor': 'Google' };
  if (req.headers['metadata-flavor'] !== 'Google') return res.writeHead(403, flavor).end('missing Metadata-Flavor');
  if (url.pathname === '/computeMetadata/v1/instance') return res.writeHead(200, flavor).end('{}');
  if (url.searchParams.get('audience')?.endsWith('/refused')) return res.writeHead(404, flavor).end('no such account');
  if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/identity')
    return res
      .writeHead(200, { ...flavor, 'content-type': 'text/plain' })
      .end(token(url.searchParams.get('audience')!));
  res.writeHead(404, flavor).end();
});
const copilot = http.createServer((req, res) => {
  seen.push({ url: `copilot ${req.url}`, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"answer":"ok"}');
});
const listen = async (s: http.Server) => {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
};
const saved = { creds: process.env.GOOGLE_APPLICATION_CREDENTIALS, host: process.env.GCE_METADATA_HOST };
let copilotUrl: string;

beforeAll(async () => {
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.GCE_METADATA_HOST = await listen(metadata);
  copilotUrl = `http://${await listen(copilot)}`;
});

afterAll(async () => {
  if (saved.creds === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.creds;
  if (saved.host === undefined) delete process.env.GCE_METADATA_HOST;
  else process.env.GCE_METADATA_HOST = saved.host;
  await Promise.all([metadata, copilot].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('copilot proxy with an ID token (private copilot on Cloud Run)', () => {
  it("sends the api's ID token for the copilot's URL from the metadata server, and reuses it until it expires", async () => {
    const app = new Hono().post('/copilot/v1/ask', copilotProxy(copilotUrl, false, idTokenAuthorization(copilotUrl)));
    for (let i = 0; i < 2; i++) {
      const res = await app.request('/copilot/v1/ask', { method: 'POST', body: '{"question":"q"}' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ answer: 'ok' });
    }
    const identity = seen.filter((s) =>
      s.url.startsWith('/computeMetadata/v1/instance/service-accounts/default/identity'),
    );
    expect(identity).toHaveLength(1);
    const asked = new URL(identity[0]!.url, 'http://x').searchParams;
    expect(asked.get('audience')).toBe(copilotUrl);
    const forwarded = seen.filter((s) => s.url === 'copilot /v1/ask');
    expect(forwarded).toHaveLength(2);
    const [first, second] = forwarded.map((f) => f.headers.authorization);
    expect(second).toBe(first);
    const [, payload] = first!.replace(/^Bearer /, '').split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ aud: copilotUrl });
  });

  it('answers 503 naming the failure when no ID token can be had, and does not call the copilot', async () => {
    const before = seen.length;
    const auth = idTokenAuthorization(`${copilotUrl}/refused`);
    const app = new Hono().post('/copilot/v1/ask', copilotProxy(copilotUrl, false, auth));
    const res = await app.request('/copilot/v1/ask', { method: 'POST', body: '{"question":"q"}' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain('could not get an ID token');
    const urls = seen.slice(before).map((s) => s.url);
    expect(
      urls.filter((u) => u.startsWith('/computeMetadata/v1/instance/service-accounts/default/identity')),
    ).toHaveLength(1);
    expect(urls.filter((u) => u.startsWith('copilot'))).toEqual([]);
  });
});
