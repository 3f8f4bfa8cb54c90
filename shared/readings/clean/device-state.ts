import type { ReadingRow } from '../../warehouse/schema/tables.js';
import { UNTRUSTED, type Flag } from '../flags.js';
import type { PendingWrite } from './pending-write.js';
import { SeriesState } from './series-state.js';

export interface KnownReading {
  /** The value as sent, in the canonical unit (before any repair). */
  readonly sent: number | null;
  readonly messageId: string;
  readonly ts: number;
  /** The readings write of the delivery that brought the value; undefined for values loaded from the warehouse. */
  readonly write?: PendingWrite;
}

function isTrusted(flags: readonly Flag[]): boolean {
  for (const flag of flags) if (UNTRUSTED.has(flag) || flag === 'shutdown') return false;
  return true;
}

/** Recent history of one device, rebuilt from the warehouse when an instance starts cold. */
export class DeviceState {
  latestTs = -Infinity;
  /** Every stored reading at or after this time (epoch ms) is among the known ones; older ones need a lookup. */
  coveredFrom = -Infinity;
  /** Each metric's slot, in order of first use: known readings and series are kept by slot. */
  private readonly slots = new Map<string, number>();
  private readonly series: SeriesState[] = [];
  /**
   * Known readings by time, then metric slot: number keys hash far faster than 32-character ids, and an array
   * per time costs far less than a map per time.
   */
  private readonly known = new Map<number, Array<KnownReading | undefined>>();
  private knownCount = 0;
  /** Deliveries whose lookups this state serves until they are cleaned: nothing is forgotten meanwhile. */
  private holds = 0;
  /** Dropped from its instance's cache (a write failed): deliveries still using it write, the next load waits. */
  stale = false;
  /** Deliveries cleaning against this state that have not finished, and what waits for them. */
  private users = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly windowSize: number,
    private readonly knownCap: number,
  ) {}

  private slotOf(metric: string): number {
    let slot = this.slots.get(metric);
    if (slot === undefined) {
      this.slots.set(metric, (slot = this.slots.size));
      this.series.push(new SeriesState(this.windowSize));
    }
    return slot;
  }

  seriesOf(metric: string): SeriesState {
    return this.series[this.slotOf(metric)] as SeriesState;
  }

  lookup(ts: number, metric: string): KnownReading | undefined {
    const slot = this.slots.get(metric);
    return slot === undefined ? undefined : this.known.get(ts)?.[slot];
  }

  /** A stored reading found by a lookup: known for duplicate checks, not part of the recent history. */
  addKnown(metric: string, reading: KnownReading): void {
    this.addKnownAt(this.slotOf(metric), reading);
  }

  private addKnownAt(slot: number, reading: KnownReading): void {
    let atTs = this.known.get(reading.ts);
    if (!atTs) this.known.set(reading.ts, (atTs = []));
    if (atTs[slot] === undefined) this.knownCount++;
    atTs[slot] = reading;
  }

  /**
   * Forgets the earliest remembered times while over the cap. Called once a message is cleaned, never while:
   * its lookups were decided against coveredFrom before it, so a time it repeats must stay known until then.
   */
  trim(): void {
    if (this.holds > 0) return;
    // Maps iterate in insertion order: dropping the first entry forgets the earliest remembered time.
    while (this.knownCount > this.knownCap) {
      const [oldestTs, oldest] = this.known.entries().next().value as [number, Array<KnownReading | undefined>];
      this.known.delete(oldestTs);
      for (const entry of oldest) if (entry !== undefined) this.knownCount--;
      this.coveredFrom = Math.max(this.coveredFrom, oldestTs + 1);
    }
  }

  /**
   * Forgets nothing until release(): a warehouse lookup answers for what was stored when it ran, so values
   * remembered after it, their writes perhaps not stored yet, must stay known until its delivery is cleaned.
   */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (--this.holds === 0) this.trim();
  }

  /** A delivery cleans against this state until done(). */
  use(): void {
    this.users++;
  }

  done(): void {
    if (--this.users === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once no delivery uses this state: their writes are then in the warehouse (or failed). */
  idle(): Promise<void> {
    return this.users === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  remember(reading: KnownReading, metric: string, value: number | null, flags: readonly Flag[]): void {
    const ts = reading.ts;
    const slot = this.slotOf(metric);
    this.addKnownAt(slot, reading);
    (this.series[slot] as SeriesState).observe(value, ts, isTrusted(flags));
    if (ts > this.latestTs) this.latestTs = ts;
  }

  /**
   * Replays the latest `perMetric` stored rows of each metric, oldest first. A metric that filled its
   * quota may have older rows: the state covers only what is newer than its oldest loaded row.
   */
  static fromRows(
    rows: readonly ReadingRow[],
    perMetric: number,
    windowSize: number,
    knownCap: number,
    sentOf: (row: ReadingRow) => number | null,
  ): DeviceState {
    const state = new DeviceState(windowSize, knownCap);
    const ordered = rows.map((row) => ({ row, ts: Date.parse(row.ts) })).sort((a, b) => a.ts - b.ts);
    const perMetricSeen = new Map<string, { count: number; oldest: number }>();
    for (const { row, ts } of ordered) {
      const seen = perMetricSeen.get(row.metric) ?? { count: 0, oldest: ts };
      seen.count++;
      perMetricSeen.set(row.metric, seen);
      // write: undefined keeps every entry one shape (stored rows have no pending write).
      state.remember(
        { sent: sentOf(row), messageId: row.message_id, ts, write: undefined },
        row.metric,
        row.value,
        row.flags as Flag[],
      );
    }
    for (const seen of perMetricSeen.values()) {
      if (seen.count >= perMetric) state.coveredFrom = Math.max(state.coveredFrom, seen.oldest);
    }
    state.trim();
    return state;
  }
}
