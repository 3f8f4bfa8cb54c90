import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQuerySqlRunner } from '../../shared/copilot/sql/bigquery-runner.js';
import { DuckDbSqlRunner } from '../../shared/copilot/sql/duckdb-runner.js';
import { runGuardedSql } from '../../shared/copilot/sql/guarded-sql.js';
import type { SqlRunner } from '../../shared/copilot/sql/runner.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { FakeBigQuery } from '../support/fake-bigquery.js';
import { guardAgainstGoogleAuth } from '../support/no-google-auth.js';
import { FIXTURE, loadFixture } from '../support/read-fixture.js';
import { ALLOWED_SQL, HOSTILE_SQL } from './sql-hostile-corpus.js';

let dir: string;
let warehouse: DuckDbWarehouse;
let duck: DuckDbSqlRunner;
let bq: FakeBigQuery;
let guard: Awaited<ReturnType<typeof guardAgainstGoogleAuth>>;
let bigquery: BigQuerySqlRunner;

/** Counts what reaches the warehouse: the guard must stop every hostile statement before it. */
function counting(runner: SqlRunner): SqlRunner & { executed: string[] } {
  const executed: string[] = [];
  return {
    dialect: runner.dialect,
    refs: (s) => runner.refs(s),
    run: (s) => (executed.push(s), runner.run(s)),
    executed,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-sql-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await loadFixture(warehouse);
  duck = await DuckDbSqlRunner.onConnection(await warehouse.connectReader());
  guard = await guardAgainstGoogleAuth();
  bq = await FakeBigQuery.start({ projectId: 'plant', datasetId: 'kilowatch_copilot_dev', location: 'EU' });
  bigquery = new BigQuerySqlRunner({
    projectId: 'plant',
    dataset: 'kilowatch_copilot_dev',
    location: 'EU',
    maxBytes: 10_000_000,
    timeoutMs: 20_000,
    apiEndpoint: bq.url,
  });
});

afterAll(async () => {
  await bq.close();
  await guard.restore();
  duck.close();
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('guarded SQL: the hostile corpus', () => {
  it('has at least 100 statements', () => {
    expect(HOSTILE_SQL.length).toBeGreaterThanOrEqual(100);
  });

  it('refuses every one on DuckDB, naming a rule, and executes none', async () => {
    const before = await warehouse.counts();
    const runner = counting(duck);
    const passed: string[] = [];
    for (const sql of HOSTILE_SQL) {
      const answer = await runGuardedSql(runner, sql);
      if (answer.ok) passed.push(sql);
      else expect(answer.message).toMatch(new RegExp(`^refused by rule ${answer.rule}: `));
    }
    expect(passed).toEqual([]);
    expect(runner.executed).toEqual([]);
    expect(await warehouse.counts()).toEqual(before);
  });

  it('refuses every one on BigQuery before any request', async () => {
    const runner = counting(bigquery);
    const passed: string[] = [];
    for (const sql of HOSTILE_SQL) if ((await runGuardedSql(runner, sql)).ok) passed.push(sql);
    expect(passed).toEqual([]);
    expect(runner.executed).toEqual([]);
    expect(bq.queryRequests()).toHaveLength(0);
  });

  it('names the rule that refused', async () => {
    const rule = async (sql: string) => {
      const a = await runGuardedSql(duck, sql);
      return a.ok ? 'ran' : a.rule;
    };
    expect(await rule('DELETE FROM readings')).toBe('select_only');
    expect(await rule('SELECT 1; SELECT 2')).toBe('single_statement');
    expect(await rule('SELECT * FROM readings')).toBe('allow_list');
    expect(await rule("SELECT * FROM read_csv('/etc/passwd')")).toBe('table_function');
    expect(await rule("SELECT getenv('HOME')")).toBe('denied_function');
    expect(await rule('SELECT * FROM information_schema.tables')).toBe('system_catalog');
    expect(await rule('SELECT 1 -- x')).toBe('comments');
    expect(await rule('SELECT 1\uFF1B')).toBe('characters');
    expect(await rule('WITH readings AS (SELECT 1) SELECT * FROM readings')).toBe('cte_name');
  });
});

describe('guarded SQL: the second layer holds without the guard', () => {
  it('the DuckDB connection cannot write, read files or change settings even when called directly', async () => {
    const before = await warehouse.counts();
    await expect(duck.run('DELETE FROM readings')).rejects.toThrow(/read-only/);
    await expect(duck.run("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(/disabled by configuration/);
    await expect(duck.run('SET enable_external_access = true')).rejects.toThrow(/locked|Cannot change/);
    expect(await warehouse.counts()).toEqual(before);
    expect(before.readings).toBeGreaterThan(0);
  });
});

describe('guarded SQL: what it lets through', () => {
  it('runs allowed statements on the copilot views with the LIMIT clamped', async () => {
    const answers = [];
    for (const sql of ALLOWED_SQL) answers.push(await runGuardedSql(duck, sql, 50));
    expect(answers.map((a) => (a.ok ? 'ok' : a.message))).toEqual(ALLOWED_SQL.map(() => 'ok'));
    const [byDevice, night, , all, latest, text] = answers as Array<Extract<(typeof answers)[number], { ok: true }>>;
    expect(byDevice!.rows).toEqual([
      { device_id: FIXTURE.device, n: FIXTURE.perDay * FIXTURE.days * 2 },
      { device_id: FIXTURE.otherDevice, n: 1 },
    ]);
    expect(typeof night!.rows[0]!.avg_kw).toBe('number');
    expect(all!.rows).toHaveLength(50);
    expect(all!.clamped).toBe(true);
    expect(latest!.clamped).toBe(false);
    expect(text!.rows).toEqual([{ text: "it's -- not a comment; DROP TABLE readings" }]);
  });

  it('on BigQuery: a dry run, then the query with maximumBytesBilled and a timeout in the views dataset', async () => {
    bq.bytesProcessed = () => 4096;
    bq.onQuery((q) =>
      q.query.includes('copilot_alerts')
        ? { fields: [{ name: 'kind', type: 'STRING', mode: 'NULLABLE' }], rows: [{ kind: 'anomaly' }] }
        : undefined,
    );
    const answer = await runGuardedSql(bigquery, 'SELECT kind FROM copilot_alerts');
    expect(answer).toMatchObject({ ok: true, rows: [{ kind: 'anomaly' }], bytes: 4096, clamped: true });
    const [dry, real] = bq.queryRequests().map((r) => r.body as Record<string, unknown>);
    expect(dry).toMatchObject({
      dryRun: true,
      useLegacySql: false,
      defaultDataset: { projectId: 'plant', datasetId: 'kilowatch_copilot_dev' },
    });
    expect(real).toMatchObject({ maximumBytesBilled: '10000000', timeoutMs: 20_000, jobTimeoutMs: '20000' });
    expect(real!.query).toMatch(/LIMIT 200$/);
    expect(guard.hits).toEqual([]);
  });

  it('on BigQuery: refuses above the byte cap after the dry run, naming the rule', async () => {
    bq.bytesProcessed = () => 50_000_000;
    const before = bq.queryRequests().length;
    const answer = await runGuardedSql(bigquery, 'SELECT kind FROM copilot_alerts LIMIT 10');
    expect(answer).toMatchObject({ ok: false, rule: 'byte_cap' });
    const sent = bq
      .queryRequests()
      .slice(before)
      .map((r) => (r.body as { dryRun?: boolean }).dryRun);
    expect(sent).toEqual([true]);
  });
});
