import { ENERGY_METER_METRICS as M, ROUNDING } from '../energy-meter.js';

/** Fewest readings with both energy and CO2 to fit the meter's emission factor. */
const MIN_CO2_PAIRS = 100;
/** How far (in readings) to look for the known readings that vouch for a CO2 register around a reading. */
const VOUCH_REACH = 8;
/** Slack on a CO2 interval's edges, as a share of its width: the factor is fitted, not known. */
const EDGE_SLACK = 0.01;

/**
 * CO2 is energy times the meter's emission factor, reported rounded: round(u·f, 2). The factor is the one that
 * the most readings agree with (each reading allows an interval of factors), not a least-squares slope, which
 * the rounding biases: the interval a reading's CO2 then allows for its energy holds the truth.
 */
export function emissionFactor(
  matrix: readonly Float64Array[],
  column: ReadonlyMap<string, number>,
): number | undefined {
  const [cu, cc] = [column.get(M.energy), column.get(M.co2)];
  if (cu === undefined || cc === undefined) return undefined;
  const events: Array<readonly [number, number]> = [];
  for (const values of matrix) {
    const [u, co2] = [values[cu] as number, values[cc] as number];
    if (!(u > 0) || !(co2 > 0)) continue;
    events.push([(co2 - ROUNDING) / u, 1], [(co2 + ROUNDING) / u, -1]);
  }
  if (events.length < 2 * MIN_CO2_PAIRS) return undefined;
  // Sweep: the middle of the stretch of factors that the most intervals cover (openings before closings at a tie).
  events.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let depth = 0;
  let best = -1;
  let from = 0;
  let to = 0;
  events.forEach(([at, step], i) => {
    depth += step;
    if (step > 0 && depth > best) {
      best = depth;
      from = at;
      to = (events[i + 1] as readonly [number, number])[0];
    }
  });
  return (from + to) / 2;
}

/**
 * Where a reading's CO2 is a witness of its energy: the energy interval its rounded CO2 allows, zero included,
 * but only where the register is live, i.e. the nearest known readings on both sides agree with their own energy
 * (a meter that writes 0 while loaded, or a stuck CO2 register, vouches for nothing).
 */
export class Co2Witness {
  private constructor(
    private readonly matrix: readonly Float64Array[],
    private readonly cu: number,
    private readonly cc: number,
    readonly factor: number,
  ) {}

  static of(matrix: readonly Float64Array[], column: ReadonlyMap<string, number>): Co2Witness | undefined {
    const factor = emissionFactor(matrix, column);
    const [cu, cc] = [column.get(M.energy), column.get(M.co2)];
    return factor === undefined || cu === undefined || cc === undefined
      ? undefined
      : new Co2Witness(matrix, cu, cc, factor);
  }

  /** The energy interval of reading t's CO2, or undefined where it has none or its register is not vouched for. */
  bounds(t: number): readonly [number, number] | undefined {
    const co2 = (this.matrix[t] as Float64Array)[this.cc] as number;
    if (!(co2 >= 0) || !this.vouched(t)) return undefined;
    return this.interval(co2);
  }

  /** Whether reading t carries a CO2 that its neighbours do not vouch for (no ground to estimate its energy on). */
  unvouched(t: number): boolean {
    return !Number.isNaN((this.matrix[t] as Float64Array)[this.cc]) && !this.bounds(t);
  }

  private interval(co2: number): readonly [number, number] {
    const slack = (EDGE_SLACK * 2 * ROUNDING) / this.factor;
    return [Math.max(0, (co2 - ROUNDING) / this.factor - slack), (co2 + ROUNDING) / this.factor + slack];
  }

  /** A known reading on each side, the nearest, agrees with its CO2 (one side alone may be the onset of a stuck run). */
  private vouched(t: number): boolean {
    let witnesses = 0;
    for (const direction of [-1, 1]) {
      for (let k = 1; k <= VOUCH_REACH; k++) {
        const values = this.matrix[t + direction * k];
        if (!values) break;
        const [u, co2] = [values[this.cu] as number, values[this.cc] as number];
        if (Number.isNaN(u) || Number.isNaN(co2)) continue;
        const [lo, hi] = this.interval(co2);
        if (u < lo || u > hi) return false;
        witnesses++;
        break;
      }
    }
    return witnesses === 2;
  }
}
