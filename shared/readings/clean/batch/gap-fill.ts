/**
 * Fills runs of missing values of one regular series from the series itself: linear interpolation, or the
 * device's daily or weekly profile (the values one period before and after, or the mean of the same time over
 * four weeks each side, which a noisy load needs) shifted to meet the known values at both ends of the run (the
 * shift carried linearly across it: a shift that faded away from the ends did better on ordinary days and far
 * worse on a holiday, whose whole run sits below the profile). Which method fills a run depends on its length, chosen per series by masking runs of
 * that length where the values are known and keeping the method with the smallest squared error; linear
 * interpolation is always a candidate, so a series never gets a method that did worse than it there.
 */
export const FILL_METHODS = ['linear', 'day', 'week', 'day+week', '4 weeks'] as const;
export type FillMethod = (typeof FILL_METHODS)[number];

/** Run-length classes (in readings, upper bounds) and the length that stands for each in validation. */
const CLASSES: ReadonlyArray<{ readonly upTo: number; readonly probe: number }> = [
  { upTo: 1, probe: 1 },
  { upTo: 4, probe: 3 },
  { upTo: 16, probe: 10 },
  { upTo: 48, probe: 32 },
  { upTo: Infinity, probe: 96 },
];
/** Runs masked per class and method in validation: at least 48, and enough for 480 hidden values. */
const PROBES = 48;
const PROBE_VALUES = 480;
/** Weeks each side that the '4 weeks' profiles average. */
const WEEKS = 4;

export interface Periods {
  /** Readings per day and per week of the series. */
  readonly day: number;
  readonly week: number;
}

const known = (x: Float64Array, i: number) => i >= 0 && i < x.length && !Number.isNaN(x[i]);

/** The offsets (in readings) a profile method averages over. */
function offsets(method: Exclude<FillMethod, 'linear'>, p: Periods): number[] {
  if (method === 'day') return [p.day];
  if (method === 'week') return [p.week];
  if (method === 'day+week') return [p.day, p.week];
  return Array.from({ length: WEEKS }, (_, k) => (k + 1) * p.week);
}

/** Mean of the known values at the method's offsets before and after i; NaN when none. */
function profile(x: Float64Array, i: number, lags: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const lag of lags) {
    for (const j of [i - lag, i + lag]) {
      if (known(x, j)) {
        sum += x[j] as number;
        n++;
      }
    }
  }
  return n ? sum / n : NaN;
}

function linearRun(x: Float64Array, a: number, b: number): number[] {
  const left = known(x, a - 1) ? (x[a - 1] as number) : NaN;
  const right = known(x, b + 1) ? (x[b + 1] as number) : NaN;
  const out: number[] = [];
  for (let i = a; i <= b; i++) {
    if (Number.isNaN(left)) out.push(right);
    else if (Number.isNaN(right)) out.push(left);
    else out.push(left + ((right - left) * (i - a + 1)) / (b - a + 2));
  }
  return out;
}

/** Values for the run a..b (inclusive) of missing indices; NaN where nothing is known to fill from. */
export function fillRun(x: Float64Array, a: number, b: number, method: FillMethod, p: Periods): number[] {
  const linear = linearRun(x, a, b);
  if (method === 'linear') return linear;
  const lags = offsets(method, p);
  // The profile's miss at each end of the run, carried across it.
  const edge = (j: number) => (known(x, j) ? (x[j] as number) - profile(x, j, lags) : NaN);
  let left = edge(a - 1);
  let right = edge(b + 1);
  if (Number.isNaN(left)) left = Number.isNaN(right) ? 0 : right;
  if (Number.isNaN(right)) right = left;
  return linear.map((fallback, k) => {
    const base = profile(x, a + k, lags);
    if (Number.isNaN(base)) return fallback;
    return base + left + ((right - left) * (k + 1)) / (b - a + 2);
  });
}

export function classOf(length: number): number {
  return CLASSES.findIndex((c) => length <= c.upTo);
}

export interface Choice {
  readonly method: FillMethod;
  /** Its root mean squared error on the masked runs (NaN: none could be masked). */
  readonly rmse: number;
}

/** Starts of up to `count` runs of `probe` known values (known at both ends too), spread evenly over x. */
function probeStarts(x: Float64Array, probe: number, count: number): number[] {
  const starts: number[] = [];
  const stride = Math.max(1, Math.floor(x.length / (count + 1)));
  for (let s = stride; s + probe < x.length && starts.length < count; s += stride) {
    let ok = known(x, s - 1) && known(x, s + probe);
    for (let i = s; ok && i < s + probe; i++) ok = known(x, i);
    if (ok) starts.push(s);
  }
  return starts;
}

/** Each probe run hidden in turn and filled by `method`: the fill and the hidden truth, index by index. */
function hideAndFill(x: Float64Array, starts: readonly number[], probe: number, method: FillMethod, p: Periods) {
  const out: Array<{ index: number; fill: number; truth: number }> = [];
  for (const s of starts) {
    const hidden = x.slice(s, s + probe);
    x.fill(NaN, s, s + probe);
    const filled = fillRun(x, s, s + probe - 1, method, p);
    x.set(hidden, s);
    filled.forEach((fill, k) => out.push({ index: s + k, fill, truth: hidden[k] as number }));
  }
  return out;
}

/** For each run-length class, the method with the smallest squared error on masked runs of known values. */
export function chooseMethods(x: Float64Array, p: Periods): Choice[] {
  return CLASSES.map(({ probe }) => {
    const starts = probeStarts(x, probe, Math.max(PROBES, Math.ceil(PROBE_VALUES / probe)));
    let best: FillMethod = 'linear';
    let bestError = Infinity;
    const count = starts.length * probe;
    for (const method of FILL_METHODS) {
      const error = hideAndFill(x, starts, probe, method, p).reduce((e, h) => e + (h.fill - h.truth) ** 2, 0);
      // Linear interpolation comes first; ties (or too little data to tell) keep it.
      if (bestError === Infinity || error < bestError * (1 - 1e-9)) {
        best = method;
        bestError = error;
      }
    }
    return { method: best, rmse: count ? Math.sqrt(bestError / count) : NaN };
  });
}

/**
 * Per run-length class, known values hidden run by run (up to `runs` runs) and filled by the class's chosen
 * method: what a later estimate can be calibrated on, since the fill of a real gap is made the same way.
 */
export function probeFills(
  x: Float64Array,
  p: Periods,
  choices: readonly Choice[],
  runs: number,
): Array<Array<{ index: number; fill: number; truth: number }>> {
  return CLASSES.map(({ probe }, k) =>
    hideAndFill(x, probeStarts(x, probe, runs), probe, (choices[k] as Choice).method, p),
  );
}

export interface Filled {
  /** x with every missing value filled (NaN stays where the series has no known value at all). */
  readonly values: Float64Array;
  /** At each filled index, the validation RMSE of the method that filled it. */
  readonly rmse: Float64Array;
  /** At each filled index, the run-length class of its run (-1 where the value was known). */
  readonly runClass: Int8Array;
  readonly choices: readonly Choice[];
}

export function fillSeries(x: Float64Array, p: Periods): Filled {
  const choices = chooseMethods(x, p);
  const values = Float64Array.from(x);
  const rmse = new Float64Array(x.length).fill(NaN);
  const runClass = new Int8Array(x.length).fill(-1);
  for (let a = 0; a < x.length; a++) {
    if (known(x, a)) continue;
    let b = a;
    while (b + 1 < x.length && !known(x, b + 1)) b++;
    const k = classOf(b - a + 1);
    const choice = choices[k] as Choice;
    values.set(fillRun(x, a, b, choice.method, p), a);
    rmse.fill(choice.rmse, a, b + 1);
    runClass.fill(k, a, b + 1);
    a = b;
  }
  return { values, rmse, runClass, choices };
}
