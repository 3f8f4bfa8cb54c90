import { describe, expect, it } from 'vitest';
import { SeriesState } from '../../shared/readings/clean/series-state.js';

/** The statistics by sorting the whole window, as they were computed before the window was kept sorted. */
function bySorting(window: readonly number[]): { median: number; scale: number } {
  const middle = (a: Float64Array) => {
    const mid = a.length >> 1;
    return a.length % 2 ? (a[mid] as number) : ((a[mid - 1] as number) + (a[mid] as number)) / 2;
  };
  const values = Float64Array.from(window).sort();
  const median = middle(values);
  const deviations = values.map((v) => Math.abs(v - median)).sort();
  return { median, scale: 1.4826 * middle(deviations) };
}

/** Deterministic values with ties, zeros and wide ranges. */
function* values(seed: number, count: number): Generator<number> {
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const u = x / 2 ** 32;
    yield seed % 3 === 0 ? Math.round(u * 4) : (u - 0.5) * 10 ** (seed % 6);
  }
}

describe('series state: robust statistics of a sliding window', () => {
  it('gives exactly the median and scaled MAD of sorting the window, for every window size and value', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const size = 1 + (seed % 33);
      const state = new SeriesState(size);
      const window: number[] = [];
      let ts = 0;
      for (const v of values(seed, 150)) {
        state.observe(v, ts++, true);
        window.push(v);
        if (window.length > size) window.shift();
        expect(state.stats(1, true)).toEqual(bySorting(window));
      }
    }
  });

  it('leaves untrusted and missing values out of the window', () => {
    const state = new SeriesState(4);
    [1, 2, 3].forEach((v, i) => state.observe(v, i, true));
    state.observe(1000, 3, false);
    state.observe(null, 4, true);
    expect(state.stats(3, true)).toEqual({ median: 2, scale: 1.4826 });
    expect(state.stats(4, true)).toBeUndefined();
  });
});
