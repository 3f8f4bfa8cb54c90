import type { RollupLevel, RollupRunRow } from '../warehouse/schema/tables.js';

/** Where roll-ups live: BigQuery in the cloud, the DuckDB file locally. No business rules here. */
export interface RollupStore {
  /** Per level, the watermark its runs reached (ISO); a level never run is absent. */
  watermarks(): Promise<Partial<Record<RollupLevel, string>>>;
  /** Time of the oldest raw reading still stored (ISO), or null when there are none. */
  oldestReading(): Promise<string | null>;
  /** Recomputes the level's buckets in [from, to) with an idempotent MERGE; returns the rows inserted or changed. */
  merge(level: RollupLevel, range: { from: string; to: string }, computedAt: string): Promise<number>;
  recordRun(run: RollupRunRow): Promise<void>;
}
