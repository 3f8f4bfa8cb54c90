import { loadConfig } from '../../shared/config/env.js';
import { log } from '../../shared/log/logger.js';
import { startLocalStack } from './host.js';

/**
 * `npm run serve`: the local stack without demo data (router, functions, DuckDB), until SIGTERM or Ctrl-C,
 * which drain deliveries in flight and keep the rest in the router's journal for the next start.
 */
const stack = await startLocalStack(loadConfig());
log.info('local stack up', {
  pubsubRestEndpoint: `http://127.0.0.1:${stack.routerPort}`,
  ingest: stack.ingestUrl,
  api: stack.apiUrl,
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
