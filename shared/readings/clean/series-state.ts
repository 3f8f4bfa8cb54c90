export interface Stats {
  readonly median: number;
  readonly scale: number;
}

/** Values added to the window before cached statistics are recomputed. */
const STATS_REFRESH = 8;

/** What the streaming rules remember of one metric of one device: recent trusted values and the current run. */
export class SeriesState {
  /** Ring buffer of the latest trusted values, oldest first from `next`: which value leaves the window. */
  private readonly window: Float64Array;
  /** The same values in ascending order: robust statistics without sorting (they were a ninth of cleaning's CPU). */
  private readonly sorted: Float64Array;
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
    this.sorted = new Float64Array(windowSize);
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
    const median = middle(this.sorted, this.filled);
    return { median, scale: 1.4826 * medianDeviation(this.sorted, this.filled, median) };
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
      if (this.filled === this.window.length) this.removeSorted(this.window[this.next] as number);
      this.insertSorted(value);
      this.window[this.next] = value;
      this.next = (this.next + 1) % this.window.length;
    }
  }

  private insertSorted(value: number): void {
    const at = lowerBound(this.sorted, this.filled, value);
    this.sorted.copyWithin(at + 1, at, this.filled);
    this.sorted[at] = value;
    this.filled++;
  }

  private removeSorted(value: number): void {
    const at = lowerBound(this.sorted, this.filled, value);
    this.sorted.copyWithin(at, at + 1, this.filled);
    this.filled--;
  }
}

/** First index of the first `n` sorted values whose value is not below `value`. */
function lowerBound(sorted: Float64Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function middle(sorted: Float64Array, n: number): number {
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median of |x - median| over the first `n` sorted values. The deviations below the median, read downwards,
 * and those above it, read upwards, are each ascending: merging them walks the deviations in order.
 */
function medianDeviation(sorted: Float64Array, n: number, median: number): number {
  let below = lowerBound(sorted, n, median) - 1;
  let above = below + 1;
  let previous = 0;
  let current = 0;
  for (let taken = 0; taken <= n >> 1; taken++) {
    const down = below >= 0 ? median - (sorted[below] as number) : Infinity;
    const up = above < n ? (sorted[above] as number) - median : Infinity;
    previous = current;
    if (down <= up) {
      current = down;
      below--;
    } else {
      current = up;
      above++;
    }
  }
  return n % 2 ? current : (previous + current) / 2;
}
