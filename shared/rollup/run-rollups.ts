import { createHash } from 'node:crypto';
import { ROLLUP_LEVELS, type RollupLevel } from '../warehouse/schema/tables.js';
import { bucketStart, nextBucket, ROLLUP_SOURCE } from './buckets.js';
import type { RollupStore } from './port.js';

export interface RollupOptions {
  readonly now: Date;
  /** Closed buckets this recent are recomputed on every run: readings arriving this late still count. */
  readonly lateHours: number;
  /** Longest range one level recomputes in one run, in days: a first run over a long history goes in steps. */
  readonly maxDays: number;
  /** Recompute from here (ISO) instead of the watermark: after a backfill older than the late window. */
  readonly from?: string;
}

export interface LevelRun {
  readonly level: RollupLevel;
  readonly from: string | null;
  readonly to: string | null;
  /** Roll-up rows inserted or changed. */
  readonly buckets: number;
  readonly watermark: string | null;
}

const DAY_MS = 86_400_000;
const min = (a: Date, b: Date) => (a < b ? a : b);

/** The range a level recomputes this run, or null when nothing is closed and due. */
function plan(
  level: RollupLevel,
  options: RollupOptions,
  watermark: string | undefined,
  sourceWatermark: Date | null,
  oldest: string | null,
): { from: Date; to: Date } | null {
  if (!sourceWatermark) return null;
  const closed = bucketStart(level, min(options.now, sourceWatermark));
  const late = bucketStart(level, new Date(options.now.getTime() - options.lateHours * 3_600_000));
  const startAt = options.from ?? (watermark ? min(new Date(watermark), late).toISOString() : oldest);
  if (!startAt) return null;
  const from = bucketStart(level, new Date(startAt));
  let to = min(closed, bucketStart(level, new Date(from.getTime() + options.maxDays * DAY_MS)));
  if (to <= from) to = min(closed, nextBucket(level, from));
  return to > from ? { from, to } : null;
}

/**
 * One roll-up run: each level in turn (hour from raw readings, day from hours, week and month from days), over
 * closed buckets only, from its watermark less the late window up to the last closed bucket. MERGE makes a rerun
 * harmless; each level's run is recorded with the watermark it reached.
 */
export async function runRollups(store: RollupStore, options: RollupOptions): Promise<LevelRun[]> {
  const watermarks = await store.watermarks();
  const oldest = await store.oldestReading();
  const reached: Partial<Record<RollupLevel, Date>> = {};
  const runs: LevelRun[] = [];
  const ranAt = options.now.toISOString();
  for (const level of ROLLUP_LEVELS) {
    const source = ROLLUP_SOURCE[level];
    const sourceWatermark = source === 'readings' ? options.now : (reached[source] ?? null);
    const range = plan(level, options, watermarks[level], sourceWatermark, oldest);
    if (!range) {
      const kept = watermarks[level];
      if (kept) reached[level] = new Date(kept);
      runs.push({ level, from: null, to: null, buckets: 0, watermark: kept ?? null });
      continue;
    }
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const buckets = await store.merge(level, { from, to }, ranAt);
    // A rerun of an older range never moves the watermark back.
    const watermark = watermarks[level] && watermarks[level] > to ? watermarks[level] : to;
    reached[level] = new Date(watermark);
    await store.recordRun({
      run_id: createHash('sha256').update(`${level}\n${from}\n${to}\n${ranAt}`).digest('hex').slice(0, 32),
      level,
      range_from: from,
      watermark,
      buckets,
      ran_at: ranAt,
    });
    runs.push({ level, from, to, buckets, watermark });
  }
  return runs;
}
