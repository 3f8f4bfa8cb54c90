import { attr, encodeOnnxModel, type OnnxNode } from '../models/onnx-builder.js';
import { erfcConstants, lnErfcNodes } from './onnx-math.js';
import { chiSquareToZ, logErfc, logTailScore } from './tail.js';

/**
 * Drift-aware multivariate control chart for steady-state sensor windows.
 *
 * Per sensor, the fit rows are read as a local-level process: white measurement noise (variance s²) around
 * a level that wanders like a random walk (variance q per row). Both come from a straight-line fit to the
 * sensor's variogram over lags 1…τ. A row is scored on the trailing mean of τ rows of each sensor,
 * standardised by the variance that mean is expected to have one fit-window ahead:
 *
 *   var_j = s²_j/τ + s²_j/n + q_j·(n + τ/3)
 *
 * so sensors that wander slowly in normal operation (temperatures) weigh less than sensors that hold steady
 * (flow), without looking at any label. The sum over sensors is a chi-square statistic with m degrees of
 * freedom; its tail probability (Wilson–Hilferty) on a log scale is the score, and the alarm threshold is
 * a tail probability (1e-3 → score 0.3).
 *
 * Adaptive level (baselineRows > 0): a plant drifts for hours, farther than one fit window foresees (SKAB's
 * anomaly-free recording moves its flow by 8 and its fluid temperature by 40 fit-window sds in 2.5 hours). The
 * level then follows the data: an exponential mean over `baselineRows` rows of the rows `baselineGap` rows back
 * that did not alarm, so a fault keeps alarming while it lasts and the level returns to the pre-fault one; an
 * alarm that lasts beyond `holdRows` rows is taken as the new normal. The expected variance then uses the horizon
 * baselineGap + baselineRows instead of the fit window.
 */

export interface DriftChartParams {
  /** Smoothing window and variogram span, rows. */
  readonly tau: number;
  /** Tail probability at which a row alarms. */
  readonly alarmTail: number;
  /** Rows between a row and the newest row its level is updated from; 0: the fitted level stays fixed. */
  readonly baselineGap: number;
  /** Length of the level's exponential mean, rows. */
  readonly baselineRows: number;
  /** An alarm run longer than this many rows updates the level anyway. */
  readonly holdRows: number;
}

export const DRIFT_CHART_DEFAULTS: DriftChartParams = {
  tau: 20,
  alarmTail: 1e-3,
  baselineGap: 300,
  baselineRows: 100,
  holdRows: 300,
};

/** The drift chart as in version 1: the level fitted once. */
export const FIXED_LEVEL = { baselineGap: 0, baselineRows: 0, holdRows: 0 } as const;

export interface DriftChartFit {
  readonly columns: string[];
  readonly tau: number;
  readonly rows: number;
  readonly mean: number[];
  /** Noise variance s² and random-walk variance q per row, per sensor. */
  readonly noiseVar: number[];
  readonly walkVar: number[];
  /** 1/var_j of the τ-row mean; 0 for a sensor constant over the fit rows (it carries no information). */
  readonly invVar: number[];
  /** Sensors that count: degrees of freedom of the statistic. */
  readonly dof: number;
}

/**
 * Least-squares line γ(L) ≈ s² + (q/2)·L through the semivariogram γ(L) = ½·mean((x[t+L] − x[t])²) at lags
 * 1…span, both kept ≥ 0: white noise of variance s² gives γ = s², a random walk with step variance q adds q·L/2.
 */
export function fitVariogram(x: ArrayLike<number>, span: number): { noiseVar: number; walkVar: number } {
  const lags: number[] = [];
  const v: number[] = [];
  for (let lag = 1; lag <= span && lag < x.length; lag++) {
    let s = 0;
    for (let t = lag; t < x.length; t++) s += ((x[t] as number) - (x[t - lag] as number)) ** 2;
    lags.push(lag);
    v.push((0.5 * s) / (x.length - lag));
  }
  const n = lags.length;
  if (n === 0) return { noiseVar: 0, walkVar: 0 };
  // q below is the slope of γ, i.e. half the random walk's step variance.
  const mL = lags.reduce((a, b) => a + b, 0) / n;
  const mV = v.reduce((a, b) => a + b, 0) / n;
  let sLL = 0;
  let sLV = 0;
  for (let i = 0; i < n; i++) {
    sLL += ((lags[i] as number) - mL) ** 2;
    sLV += ((lags[i] as number) - mL) * ((v[i] as number) - mV);
  }
  let q = sLL > 0 ? sLV / sLL : 0;
  let s2 = mV - q * mL;
  if (q < 0) {
    q = 0;
    s2 = mV;
  }
  if (s2 < 0) {
    s2 = 0;
    q = lags.reduce((a, L, i) => a + L * (v[i] as number), 0) / lags.reduce((a, L) => a + L * L, 0);
  }
  return { noiseVar: s2, walkVar: 2 * q };
}

export function fitDriftChart(
  columns: readonly string[],
  rows: readonly (readonly number[])[],
  params: DriftChartParams = DRIFT_CHART_DEFAULTS,
): DriftChartFit {
  const n = rows.length;
  const tau = params.tau;
  if (n < 2 * tau) throw new Error(`the drift chart needs at least ${2 * tau} fit rows (2·τ), got ${n}`);
  const m = columns.length;
  const adaptive = params.baselineGap > 0;
  const mean: number[] = [];
  const noiseVar: number[] = [];
  const walkVar: number[] = [];
  const invVar: number[] = [];
  for (let j = 0; j < m; j++) {
    const x = rows.map((r, i) => {
      const v = r[j] as number;
      if (!Number.isFinite(v))
        throw new Error(`fit row ${i}, column '${columns[j]}': missing or non-finite value; clean the fit rows first`);
      return v;
    });
    const mu = x.reduce((a, b) => a + b, 0) / n;
    const spread = x.reduce((a, b) => a + (b - mu) ** 2, 0);
    const { noiseVar: s2, walkVar: q } = fitVariogram(x, tau);
    const variance = adaptive
      ? s2 / tau + s2 / Math.min(n, params.baselineRows) + q * (params.baselineGap + params.baselineRows + tau / 3)
      : s2 / tau + s2 / n + q * (n + tau / 3);
    mean.push(mu);
    noiseVar.push(s2);
    walkVar.push(q);
    invVar.push(spread > 0 && variance > 0 ? 1 / variance : 0);
  }
  return {
    columns: [...columns],
    tau,
    rows: n,
    mean,
    noiseVar,
    walkVar,
    invVar,
    dof: invVar.filter((w) => w > 0).length,
  };
}

/**
 * The adaptive level of a drift chart over rows scored in order: `levelAt(t)` is the level row t is compared
 * with, from rows up to t − baselineGap and their flags (given with `flag` once scored), so a batch of up to
 * baselineGap rows can be scored at once.
 */
export class DriftLevel {
  readonly level: number[];
  private readonly flags: number[] = [];
  private run = 0;
  private updatedTo: number;

  constructor(
    /** The fitted level. */
    fitted: readonly number[],
    private readonly params: Pick<DriftChartParams, 'baselineGap' | 'baselineRows' | 'holdRows'>,
    private readonly rows: readonly (readonly number[])[],
    /** First row scored (rows before it are fit rows). */
    private readonly first: number,
  ) {
    this.level = [...fitted];
    this.updatedTo = first - 1;
  }

  /** Records row t's flag; rows are flagged in order from `first`. */
  flag(t: number, flagged: boolean): void {
    this.flags[t - this.first] = flagged ? 1 : 0;
  }

  /** The level row t is compared with (t ≥ the last row asked for). */
  levelAt(t: number): readonly number[] {
    const { baselineGap, baselineRows, holdRows } = this.params;
    const a = 1 / baselineRows;
    for (let u = this.updatedTo + 1; u <= t - baselineGap; u++) {
      const flagged = this.flags[u - this.first];
      if (flagged === undefined) throw new Error(`drift level: row ${u} has no flag yet; score rows in order`);
      this.run = flagged ? this.run + 1 : 0;
      if (!flagged || this.run > holdRows) {
        const row = this.rows[u] as readonly number[];
        for (let j = 0; j < this.level.length; j++)
          this.level[j] = (this.level[j] as number) + a * ((row[j] as number) - (this.level[j] as number));
      }
      this.updatedTo = u;
    }
    return this.level;
  }
}

/** The chi-square statistic of one τ-row window (rows × sensors, oldest first). */
export function driftStatistic(fit: DriftChartFit, window: readonly (readonly number[])[]): number {
  let stat = 0;
  for (let j = 0; j < fit.columns.length; j++) {
    let s = 0;
    for (const r of window) s += r[j] as number;
    const d = s / window.length - (fit.mean[j] as number);
    stat += d * d * (fit.invVar[j] as number);
  }
  return stat;
}

/** Reference (TypeScript, double precision) score of a statistic; the ONNX graph computes the same in float32. */
export function driftScore(stat: number, dof: number): number {
  const z = chiSquareToZ(stat, Math.max(1, dof));
  return logTailScore(0.5 * Math.exp(logErfc(z / Math.SQRT2)));
}

export const DRIFT_INPUT = 'window';
export const DRIFT_OUTPUTS = ['score', 'statistic'] as const;

/** Standard-op graph: window [batch, τ, m] → mean over τ → weighted squared deviation → chi-square → log tail. */
export function exportDriftChartOnnx(fit: DriftChartFit): Uint8Array {
  const k = Math.max(1, fit.dof);
  const a = 2 / (9 * k);
  const f32 = (name: string, values: number[], dims: number[] = []) => ({
    name,
    type: 'float32' as const,
    dims,
    values,
  });
  const initializers = [
    f32('mean', fit.mean, [fit.columns.length]),
    f32('inv_var', fit.invVar, [fit.columns.length]),
    { name: 'axes_1', type: 'int64' as const, dims: [1], values: [1] },
    f32('inv_k', [1 / k]),
    f32('third', [1 / 3]),
    f32('wh_shift', [1 - a]),
    f32('wh_inv_sd_over_sqrt2', [1 / Math.sqrt(a) / Math.SQRT2]),
    f32('zero', [0]),
    f32('half', [0.5]),
    f32('one', [1]),
    f32('ln2', [Math.LN2]),
    f32('inv_10ln10', [1 / (10 * Math.LN10)]),
    ...erfcConstants(),
  ];
  const nodes: OnnxNode[] = [
    {
      opType: 'ReduceMean',
      inputs: [DRIFT_INPUT],
      outputs: ['level'],
      attributes: { axes: attr.ints([1]), keepdims: attr.int(0) },
    },
    { opType: 'Sub', inputs: ['level', 'mean'], outputs: ['dev'] },
    { opType: 'Mul', inputs: ['dev', 'dev'], outputs: ['dev2'] },
    { opType: 'Mul', inputs: ['dev2', 'inv_var'], outputs: ['weighted'] },
    {
      opType: 'ReduceSum',
      inputs: ['weighted', 'axes_1'],
      outputs: ['statistic'],
      attributes: { keepdims: attr.int(1) },
    },
    // Wilson–Hilferty z, divided by √2 for erfc, floored at 0 (the lower tail never alarms).
    { opType: 'Mul', inputs: ['statistic', 'inv_k'], outputs: ['per_dof'] },
    { opType: 'Pow', inputs: ['per_dof', 'third'], outputs: ['cube_root'] },
    { opType: 'Sub', inputs: ['cube_root', 'wh_shift'], outputs: ['centred'] },
    { opType: 'Mul', inputs: ['centred', 'wh_inv_sd_over_sqrt2'], outputs: ['x_raw'] },
    { opType: 'Max', inputs: ['x_raw', 'zero'], outputs: ['x'] },
    // score = −log10(erfc(x)/2)/10 = (ln 2 − ln erfc(x)) / (10 ln 10).
    ...lnErfcNodes('x', 'ln_erfc'),
    { opType: 'Sub', inputs: ['ln2', 'ln_erfc'], outputs: ['neg_ln_tail'] },
    { opType: 'Mul', inputs: ['neg_ln_tail', 'inv_10ln10'], outputs: ['score_raw'] },
    { opType: 'Clip', inputs: ['score_raw', 'zero', 'one'], outputs: ['score'] },
  ];
  return encodeOnnxModel({
    graphName: 'drift_chart',
    nodes,
    initializers,
    inputs: [{ name: DRIFT_INPUT, type: 'float32', shape: ['batch', fit.tau, fit.columns.length] }],
    outputs: [
      { name: 'score', type: 'float32', shape: ['batch', 1] },
      { name: 'statistic', type: 'float32', shape: ['batch', 1] },
    ],
    opsets: { '': 17 },
  });
}
