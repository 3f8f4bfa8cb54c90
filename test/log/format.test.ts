import { describe, expect, it } from 'vitest';
import { doneText, localEndpoints, progressText, startedText } from '../../functions/local/console-summary.js';
import { prettyLine } from '../../shared/log/logger.js';

describe('readable local output', () => {
  it('prints a log entry as time, level, message and fields on one line', () => {
    const line = prettyLine(
      'WARNING',
      'push delivery failed; retrying',
      { subscription: 'readings-ingest', attempt: 2, failure: 'HTTP 503' },
      new Date('2024-01-01T12:00:01Z'),
    );
    expect(line).toBe(
      '12:00:01 WARNING push delivery failed; retrying subscription=readings-ingest attempt=2 failure="HTTP 503"',
    );
  });

  it('says what runs where, how far the demo is, and what to do next', () => {
    const endpoints = localEndpoints({
      routerPort: 8080,
      ingestUrl: 'http://127.0.0.1:8081/',
      scoreUrl: 'http://127.0.0.1:8082/',
      forecastUrl: 'http://127.0.0.1:8083/',
      apiUrl: 'http://127.0.0.1:8084/',
      notifyUrl: 'http://127.0.0.1:8086/',
      recommendUrl: 'http://127.0.0.1:8087/',
    });
    const started = startedText(endpoints, '.kilowatch/warehouse.duckdb');
    expect(started).toContain('  stats      http://127.0.0.1:8080/_local/stats  row counts');
    expect(started).toContain('  ingest     http://127.0.0.1:8081/              function: readings');
    expect(started).toContain(
      '  api        http://127.0.0.1:8084/              query API and dashboard; reference at http://127.0.0.1:8084/docs',
    );
    expect(started).toMatch(
      /^ {2}notify +http:\/\/127\.0\.0\.1:8086\/ +function: alerts → incidents.*kilowatch alerts list/m,
    );
    expect(started).toMatch(
      /^ {2}recommend +http:\/\/127\.0\.0\.1:8087\/ +function: maintenance-tick.*kilowatch recommend/m,
    );
    expect(started).toContain('  warehouse  .kilowatch/warehouse.duckdb         DuckDB file');
    expect(progressText({ steel: 12_480, steelTotal: 35_040, ticks: { done: 3, total: 10 } })).toBe(
      'demo: steel plant 12,480/35,040 readings published (36 %), forecast day 3/10',
    );
    const done = doneText(
      { backend: 'local', tables: { readings: 240_000, anomaly_scores: 215_062 }, deadLetters: 0 },
      { steel: 35_040, simulated: 3_600 },
      endpoints,
    );
    expect(done).toContain('readings 240,000, rejected 0, anomaly_scores 215,062');
    expect(done).toContain('curl http://127.0.0.1:8080/_local/stats');
    expect(done).toContain('npx kilowatch simulate --machines 3 --duration 1h --publish');
    expect(done).toContain('npx kilowatch alerts list');
    expect(done).toContain('npx kilowatch recommend');
  });
});
