import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'kilowatch-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer child until `killAfterMs` after it opened the file, SIGKILLs it; the highest id it saw committed. */
async function writeUntilKilled(file: string, from: number, killAfterMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/duckdb-writer.ts', file, String(from)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let committed = from;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`writer exited with ${code} before it was killed`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') setTimeout(resolve, killAfterMs);
        else committed = Number(line);
      }
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return committed;
}

describe('DuckDB warehouse under SIGKILL', () => {
  it('reopens after a kill at any moment of a write, with every committed row and none twice', async () => {
    const file = join(dir, 'warehouse.duckdb');
    for (let trial = 0; trial < 4; trial++) {
      const from = trial * 10_000_000;
      const committed = await writeUntilKilled(file, from, 300 + Math.random() * 1500);
      const warehouse = await DuckDbWarehouse.open(file);
      const [row] = await warehouse.query(
        `SELECT count(*) AS n, count(DISTINCT reading_id) AS distinct_ids,
                count(*) FILTER (WHERE reading_id IN (SELECT 'r' || i FROM range($from, $committed) t(i))) AS committed
         FROM readings`,
        { from, committed },
      );
      await warehouse.close();
      expect(Number(row!.n)).toBe(Number(row!.distinct_ids));
      expect(Number(row!.committed)).toBe(committed - from);
    }
  });

  it('refuses a second handle on a file this process holds', async () => {
    const file = join(dir, 'once.duckdb');
    const first = await DuckDbWarehouse.open(file);
    await expect(DuckDbWarehouse.open(file)).rejects.toThrow(/already open in this process/);
    await first.close();
    const again = await DuckDbWarehouse.open(file);
    await again.close();
  });
});
