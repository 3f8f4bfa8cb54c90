import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../functions/local/host.js';
import { loadConfig } from '../../shared/config/env.js';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { deadLetterPath } from '../../shared/runtime/adapters.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

export interface TestStack extends LocalStack {
  readonly dir: string;
  /** Publishes message bodies to `readings` through the router, as a device would. */
  publish(...bodies: unknown[]): string[];
  /** Runs SQL on the stack's DuckDB file. */
  sql(query: string, params?: Record<string, string | number>): Promise<Record<string, unknown>[]>;
  deadLetters(): DeadLetterFile;
  stop(): Promise<void>;
}

/** The real local stack (router, functions framework over HTTP, DuckDB file) in a temp folder on free ports. */
export async function startTestStack(
  options: LocalStackOptions = {},
  env: Record<string, string> = {},
): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'kilowatch-'));
  // The registry too lives in the temp folder: what a test's functions write there never reaches the checkout.
  const config = loadConfig({
    KILOWATCH_DATA_DIR: dir,
    KILOWATCH_REGISTRY_DIR: join(dir, 'registry'),
    LOG_LEVEL: 'error',
    ...env,
  });
  const stack = await startLocalStack(config, { routerPort: 0, functionsPort: 0, minBackoffMs: 10, ...options });
  return {
    ...stack,
    dir,
    publish: (...bodies) =>
      stack.router.publish(
        'readings',
        bodies.map((b) => ({
          data: typeof b === 'string' ? Buffer.from(b) : b instanceof Uint8Array ? b : Buffer.from(JSON.stringify(b)),
        })),
      ),
    sql: (query, params) => {
      if (!(stack.warehouse instanceof DuckDbWarehouse)) throw new Error('the local stack stores in DuckDB');
      return stack.warehouse.query(query, params);
    },
    deadLetters: () => new DeadLetterFile(deadLetterPath(config)),
    async stop() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
