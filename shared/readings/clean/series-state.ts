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

  constructor(windowSize: number) {
    this.window = new Float64Array(windowSize);
  }

  /** Length of the run of identical values that `value` at `ts` would extend or start. */
  runWith(value: number, ts: number): number {
    if (ts <= this.lastTs) return 0;
    return value === this.lastValue ? this.run + 1 : 1;
  }

  /** Median and scaled MAD of the window, or undefined while too few values are known. */
  stats(minCount: number): { median: number; scale: number } | undefined {
    if (this.filled < minCount) return undefined;
    const values = Array.from(this.window.subarray(0, this.filled)).sort((a, b) => a - b);
    const median = middle(values);
    for (let i = 0; i < values.length; i++) values[i] = Math.abs((values[i] as number) - median);
    values.sort((a, b) => a - b);
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
      this.window[this.next] = value;
      this.next = (this.next + 1) % this.window.length;
      if (this.filled < this.window.length) this.filled++;
    }
  }
}

function middle(sorted: number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
