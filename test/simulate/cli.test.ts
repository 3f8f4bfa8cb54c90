import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireBatch, wireReading } from '../../shared/readings/wire.js';
import { FAULT_TYPES, type FaultLabel } from '../../shared/simulate/faults.js';
import { generate } from '../../shared/simulate/generator.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'kilowatch-simulate-'));
const START = '2026-03-02T00:00:00Z';

/** The CLI as a user runs it; the environment carries no stray KILOWATCH_* of the test runner. */
async function kilowatch(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_') && !k.startsWith('PUBSUB_')),
  );
  try {
    const { stdout, stderr } = await run('node', ['bin/kilowatch.js', 'simulate', ...args], {
      env: { ...clean, KILOWATCH_DATA_DIR: join(dir, 'data'), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

/** Pub/Sub's v1 REST publish, as the client library's REST fallback calls it; records what arrives. */
class PublishSink {
  readonly received: Array<{ topic: string; data: string }> = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/v1\/projects\/kilowatch-local\/topics\/([^/:]+):publish$/.exec(
          new URL(req.url ?? '/', 'http://x').pathname,
        );
        if (req.method !== 'POST' || !match) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ data: string }> };
        const ids = body.messages.map((m) => {
          this.received.push({ topic: match[1] as string, data: Buffer.from(m.data, 'base64').toString('utf8') });
          return String(this.received.length);
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messageIds: ids }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kilowatch simulate (CLI)', () => {
  const out = join(dir, 'readings.jsonl');
  const labelsPath = join(dir, 'labels.jsonl');
  let result: Awaited<ReturnType<typeof kilowatch>>;

  beforeAll(async () => {
    result = await kilowatch([
      '--machines',
      '2',
      '--duration',
      '6h',
      '--start',
      START,
      '--seed',
      '3',
      '--batch',
      '100',
      '--out',
      out,
      '--labels',
      labelsPath,
    ]);
  });

  it('writes one published message per line, each a batch of at most --batch valid readings', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const messages = lines(out).map((l) => JSON.parse(l) as unknown);
    expect(messages).toHaveLength(Math.ceil((2 * 360) / 100));
    const readings = messages.flatMap((m) => {
      expect(wireBatch.safeParse(m).success).toBe(true);
      const batch = (m as { readings: unknown[] }).readings;
      expect(batch.length).toBeLessThanOrEqual(100);
      return batch;
    });
    expect(readings).toHaveLength(720);
    for (const r of readings) expect(wireReading.safeParse(r).success).toBe(true);
    // Exactly what the library generates for the same options: the registry's limits are the defaults.
    const expected = generate({ machines: 2, startMs: Date.parse(START), durationS: 6 * 3600, seed: 3 });
    expect(readings).toEqual(expected.readings);
    expect(lines(labelsPath).map((l) => JSON.parse(l) as FaultLabel)).toEqual(expected.labels);
  });

  it('prints a one-line JSON summary: readings, messages, labels per fault type', () => {
    const printed = result.stdout.trim().split('\n');
    expect(printed).toHaveLength(1);
    const summary = JSON.parse(printed[0] as string) as {
      readings: number;
      messages: number;
      labels: Record<string, number>;
      start: string;
      end: string;
    };
    expect(summary.readings).toBe(720);
    expect(summary.messages).toBe(8);
    expect(Object.keys(summary.labels).sort()).toEqual([...FAULT_TYPES].sort());
    const counted: Record<string, number> = Object.fromEntries(FAULT_TYPES.map((f) => [f, 0]));
    for (const l of lines(labelsPath)) counted[(JSON.parse(l) as FaultLabel).fault]! += 1;
    expect(summary.labels).toEqual(counted);
    expect(summary.labels.missing).toBeGreaterThan(0);
    expect(summary.start).toBe('2026-03-02T00:00:00.000Z');
    expect(summary.end).toBe('2026-03-02T05:59:00.000Z');
  });

  it('names each bad flag and what it accepts', async () => {
    const bad = await kilowatch([
      '--machines',
      'many',
      '--duration',
      '3 days',
      '--unit-variants',
      '1.5',
      '--fault-rates',
      'spikes=0.1',
      '--out',
      join(dir, 'x.jsonl'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--machines: must be an integer from 1 to 999/);
    expect(bad.stderr).toMatch(/--duration: '3 days' is not a duration such as 1d, 6h/);
    expect(bad.stderr).toMatch(/--unit-variants: '1.5' is not a share between 0 and 1/);
    expect(bad.stderr).toMatch(/--fault-rates: unknown fault 'spikes'/);
    const idle = await kilowatch(['--duration', '1h']);
    expect(idle.code).toBe(1);
    expect(idle.stderr).toMatch(/nothing to do; give --out FILE and\/or --publish/);
    const big = await kilowatch(['--batch', '2000', '--out', join(dir, 'y.jsonl')]);
    expect(big.stderr).toMatch(/--batch: 2000 is above KILOWATCH_MAX_BATCH \(1000\)/);
  });

  it('publishes the same messages to the readings topic of the local router, paced by --rate', async () => {
    const sink = new PublishSink();
    const endpoint = await sink.start();
    try {
      const file = join(dir, 'published.jsonl');
      const started = Date.now();
      const res = await kilowatch(
        [
          '--machines',
          '1',
          '--duration',
          '2h',
          '--start',
          START,
          '--batch',
          '30',
          '--publish',
          '--rate',
          '10',
          '--out',
          file,
          '--fault-rates',
          'none',
          '--unit-variants',
          '--ts-variants',
        ],
        { KILOWATCH_BACKEND: 'local', PUBSUB_API_ENDPOINT: endpoint },
      );
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const summary = JSON.parse(res.stdout) as {
        readings: number;
        messages: number;
        published: number;
        labels: Record<string, number>;
      };
      expect(summary).toMatchObject({ readings: 120, messages: 4, published: 4 });
      expect(Object.values(summary.labels).every((n) => n === 0)).toBe(true);
      expect(sink.received.map((m) => m.topic)).toEqual(['readings', 'readings', 'readings', 'readings']);
      expect(sink.received.map((m) => m.data)).toEqual(lines(file));
      const readings = sink.received.flatMap(
        (m) => (JSON.parse(m.data) as { readings: Array<{ units?: object; ts: unknown }> }).readings,
      );
      expect(readings.some((r) => r.units !== undefined)).toBe(true);
      expect(readings.some((r) => typeof r.ts === 'number' || !String(r.ts).endsWith('Z'))).toBe(true);
      // Four messages at 10 a second take at least 0.3 s after the first.
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await sink.close();
    }
  });
});
