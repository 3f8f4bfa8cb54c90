/**
 * The api function's series endpoint under load, next to /healthz measured in the same run.
 *
 *   npx tsx test/bench/api.bench.ts        (standalone; prints markdown)
 *   npm run bench -- api                   (as the `api` group)
 *
 * The local stack (router, ingest, score, the api function; one DuckDB file) is fed the steel plant's year as
 * `npm start` feeds it (one day a message, keyed by the device; scored), then autocannon, in a child process of
 * its own, runs 50 connections against 127.0.0.1 for each route in turn: /healthz, one-day series (a different
 * day each request, then one day again and again) and the full year downsampled to 1,000 points. First the
 * local stack's api as served (@hono/node-server, read caches on), then the same app with its caches off, then
 * the same app under the functions framework (how the cloud runs it); the series without caches are also timed
 * one call at a time, without HTTP.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createAdaptorServer } from '@hono/node-server';
import { createApiApp } from '../../shared/api/app.js';
import type { QueryDeps } from '../../shared/query/deps.js';
import { loadInChild } from './load-child.js';
import { startLocalStack } from '../../functions/local/host.js';
import { loadConfig } from '../../shared/config/env.js';
import { getSeries } from '../../shared/query/series.js';
import { createApiRuntime } from '../../shared/runtime/api-runtime.js';
import { replay } from '../../shared/demo/replay.js';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.KILOWATCH_BENCH_SECONDS ?? 8);
const LOCAL = 'local stack: @hono/node-server, read caches on';
const OFF = 'the same, read caches off';
const FF = 'functions framework (the cloud), caches on';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export interface LoadResult {
  server: string;
  route: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  cpuUsPerRequest: number;
  errors: number;
  non2xx: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function load(server: string, base: string, route: string, paths: string[]): Promise<LoadResult> {
  const job = { url: base, connections: CONNECTIONS, seconds: SECONDS, paths };
  // CPU the server's process spent per request (its DuckDB threads included): unlike latency, barely moved by
  // other jobs on a shared machine, and what bounds requests/s on a quiet core.
  const cpu = process.cpuUsage();
  const { times, errors, non2xx } = await loadInChild(job);
  const spent = process.cpuUsage(cpu);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    server,
    route,
    requests: times.length,
    perSecond: times.length / SECONDS,
    p50: round(percentile(times, 0.5)),
    p95: round(percentile(times, 0.95)),
    p99: round(percentile(times, 0.99)),
    cpuUsPerRequest: Math.round((spent.user + spent.system) / Math.max(times.length, 1)),
    errors,
    non2xx,
  };
}

/** Sequential calls of the series use-case on the uncached read port: what the cache saves a request. */
async function uncached(deps: QueryDeps, paths: Array<{ from: string; to: string; maxPoints?: number }>, runs: number) {
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
    // The same app with both read caches off, on its own port: every request queries DuckDB.
    const off = await createApiRuntime({ ...config, KILOWATCH_API_CACHE: false }, stack.warehouse);
    const offServer = createAdaptorServer({ fetch: createApiApp(off.deps, off.options).fetch }) as Server;
    // The same app under the functions framework, as the cloud serves it (one app, one set of caches).
    const ffServer = getTestServer('api');
    const [offBase, ffBase] = await Promise.all([listen(offServer), listen(ffServer)]);
    const healthz = ['/healthz'];
    const oneDay = [days[150] as string];
    const plan: Array<[string, string, string, string[]]> = [
      [LOCAL, base, '/healthz (baseline)', healthz],
      [LOCAL, base, 'series, one day (364 different days: each one query, then cached)', days],
      [LOCAL, base, 'series, one day (the same day)', oneDay],
      [LOCAL, base, 'series, full year, maxPoints=1000', [year]],
      [OFF, offBase, 'series, one day (364 different days)', days],
      [OFF, offBase, 'series, full year, maxPoints=1000', [year]],
      [FF, ffBase, '/healthz', healthz],
      [FF, ffBase, 'series, one day (the same day)', oneDay],
      [FF, ffBase, 'series, full year, maxPoints=1000', [year]],
    ];
    const results = [];
    for (const [server, url, route, paths] of plan) results.push(await load(server, url, route, paths));
    offServer.close();
    ffServer.close();
    return {
      readings: (await stack.warehouse.counts()).readings ?? 0,
      results,
      uncachedDay: await uncached(off.deps, dayRanges, 100),
      uncachedYear: await uncached(off.deps, [yearRange], 20),
    };
  } finally {
    await stack.close();
  }
}

export function apiBenchMarkdown(b: ApiBench): string {
  const base = b.results[0] as LoadResult;
  const lines = [
    `\n## api: series endpoint, ${CONNECTIONS} connections, ${SECONDS} s per route (autocannon in a child process → 127.0.0.1 → api, DuckDB with the steel year as the local stack stores it: ${b.readings.toLocaleString('en-US')} readings rows, scored)`,
    '| server | route | requests/s | p50 ms | p95 ms | p99 ms | p95 / local healthz p95 | server CPU µs/request | CPU / local healthz | errors + non-2xx |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of b.results) {
    lines.push(
      `| ${r.server} | ${r.route} | ${Math.round(r.perSecond)} | ${r.p50} | ${r.p95} | ${r.p99} | ${(r.p95 / Math.max(base.p95, 0.1)).toFixed(1)}x | ${r.cpuUsPerRequest} | ${(r.cpuUsPerRequest / Math.max(base.cpuUsPerRequest, 1)).toFixed(1)}x | ${r.errors + r.non2xx} |`,
    );
  }
  lines.push(
    '',
    '| read caches off: the series use-case called one request at a time, no HTTP | p50 ms | p95 ms |',
    '| --- | --- | --- |',
  );
  lines.push(`| one day (100 calls over different days) | ${b.uncachedDay.p50} | ${b.uncachedDay.p95} |`);
  lines.push(`| full year, maxPoints=1000 (20 calls) | ${b.uncachedYear.p50} | ${b.uncachedYear.p95} |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(apiBenchMarkdown(await apiBench()));
