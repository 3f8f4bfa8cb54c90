/**
 * The api function's series endpoint under load, next to /healthz measured in the same run.
 *
 *   npx tsx test/bench/api.bench.ts        (standalone; prints markdown)
 *   npm run bench -- api                   (as the `api` group)
 *
 * The local stack (router, ingest, score, the api function; one DuckDB file) is fed the steel plant's year as
 * `npm start` feeds it (one day a message, keyed by the device; scored), then autocannon runs 50 connections
 * against 127.0.0.1 for each route in turn: /healthz, one-day series (a different day each request) and the
 * full year downsampled to 1,000 points. The read cache is on, as served; the same queries without it are
 * timed one at a time after the load.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startLocalStack } from '../../functions/local/host.js';
import { loadConfig, type Config } from '../../shared/config/env.js';
import { getSeries } from '../../shared/query/series.js';
import { createApiRuntime } from '../../shared/runtime/api-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { replay } from '../../shared/demo/replay.js';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.KILOWATCH_BENCH_SECONDS ?? 8);

export interface LoadResult {
  route: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** autocannon reports p97.5 and p99, not p95: every response time is kept and the percentiles taken here. */
async function load(base: string, route: string, paths: string[]): Promise<LoadResult> {
  let i = 0;
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
      },
      (error: unknown, done) =>
        error
          ? reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`))
          : resolve(done),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    route,
    requests: times.length,
    perSecond: times.length / SECONDS,
    p50: round(percentile(times, 0.5)),
    p95: round(percentile(times, 0.95)),
    p99: round(percentile(times, 0.99)),
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Sequential calls of the series use-case on the uncached read port: what the cache saves a request. */
async function uncached(
  warehouse: DuckDbWarehouse,
  config: Config,
  paths: Array<{ from: string; to: string; maxPoints?: number }>,
  runs: number,
) {
  const { deps } = await createApiRuntime({ ...config, KILOWATCH_API_CACHE: false }, warehouse);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const q = paths[i % paths.length]!;
    const started = performance.now();
    await getSeries(deps, { deviceId: STEEL_DEVICE_ID, metric: 'usage_kwh', ...q });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(percentile(times, 0.5) * 10) / 10, p95: Math.round(percentile(times, 0.95) * 10) / 10 };
}

export interface ApiBench {
  readings: number;
  results: LoadResult[];
  uncachedDay: { p50: number; p95: number };
  uncachedYear: { p50: number; p95: number };
}

/**
 * The stack's data folder is kept (KILOWATCH_BENCH_API_DIR, default .kilowatch/bench-api): like npm start, a
 * later run replays only the readings it lacks, so the year is ingested and scored once.
 */
export async function apiBench(): Promise<ApiBench> {
  const dir = process.env.KILOWATCH_BENCH_API_DIR ?? join('.kilowatch', 'bench-api');
  // One client (127.0.0.1) makes every request: the rate limit is set above what the run can reach.
  const config = loadConfig({
    KILOWATCH_DATA_DIR: dir,
    LOG_LEVEL: 'error',
    KILOWATCH_API_RATE_PER_S: '1000000',
    KILOWATCH_API_BURST: '1000000',
  });
  const stack = await startLocalStack(config, { routerPort: 0, functionsPort: 0 });
  try {
    const [latest] = await stack.warehouse.recentReadings(STEEL_DEVICE_ID, 1);
    const after = latest ? Date.parse(latest.ts) : -Infinity;
    const missing = loadSteel()
      .map((row, i) => ({ row, i }))
      .filter(({ row }) => row.tsMs > after)
      .map(({ row, i }) => steelReading(row, i));
    await replay(stack.deps.bus, missing, { batch: 96, messagesPerSecond: 0 });
    await stack.router.idle();
    const base = stack.apiUrl.replace(/\/$/, '');
    const device = encodeURIComponent(STEEL_DEVICE_ID);
    const start = Date.parse('2018-01-01T00:00:00+09:00');
    const dayRanges = Array.from({ length: 364 }, (_, d) => ({
      from: new Date(start + d * 86_400_000).toISOString(),
      to: new Date(start + (d + 1) * 86_400_000).toISOString(),
    }));
    const days = dayRanges.map((r) => `/v1/series?deviceId=${device}&metric=usage_kwh&from=${r.from}&to=${r.to}`);
    const yearRange = { from: '2017-12-31T15:00:00.000Z', to: '2018-12-31T15:00:00.000Z', maxPoints: 1000 };
    const year = `/v1/series?deviceId=${device}&metric=usage_kwh&from=${yearRange.from}&to=${yearRange.to}&maxPoints=1000`;
    const check = (await (await fetch(`${base}${year}`)).json()) as { totalPoints: number; points: unknown[] };
    if (check.totalPoints < 35_000 || check.points.length > 1000)
      throw new Error(`unexpected year series: ${check.totalPoints} readings, ${check.points.length} points`);
    const results = [];
    results.push(await load(base, '/healthz (baseline)', ['/healthz']));
    results.push(await load(base, 'series, one day (364 different days: mostly cache misses)', days));
    results.push(await load(base, 'series, one day (the same day: cache hits)', [days[150] as string]));
    results.push(await load(base, 'series, full year, maxPoints=1000', [year]));
    const warehouse = stack.warehouse;
    if (!(warehouse instanceof DuckDbWarehouse)) throw new Error('the local stack runs on DuckDB');
    return {
      readings: (await stack.warehouse.counts()).readings ?? 0,
      results,
      uncachedDay: await uncached(warehouse, config, dayRanges, 100),
      uncachedYear: await uncached(warehouse, config, [yearRange], 20),
    };
  } finally {
    await stack.close();
  }
}

export function apiBenchMarkdown(b: ApiBench): string {
  const base = b.results[0] as LoadResult;
  const lines = [
    `\n## api: series endpoint, ${CONNECTIONS} connections, ${SECONDS} s per route (autocannon → 127.0.0.1 → functions framework → api, DuckDB with the steel year as the local stack stores it: ${b.readings.toLocaleString('en-US')} readings rows, scored)`,
    '| route | requests/s | p50 ms | p95 ms | p99 ms | p95 / healthz p95 | errors + non-2xx |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of b.results) {
    lines.push(
      `| ${r.route} | ${Math.round(r.perSecond)} | ${r.p50} | ${r.p95} | ${r.p99} | ${(r.p95 / Math.max(base.p95, 0.1)).toFixed(1)}x | ${r.errors + r.non2xx} |`,
    );
  }
  lines.push(
    '',
    '| without the read cache: the series use-case called one request at a time | p50 ms | p95 ms |',
    '| --- | --- | --- |',
  );
  lines.push(`| one day (100 calls over different days) | ${b.uncachedDay.p50} | ${b.uncachedDay.p95} |`);
  lines.push(`| full year, maxPoints=1000 (20 calls) | ${b.uncachedYear.p50} | ${b.uncachedYear.p95} |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(apiBenchMarkdown(await apiBench()));
