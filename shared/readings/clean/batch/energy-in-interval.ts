import type { Co2Witness } from './co2-witness.js';
import { probeFills, type Filled } from './gap-fill.js';
import type { TimeGrid } from './time-grid.js';

/** Known runs hidden per run-length class to calibrate on (each hides 1 to 96 readings). */
const CALIBRATION_RUNS = 2000;
/** Fewest calibration pairs for a line of its own; fewer borrow the line of every length pooled. */
const MIN_PAIRS = 30;

interface Line {
  readonly a: number;
  readonly b: number;
}

/** Least squares of y on x; undefined with too few pairs or no spread in x (then the mean of y, b = 0). */
function fitLine(pairs: ReadonlyArray<readonly [number, number]>): Line | undefined {
  const n = pairs.length;
  if (n < MIN_PAIRS) return undefined;
  let [sx, sy, sxx, sxy] = [0, 0, 0, 0];
  for (const [x, y] of pairs) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const varX = sxx / n - (sx / n) ** 2;
  const b = varX > 1e-9 ? (sxy / n - (sx / n) * (sy / n)) / varX : 0;
  return { a: sy / n - (b * sx) / n, b };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * A missing energy whose reading kept a vouched CO2: the CO2 says in which interval it lies (about 22 kWh wide on
 * the steel plant, two-decimal CO2), the series' fill in time says where in it. Where in it is a line fitted on the
 * file's own known readings, hidden run by run exactly as a gap is filled, per run-length class and apart for CO2 = 0
 * (an idle plant) and above; so the fill's pull shrinks where it says little (long runs, a noisy load) and the
 * estimate falls back to the interval's typical point.
 */
export class EnergyInInterval {
  private constructor(
    private readonly witness: Co2Witness,
    /** [zero CO2, CO2 above zero] × run-length class. */
    private readonly lines: ReadonlyArray<ReadonlyArray<Line | undefined>>,
  ) {}

  static fit(matrix: readonly Float64Array[], cu: number, grid: TimeGrid, witness: Co2Witness): EnergyInInterval {
    const series = grid.series(matrix, cu);
    const filled = grid.fill(matrix, cu);
    const readingAt = grid.readings();
    // [zero CO2, CO2 above zero][run-length class]: (where the fill lies, where the truth lies) in the interval.
    const pairs = [0, 1].map(() => filled.choices.map(() => [] as Array<readonly [number, number]>));
    probeFills(series, grid.seasons, filled.choices, CALIBRATION_RUNS).forEach((probes, k) => {
      for (const { index, fill, truth } of probes) {
        const t = readingAt[index] as number;
        const bounds = t >= 0 && !Number.isNaN(fill) ? witness.bounds(t) : undefined;
        if (bounds) pairs[bounds[0] > 0 ? 1 : 0]?.[k]?.push([position(fill, bounds), position(truth, bounds)]);
      }
    });
    const lines = pairs.map((byClass) => {
      const pooled = fitLine(byClass.flat());
      return byClass.map((p) => fitLine(p) ?? pooled);
    });
    return new EnergyInInterval(witness, lines);
  }

  /** Energy of reading t (at grid position `at` of the energy's fill), or undefined where its CO2 says nothing. */
  estimate(t: number, at: number, filled: Filled): number | undefined {
    const bounds = this.witness.bounds(t);
    const fill = filled.values[at] as number;
    if (!bounds || Number.isNaN(fill)) return undefined;
    const line = this.lines[bounds[0] > 0 ? 1 : 0]?.[filled.runClass[at] as number];
    const [lo, hi] = bounds;
    const where = line ? clamp01(line.a + line.b * position(fill, bounds)) : position(fill, bounds);
    return lo + (hi - lo) * where;
  }
}

/** Where v lies in the interval, 0 at its low end, 1 at its high end, held inside. */
function position(v: number, [lo, hi]: readonly [number, number]): number {
  return clamp01((v - lo) / (hi - lo));
}
