import { fillSeries, type Filled, type Periods } from './gap-fill.js';

/** Grids longer than this many times the readings (sparse data over a long span) fall back to interpolation in time. */
const MAX_GRID_RATIO = 4;

/** A device's reading times on its reading grid, where the daily and weekly profiles have a meaning. */
export class TimeGrid {
  private readonly first: number;
  private readonly stepMs: number;
  private readonly length: number;
  private readonly onGrid: boolean;
  private readonly periods: Periods;

  constructor(
    private readonly times: readonly number[],
    intervalSeconds: number,
  ) {
    this.stepMs = intervalSeconds * 1000;
    this.first = times[0] ?? 0;
    this.length = times.length ? Math.round(((times[times.length - 1] as number) - this.first) / this.stepMs) + 1 : 0;
    this.onGrid =
      times.every((t) => (t - this.first) % this.stepMs === 0) && this.length <= MAX_GRID_RATIO * times.length;
    const day = Math.max(1, Math.round(86_400 / intervalSeconds));
    // Off the grid the profiles mean nothing: periods no series reaches leave linear interpolation.
    this.periods = this.onGrid ? { day, week: 7 * day } : { day: Infinity, week: Infinity };
  }

  /** Grid position of the t-th reading time. */
  position(t: number): number {
    return this.onGrid ? Math.round(((this.times[t] as number) - this.first) / this.stepMs) : t;
  }

  /** Column c of the matrix on the grid (NaN: unknown). */
  series(matrix: readonly Float64Array[], c: number): Float64Array {
    const series = new Float64Array(this.onGrid ? this.length : this.times.length).fill(NaN);
    matrix.forEach((values, t) => (series[this.position(t)] = values[c] as number));
    return series;
  }

  /** Column c of the matrix (NaN: unknown) on the grid, every gap filled from the series itself. */
  fill(matrix: readonly Float64Array[], c: number): Filled {
    return fillSeries(this.series(matrix, c), this.periods);
  }

  /** The reading at each grid position (-1: none). */
  readings(): Int32Array {
    const at = new Int32Array(this.onGrid ? this.length : this.times.length).fill(-1);
    this.times.forEach((_, t) => (at[this.position(t)] = t));
    return at;
  }

  get seasons(): Periods {
    return this.periods;
  }
}
