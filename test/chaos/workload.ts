import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

/** Metrics of a simulated machine (data/devices.json, sim-plant/machine-*), with values inside their ranges. */
const METRICS = ['power_kw', 'temperature_c', 'vibration_mm_s', 'runtime_h', 'production_units'] as const;

/** One publish-ready message and the values it carries, each as `device|epoch ms|metric` → value. */
export interface Message {
  readonly data: string;
  readonly orderingKey: string;
  readonly values: ReadonlyArray<readonly [string, number]>;
}

/**
 * Messages of `devices` machines, `readingsPerMessage` consecutive minutes each (5 metrics a reading), in time
 * order per device, starting `daysBack` days ago: every value distinct, so each one can be accounted for.
 */
export function* machineMessages(
  prefix: string,
  devices: number,
  readingsPerMessage: number,
  daysBack = 30,
): Generator<Message> {
  const start = Math.floor((Date.now() - daysBack * 86_400_000) / 60_000) * 60_000;
  for (let m = 0; ; m++) {
    const device = `sim-plant/machine-${prefix}-${m % devices}`;
    const first = Math.floor(m / devices) * readingsPerMessage;
    const values: Array<readonly [string, number]> = [];
    const readings = Array.from({ length: readingsPerMessage }, (_, r) => {
      const minute = first + r;
      const tsMs = start + minute * 60_000;
      const metrics = Object.fromEntries(
        METRICS.map((metric, k) => [metric, Math.round((50 + ((minute * 7 + k * 13) % 100)) * 100) / 100]),
      );
      for (const metric of METRICS) values.push([`${device}|${tsMs}|${metric}`, metrics[metric] as number]);
      return { deviceId: device, ts: new Date(tsMs).toISOString(), metrics };
    });
    yield {
      data: Buffer.from(JSON.stringify(readingsPerMessage === 1 ? readings[0] : { readings })).toString('base64'),
      orderingKey: device,
      values,
    };
  }
}

export interface PublishCounts {
  accepted: number;
  requests: number;
  /** 429 RESOURCE_EXHAUSTED answers: told to slow down. */
  slowDown: number;
  /** 503s, refused connections, timeouts: the stack was down or shutting down. */
  unavailable: number;
}

/**
 * Publishes groups of messages to the router's REST publish call, as a device does, until it is acknowledged:
 * a 429 is retried after a short pause, an outage (the stack killed) after a longer one. Resolves true once
 * acknowledged, false when `stop` says to give up first.
 */
export async function publishUntilAcknowledged(
  url: string,
  batch: readonly Message[],
  counts: PublishCounts,
  stop: () => boolean,
): Promise<boolean> {
  const body = JSON.stringify({ messages: batch.map((m) => ({ data: m.data, orderingKey: m.orderingKey })) });
  while (!stop()) {
    counts.requests++;
    const status = await fetch(`${url}/v1/projects/kilowatch-local/topics/readings:publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(20_000),
    }).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === 200) {
      counts.accepted += batch.length;
      return true;
    }
    if (status === 429) counts.slowDown++;
    else if (status === 0 || status === 503) counts.unavailable++;
    else throw new Error(`publish answered HTTP ${status}`);
    await new Promise((resolve) => setTimeout(resolve, status === 429 ? 20 : 200));
  }
  return false;
}

export interface Accounting {
  readonly expected: number;
  readonly stored: number;
  /** Expected values with no row in readings. */
  readonly lost: number;
  /** Rows beyond the first of a value. */
  readonly duplicated: number;
  /** Stored values whose number differs from the one published. */
  readonly altered: number;
  readonly rejectedByReason: Record<string, number>;
  readonly deadLetters: number;
  readonly scores: number;
}

/** Every expected value against the rows of the warehouse file (the stack must be stopped: one writer per file). */
export async function account(
  file: string,
  devicePattern: string,
  expected: ReadonlyMap<string, number>,
  deadLetters: number,
): Promise<Accounting> {
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    const rows = await warehouse.query(
      `SELECT device_id || '|' || epoch_ms(ts) || '|' || metric AS k, count(*) AS n, min(value) AS v
       FROM readings WHERE device_id LIKE $p GROUP BY ALL`,
      { p: devicePattern },
    );
    const rejected = await warehouse.query(
      `SELECT reason, count(*) AS n FROM rejected WHERE device_id LIKE $p GROUP BY ALL`,
      { p: devicePattern },
    );
    const [scores] = await warehouse.query(`SELECT count(*) AS n FROM anomaly_scores WHERE device_id LIKE $p`, {
      p: devicePattern,
    });
    let duplicated = 0;
    let altered = 0;
    let found = 0;
    for (const row of rows) {
      const value = expected.get(String(row.k));
      duplicated += Number(row.n) - 1;
      if (value === undefined) continue;
      found++;
      if (Number(row.v) !== value) altered++;
    }
    return {
      expected: expected.size,
      stored: rows.length,
      lost: expected.size - found,
      duplicated,
      altered,
      rejectedByReason: Object.fromEntries(rejected.map((r) => [String(r.reason), Number(r.n)])),
      deadLetters,
      scores: Number(scores!.n),
    };
  } finally {
    await warehouse.close();
  }
}
