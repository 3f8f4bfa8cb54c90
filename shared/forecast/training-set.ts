import { writeFileSync } from 'node:fs';
import { UNTRUSTED, type Flag } from '../readings/flags.js';
import { parseTimestamp } from '../readings/timestamps.js';
import type { Warehouse } from '../warehouse/port.js';
import type { ReadingRow } from '../warehouse/schema/tables.js';

/**
 * clean (default): a value the cleaning step replaced (status repaired, flag imputed) or distrusts (out_of_range,
 *   stuck, inconsistent) is written as an empty cell, which the trainers read as missing: a model must not learn
 *   from imputations (the estimator would learn its own output) or from faults. Spikes stay: real peaks get flagged too.
 * all: every stored value as it is, repaired ones included.
 */
export type ExportQuality = 'clean' | 'all';

export interface TrainingSetOptions {
  deviceId: string;
  metrics: readonly string[];
  from: string;
  to: string;
  output: string;
  quality?: ExportQuality;
}

export interface TrainingSetSummary {
  device: string;
  metrics: string[];
  from: string;
  to: string;
  rows: number;
  values: number;
  /** Values written empty, by reason (quality clean). */
  dropped: Record<string, number>;
  /** Metrics with no reading in the range (their column is empty). */
  missingMetrics: string[];
  output: string;
}

function isoArg(text: string, flag: string): string {
  // A bare date is that day's midnight, UTC.
  const parsed = parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? `${text.trim()}T00:00:00Z` : text, 'UTC');
  if (!parsed.ok) throw new Error(`${flag} '${text}': ${parsed.reason}`);
  return new Date(parsed.ms).toISOString();
}

function dropReason(r: ReadingRow): string | undefined {
  if (r.value === null) return 'missing';
  if (r.status === 'repaired') return 'repaired';
  const flag = r.flags.find((f) => f === 'imputed' || UNTRUSTED.has(f as Flag));
  return flag;
}

function cell(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Pivots readings into `ts,<metric>...` rows, one per timestamp, in time order. */
export function pivotReadings(readings: readonly ReadingRow[], metrics: readonly string[], quality: ExportQuality) {
  const byTs = new Map<string, Map<string, number | null>>();
  const dropped: Record<string, number> = {};
  const seen = new Set<string>();
  let values = 0;
  for (const r of readings) {
    seen.add(r.metric);
    const reason = quality === 'clean' ? dropReason(r) : r.value === null ? 'missing' : undefined;
    let row = byTs.get(r.ts);
    if (!row) byTs.set(r.ts, (row = new Map<string, number | null>()));
    if (reason) {
      dropped[reason] = (dropped[reason] ?? 0) + 1;
      row.set(r.metric, null);
    } else {
      row.set(r.metric, r.value);
      values++;
    }
  }
  const lines = [['ts', ...metrics].join(',')];
  for (const ts of [...byTs.keys()].sort((a, b) => Date.parse(a) - Date.parse(b))) {
    const row = byTs.get(ts) as Map<string, number | null>;
    lines.push([ts, ...metrics.map((m) => cell(row.get(m)))].join(','));
  }
  return {
    csv: `${lines.join('\n')}\n`,
    rows: byTs.size,
    values,
    dropped,
    missingMetrics: metrics.filter((m) => !seen.has(m)),
  };
}

/** `kilowatch export-training-set`: a device's metrics over [from, to) as a CSV in the export format. */
export async function exportTrainingSet(
  source: Pick<Warehouse, 'readingsBetween'>,
  options: TrainingSetOptions,
): Promise<TrainingSetSummary> {
  const from = isoArg(options.from, '--from');
  const to = isoArg(options.to, '--to');
  if (!(Date.parse(from) < Date.parse(to))) throw new Error(`--from ${from} must be before --to ${to}`);
  const metrics = [...new Set(options.metrics.map((m) => m.trim()).filter(Boolean))];
  if (metrics.length === 0) throw new Error('--metric: name at least one metric (e.g. usage_kwh)');
  const quality = options.quality ?? 'clean';
  const readings = await source.readingsBetween(options.deviceId, metrics, from, to);
  if (readings.length === 0) {
    throw new Error(
      `no readings of ${metrics.join(', ')} for device '${options.deviceId}' from ${from} to ${to}; check the device id, metric names and range (kilowatch stats shows what the warehouse holds)`,
    );
  }
  const p = pivotReadings(readings, metrics, quality);
  writeFileSync(options.output, p.csv);
  return {
    device: options.deviceId,
    metrics,
    from,
    to,
    rows: p.rows,
    values: p.values,
    dropped: p.dropped,
    missingMetrics: p.missingMetrics,
    output: options.output,
  };
}
