import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Makes any Google credential lookup visible: Application Default Credentials point at a file that does not
 * exist (a lookup fails loudly) and the GCE metadata server at a local tripwire that counts its hits.
 * Restores the environment on `restore()`.
 */
export async function guardAgainstGoogleAuth(): Promise<{ hits: string[]; restore: () => Promise<void> }> {
  const saved = {
    GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS,
    GCE_METADATA_HOST: process.env.GCE_METADATA_HOST,
    PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST,
    BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST,
  };
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/kilowatch-test-credentials.json';
  process.env.GCE_METADATA_HOST = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The adapters must reach the fakes through their options alone.
  delete process.env.PUBSUB_EMULATOR_HOST;
  delete process.env.BIGQUERY_EMULATOR_HOST;
  return {
    hits,
    restore: async () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) Reflect.deleteProperty(process.env, k);
        else process.env[k] = v;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
