/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- responses are JSON checked field by field against expectations; typing each would restate the API's schemas */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { loadConfig } from '../../shared/config/env.js';
import type { QueryDeps } from '../../shared/query/deps.js';
import { createApiRuntime, provideApiRuntime } from '../../shared/runtime/api-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

export interface ApiServer {
  readonly url: string;
  readonly warehouse: DuckDbWarehouse;
  readonly deps: QueryDeps;
  get(path: string): Promise<{ status: number; type: string | null; headers: Headers; body: any }>;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; type: string | null; headers: Headers; body: any }>;
  stop(): Promise<void>;
}

/**
 * The api function under the functions framework on a free port, over a real DuckDB file that `load` fills;
 * `now` pins the clock the use-cases see.
 */
export async function startApiServer(
  load: (warehouse: DuckDbWarehouse) => Promise<void>,
  options: { now?: number; env?: Record<string, string> } = {},
): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-api-'));
  const config = loadConfig({
    KILOWATCH_DATA_DIR: dir,
    KILOWATCH_REGISTRY_DIR: join(dir, 'registry'),
    LOG_LEVEL: 'error',
    ...options.env,
  });
  const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await load(warehouse);
  const runtime = await createApiRuntime(config, warehouse);
  const deps = options.now === undefined ? runtime.deps : { ...runtime.deps, now: () => options.now as number };
  provideApiRuntime({ ...runtime, deps });
  await import('../../functions/api/index.js');
  const server: Server = getTestServer('api');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const answer = async (res: Response) => {
    const type = res.headers.get('content-type');
    const text = await res.text();
    return { status: res.status, type, headers: res.headers, body: type?.includes('json') ? JSON.parse(text) : text };
  };
  return {
    url,
    warehouse,
    deps,
    get: async (path) => answer(await fetch(`${url}${path}`)),
    post: async (path, body, headers = {}) =>
      answer(
        await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
