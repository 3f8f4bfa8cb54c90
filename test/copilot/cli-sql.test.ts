import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { FIXTURE, loadFixture } from '../support/read-fixture.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'kilowatch-sql-cli-'));
let localPort = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function kilowatch(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_')));
  try {
    const { stdout } = await run('node', ['bin/kilowatch.js', 'sql', ...args], {
      // No host runs on these ports: the CLI opens the file itself, read-only.
      env: { ...clean, KILOWATCH_DATA_DIR: dir, KILOWATCH_LOCAL_PORT: String(localPort) },
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '' };
  }
}

beforeAll(async () => {
  const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await loadFixture(warehouse);
  await warehouse.close();
  localPort = (await freePort()) - 5;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kilowatch sql', () => {
  it('runs a SELECT on the views, as JSON', async () => {
    const { code, stdout } = await kilowatch([
      'SELECT device_id, count(*) AS n FROM copilot_readings GROUP BY 1 ORDER BY 1',
      '--json',
    ]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as { ok: boolean; rows: unknown[]; clamped: boolean };
    expect(answer.ok).toBe(true);
    expect(answer.rows[0]).toEqual({ device_id: FIXTURE.device, n: FIXTURE.perDay * FIXTURE.days * 2 });
    expect(answer.clamped).toBe(true);
  });

  it('prints a refusal naming the rule and exits 2; the file is unchanged', async () => {
    const { code, stdout } = await kilowatch(['DELETE FROM readings']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^refused by rule select_only: /);
    const { stdout: text } = await kilowatch(['SELECT count(*) AS n FROM copilot_readings']);
    expect(text).toMatch(/^n\n577\n-- 1 rows \(LIMIT clamped\)/);
  });
});
