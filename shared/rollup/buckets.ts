import type { RollupLevel } from '../warehouse/schema/tables.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Start of the UTC bucket of `level` holding `t` (weeks: ISO, Monday 00:00 UTC). */
export function bucketStart(level: RollupLevel, t: Date): Date {
  const ms = t.getTime();
  switch (level) {
    case 'hour':
      return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS);
    case 'day':
      return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
    case 'week': {
      const day = Math.floor(ms / DAY_MS) * DAY_MS;
      // 1970-01-01 was a Thursday: (getUTCDay() + 6) % 7 days back is the Monday.
      return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS);
    }
    case 'month':
      return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
  }
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(level: RollupLevel, start: Date): Date {
  switch (level) {
    case 'hour':
      return new Date(start.getTime() + HOUR_MS);
    case 'day':
      return new Date(start.getTime() + DAY_MS);
    case 'week':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'month':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/** The level each level is computed from: raw readings for hours, the finer roll-up above it otherwise. */
export const ROLLUP_SOURCE = { hour: 'readings', day: 'hour', week: 'day', month: 'day' } as const satisfies Record<
  RollupLevel,
  RollupLevel | 'readings'
>;
