import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../functions/local/host.js';
import { loadConfig } from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { ReadingCleaner } from '../../shared/readings/clean/cleaner.js';
import { DeviceState } from '../../shared/readings/clean/device-state.js';
import { decodeMessage } from '../../shared/readings/decode.js';
import { generate } from '../../shared/simulate/generator.js';
import { setLogLevel } from '../../shared/log/logger.js';

const BATCH = 500;
const limits = { maxBatch: 1000, maxMessageBytes: 480 * 1024 };

/** Messages of 500 simulated machine readings (5 metrics each, faults and nulls included), as bytes. */
function messages(machines: number, hours: number, seed: number): { bytes: Buffer[]; readings: number } {
  const { readings } = generate({ machines, startMs: Date.UTC(2024, 0, 1), durationS: hours * 3600, seed });
  const bytes: Buffer[] = [];
  for (let i = 0; i < readings.length; i += BATCH)
    bytes.push(Buffer.from(JSON.stringify({ readings: readings.slice(i, i + BATCH) })));
  return { bytes, readings: readings.length };
}

function best(runs: number, work: () => number): number {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

/** In process, one core: decode, validate, normalise, clean and build rows, against JSON.parse alone. */
export interface InProcessResult {
  readings: number;
  rows: number;
  baselineReadingsPerS: number;
  ingestReadingsPerS: number;
  ingestRowsPerS: number;
  ratioToJsonParse: number;
}

export interface EndToEndResult {
  readings: number;
  messages: number;
  messagesPerS: number;
  rows: number;
  readingsPerS: number;
  rowsPerS: number;
  seconds: number;
  /** CPU time of the whole process (every thread) per message: steadier than rates on a shared machine. */
  cpuMsPerMessage: number;
}

export function inProcess(): InProcessResult {
  const registry = DeviceRegistry.fromFile('data/devices.json');
  const { bytes, readings } = messages(20, 24, 3);
  const baselineMs = best(5, () => {
    let n = 0;
    for (const b of bytes) n += (JSON.parse(b.toString('utf8')) as { readings: unknown[] }).readings.length;
    return n;
  });
  let rows = 0;
  const ingestMs = best(5, () => {
    const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
    const states = new Map<string, DeviceState>();
    const stateOf = (id: string) => {
      let s = states.get(id);
      if (!s) states.set(id, (s = new DeviceState(32, 6144)));
      return s;
    };
    rows = 0;
    bytes.forEach((b, i) => {
      const decoded = decodeMessage(b, limits);
      if (decoded.kind !== 'readings') throw new Error('bench message did not decode');
      rows += cleaner.clean(decoded.readings, { messageId: `m${i}`, receivedAt: Date.UTC(2030, 0, 1) }, stateOf).rows
        .length;
    });
    return rows;
  });
  return {
    readings,
    rows,
    baselineReadingsPerS: readings / (baselineMs / 1000),
    ingestReadingsPerS: readings / (ingestMs / 1000),
    ingestRowsPerS: rows / (ingestMs / 1000),
    ratioToJsonParse: ingestMs / baselineMs,
  };
}

/** Single-reading messages (5 metrics each) of 40 simulated machines: what most devices publish. */
function singleReadingMessages(count: number): Buffer[] {
  const { readings } = generate({
    machines: 40,
    startMs: Date.UTC(2024, 0, 1),
    durationS: Math.ceil(count / 40) * 60,
    seed: 5,
  });
  return readings.slice(0, count).map((r) => Buffer.from(JSON.stringify(r)));
}

/**
 * End to end on this machine: router → HTTP (functions framework) → ingest → DuckDB file; with `withScoring`
 * the score function takes every readings-clean message too, and the run ends when it has scored them.
 * `shape`: batches of 500 readings, or one reading per message.
 */
export async function endToEnd(withScoring = false, shape: 'batched' | 'single' = 'batched'): Promise<EndToEndResult> {
  setLogLevel('error');
  const dir = mkdtempSync(join(tmpdir(), 'kilowatch-bench-'));
  const stack = await startLocalStack(loadConfig({ KILOWATCH_DATA_DIR: dir, LOG_LEVEL: 'error' }), {
    routerPort: 0,
    functionsPort: 0,
    subscribe: withScoring ? ['ingest', 'score'] : ['ingest'],
  });
  try {
    const { bytes, readings } =
      shape === 'batched' ? messages(50, 24, 4) : { bytes: singleReadingMessages(6000), readings: 6000 };
    const started = performance.now();
    const cpu = process.cpuUsage();
    stack.router.publish(
      'readings',
      bytes.map((data) => ({ data })),
    );
    await stack.router.idle();
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const { readings: rows } = await stack.deps.warehouse.counts();
    return {
      readings,
      messages: bytes.length,
      rows: rows ?? 0,
      readingsPerS: readings / seconds,
      messagesPerS: bytes.length / seconds,
      rowsPerS: (rows ?? 0) / seconds,
      seconds,
      cpuMsPerMessage: (user + system) / 1000 / bytes.length,
    };
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Repeated {
  /** The run with the median rate. */
  readonly median: EndToEndResult;
  readonly slowest: number;
  readonly fastest: number;
}

/** `runs` fresh stacks, one after the other: the shared machine's noise moves one run by ±15 %. */
export async function repeated(runs: number, run: () => Promise<EndToEndResult>): Promise<Repeated> {
  const results: EndToEndResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await run());
  results.sort((a, b) => a.readingsPerS - b.readingsPerS);
  return {
    median: results[Math.floor(runs / 2)] as EndToEndResult,
    slowest: (results[0] as EndToEndResult).readingsPerS,
    fastest: (results[runs - 1] as EndToEndResult).readingsPerS,
  };
}
