/**
 * The latest clean values of one metric, as the cleaner's history would hold them: spikes and dips are
 * sized against their median and scaled MAD, the statistics the cleaning step judges them by.
 */
export class RecentValues {
  private readonly values: Float64Array;
  private filled = 0;
  private next = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  get count(): number {
    return this.filled;
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.filled < this.values.length) this.filled++;
  }

  /** Median and 1.4826 × MAD (a robust standard deviation). */
  robust(): { median: number; scale: number } | undefined {
    if (this.filled === 0) return undefined;
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b);
    const median = middle(sorted);
    const deviations = sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
    return { median, scale: 1.4826 * middle(deviations) };
  }
}

function middle(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
