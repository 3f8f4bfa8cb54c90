export interface Stats {
  readonly median: number;
  readonly scale: number;
}

/** Values added to the window before cached statistics are recomputed. */
const STATS_REFRESH = 8;

/** What the streaming rules remember of one metric of one device: recent trusted values and the current run. */
export class SeriesState {
  /** Ring buffer of the latest trusted values, for robust statistics. */
  private readonly window: Float64Array;
  private filled = 0;
  private next = 0;
  private lastValue: number | null = null;
  private lastTs = -Infinity;
  /** How many consecutive readings (in time order) carried lastValue. */
  private run = 0;
  private cached: Stats | undefined;
  private addedSinceStats = 0;

  constructor(windowSize: number) {
    this.window = new Float64Array(windowSize);
  }

  /** Length of the run of identical values that `value` at `ts` would extend or start. */
  runWith(value: number, ts: number): number {
    if (ts <= this.lastTs) return 0;
    return value === this.lastValue ? this.run + 1 : 1;
  }

  /**
   * Median and scaled MAD of the window, or undefined while too few values are known. Robust statistics
   * of a window move slowly, so they are recomputed only every few values unless `fresh` is asked for.
   */
  stats(minCount: number, fresh = false): Stats | undefined {
    if (this.filled < minCount) return undefined;
    if (!fresh && this.cached && this.addedSinceStats < STATS_REFRESH) return this.cached;
    this.cached = this.computeStats();
    this.addedSinceStats = 0;
    return this.cached;
  }

  private computeStats(): Stats {
    // Typed arrays sort numerically in native code: several times faster than Array#sort with a comparator.
    const values = this.window.slice(0, this.filled).sort();
    const median = middle(values);
    for (let i = 0; i < values.length; i++) values[i] = Math.abs((values[i] as number) - median);
    values.sort();
    return { median, scale: 1.4826 * middle(values) };
  }

  /** Records a value in time order; only trusted values feed the statistics. */
  observe(value: number | null, ts: number, trusted: boolean): void {
    if (ts > this.lastTs) {
      this.run = value !== null && value === this.lastValue ? this.run + 1 : 1;
      this.lastValue = value;
      this.lastTs = ts;
    }
    if (trusted && value !== null) {
      this.addedSinceStats++;
      this.window[this.next] = value;
      this.next = (this.next + 1) % this.window.length;
      if (this.filled < this.window.length) this.filled++;
    }
  }
}

function middle(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
