import type { ReadingRow } from '../../warehouse/schema/tables.js';
import { UNTRUSTED, type Flag } from '../flags.js';
import { SeriesState } from './series-state.js';

export interface KnownReading {
  /** The value as sent, in the canonical unit (before any repair). */
  readonly sent: number | null;
  readonly messageId: string;
}

/** Recent history of one device, rebuilt from the warehouse when an instance starts cold. */
export class DeviceState {
  latestTs = -Infinity;
  private readonly series = new Map<string, SeriesState>();
  private readonly known = new Map<string, KnownReading>();

  constructor(
    private readonly windowSize: number,
    private readonly knownCap: number,
  ) {}

  seriesOf(metric: string): SeriesState {
    let s = this.series.get(metric);
    if (!s) {
      s = new SeriesState(this.windowSize);
      this.series.set(metric, s);
    }
    return s;
  }

  lookup(readingId: string): KnownReading | undefined {
    return this.known.get(readingId);
  }

  remember(readingId: string, reading: KnownReading, metric: string, value: number | null, ts: number, flags: readonly Flag[]): void {
    this.known.set(readingId, reading);
    // Maps iterate in insertion order: dropping the first key forgets the oldest reading.
    if (this.known.size > this.knownCap) this.known.delete(this.known.keys().next().value as string);
    const trusted = !flags.some((f) => UNTRUSTED.has(f) || f === 'shutdown');
    this.seriesOf(metric).observe(value, ts, trusted);
    if (ts > this.latestTs) this.latestTs = ts;
  }

  /** Replays stored rows (any order) oldest first. */
  static fromRows(rows: readonly ReadingRow[], windowSize: number, knownCap: number, sentOf: (row: ReadingRow) => number | null): DeviceState {
    const state = new DeviceState(windowSize, knownCap);
    const ordered = rows
      .map((row) => ({ row, ts: Date.parse(row.ts) }))
      .sort((a, b) => a.ts - b.ts);
    for (const { row, ts } of ordered) {
      state.remember(row.reading_id, { sent: sentOf(row), messageId: row.message_id }, row.metric, row.value, ts, row.flags as Flag[]);
    }
    return state;
  }
}
