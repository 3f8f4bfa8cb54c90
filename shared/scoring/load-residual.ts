/**
 * The load-residual channel of the score function: a machine's temperature, vibration and power each judged
 * against what its own load explains (the load models of the maintenance rules, shared/maintenance/residuals.ts),
 * streaming and causal. Per target metric: the load is exponentially smoothed over time (thermal lag), a linear
 * model target = a + b·load (+ a daily sine and cosine for temperature) is fitted by exponentially weighted least
 * squares on the machine's own past (only values the channel found normal: a fault does not bend it), the residual is standardised by its weighted mean
 * absolute size, and a two-sided CUSUM of it alarms on an offset that builds up (an overheating, a sensor drift)
 * where the univariate detector sees a value its shifts make ordinary.
 */

/** A metric explained by another: its load. */
export interface LoadModel {
  readonly metric: string;
  readonly against: string;
  /** Time constant of the load's smoothing (the target's lag), minutes; 0: as read. */
  readonly smoothMinutes: number;
  /** Also fit a daily cycle (sine and cosine of the UTC hour): the hall is warmer in the afternoon than at night. */
  readonly daily: boolean;
}

export interface LoadResidualParams {
  /** Target values fitted before the channel scores (its learning rows). */
  readonly learnRows: number;
  /** Memory of the fit and of the residual's scale, in values (exponential weights). */
  readonly memoryRows: number;
  /** CUSUM allowance, in residual scales. */
  readonly cusumK: number;
  /** CUSUM level from which every value is an alarm. */
  readonly cusumH: number;
  /** The sums are capped at this many times cusumH: the alarm ends soon after the offset does. */
  readonly cusumCap: number;
  /** Standardised residuals are clipped to ±this: one wild value cannot make a trend. */
  readonly clipZ: number;
  /** Residuals beyond this many scales do not update the fit. */
  readonly fitZ: number;
  /** Alarms in a row after which the fit starts learning afresh: a lasting change of the relation, not a fault. */
  readonly relearnRows: number;
  /** While alarms go on, one is raised as an alert at their start and then once per this much time: enough to keep
   * the incident open (it resolves after 30 minutes without an alert), without one alerts row per value. */
  readonly alertEveryMs: number;
  /** A target value whose newest load value is older than this is not judged. */
  readonly maxLoadAgeMs: number;
}

/** Temperature lags power, vibration follows power, power follows production (as data/maintenance-rules.json). */
export const LOAD_MODELS: readonly LoadModel[] = [
  { metric: 'temperature_c', against: 'power_kw', smoothMinutes: 45, daily: true },
  { metric: 'vibration_mm_s', against: 'power_kw', smoothMinutes: 0, daily: false },
  { metric: 'power_kw', against: 'production_units', smoothMinutes: 10, daily: false },
];

export const LOAD_RESIDUAL_PARAMS: LoadResidualParams = {
  learnRows: 1440,
  memoryRows: 4320,
  cusumK: 3,
  cusumH: 80,
  cusumCap: 1.5,
  clipZ: 8,
  fitZ: 4,
  relearnRows: 1440,
  alertEveryMs: 10 * 60_000,
  maxLoadAgeMs: 5 * 60_000,
};

/** One value as the channel sees it. */
export interface LoadInput {
  readonly tsMs: number;
  readonly metric: string;
  readonly value: number;
  readonly flags: readonly string[];
}

/** A target value judged against its load model. */
export interface LoadJudgement<T extends LoadInput = LoadInput> {
  readonly input: T;
  readonly tsMs: number;
  readonly metric: string;
  readonly against: string;
  readonly value: number;
  /** What the load model expected. */
  readonly expected: number;
  /** The larger of the two CUSUMs, in residual scales. */
  readonly cusum: number;
  readonly alarm: boolean;
  /** The alarms to raise as alerts: the first of a run, then one per alertEveryMs. */
  readonly alert: boolean;
}

/** Flags that make a value no evidence of the machine's state; a stopped machine's zero load still is its load. */
const NOT_EVIDENCE = new Set(['missing', 'out_of_range', 'stuck', 'spike', 'inconsistent']);
/** A stopped machine's fans stop: its temperature follows the load about twice as slowly. */
const STANDSTILL_SLOWDOWN = 2;
const MINUTE = 60_000;
const DAY = 86_400_000;

class SmoothedLoad {
  level: number | undefined;
  lastMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly tauMin: number) {}

  step(tsMs: number, value: number): void {
    if (tsMs <= this.lastMs) return;
    const tau = this.tauMin * (value === 0 ? STANDSTILL_SLOWDOWN : 1);
    const alpha = tau <= 0 || this.level === undefined ? 1 : 1 - Math.exp(-(tsMs - this.lastMs) / (tau * MINUTE));
    this.level = this.level === undefined ? value : this.level + alpha * (value - this.level);
    this.lastMs = tsMs;
  }
}

/** The regressors of a target: a constant, the smoothed load and, with `daily`, the hour of the day (the hall's cycle). */
function regressors(x: number, tsMs: number, daily: boolean): number[] {
  if (!daily) return [1, x];
  const phase = (2 * Math.PI * (tsMs % DAY)) / DAY;
  return [1, x, Math.sin(phase), Math.cos(phase)];
}

/** Solves (A + ridge) β = b by Gaussian elimination with partial pivoting; A is small and symmetric. */
function solve(a: readonly number[][], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row.map((v, j) => (i === j ? v * (1 + 1e-9) + 1e-12 : v)), b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const lead = m[col]![col]!;
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / lead;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const beta = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r]![n]!;
    for (let c = r + 1; c < n; c++) v -= m[r]![c]! * beta[c]!;
    beta[r] = v / m[r]![r]!;
  }
  return beta;
}

type Verdict = Pick<LoadJudgement, 'expected' | 'cusum' | 'alarm' | 'alert'>;

/** Exponentially weighted least squares of one target on its regressors, its residual scale and CUSUM. */
class TargetFit {
  private w = 0;
  private ata: number[][] = [];
  private aty: number[] = [];
  private beta: number[] | undefined;
  private absRes = 0;
  private absW = 0;
  private up = 0;
  private down = 0;
  private alarms = 0;
  private alertedMs = Number.NEGATIVE_INFINITY;
  fitted = 0;
  lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly p: LoadResidualParams,
    private readonly daily: boolean,
  ) {}

  private expected(f: readonly number[]): number {
    this.beta ??= solve(this.ata, this.aty);
    let v = 0;
    for (let i = 0; i < f.length; i++) v += (f[i] as number) * (this.beta[i] as number);
    return v;
  }

  /** Judges y at load x (null while learning), then learns from it when it was normal. */
  judge(x: number, y: number, tsMs: number): Verdict | null {
    const f = regressors(x, tsMs, this.daily);
    const learning = this.fitted < this.p.learnRows;
    let verdict: Verdict | null = null;
    let z = 0;
    if (this.w > 0) {
      const expected = this.expected(f);
      const scale = Math.max(this.absRes / this.absW, 1e-9 * Math.max(1, Math.abs(expected)));
      z = (y - expected) / scale;
      if (!learning) {
        const c = Math.max(-this.p.clipZ, Math.min(this.p.clipZ, z));
        const cap = this.p.cusumCap * this.p.cusumH;
        this.up = Math.min(cap, Math.max(0, this.up + c - this.p.cusumK));
        this.down = Math.min(cap, Math.max(0, this.down - c - this.p.cusumK));
        const cusum = Math.max(this.up, this.down);
        const alarm = cusum >= this.p.cusumH;
        const alert = alarm && (this.alarms === 0 || tsMs - this.alertedMs >= this.p.alertEveryMs);
        if (alert) this.alertedMs = tsMs;
        this.alarms = alarm ? this.alarms + 1 : 0;
        verdict = { expected, cusum, alarm, alert };
        if (this.alarms >= this.p.relearnRows) {
          this.restart();
          return verdict;
        }
      }
    }
    // Learning takes every value; afterwards only values within fitZ scales and outside an alarm build-up.
    const normal = learning || (Math.abs(z) <= this.p.fitZ && (verdict?.cusum ?? 0) < this.p.cusumH / 2);
    if (normal) this.learn(f, y, this.w > 0 ? Math.abs(y - this.expected(f)) : undefined);
    return verdict;
  }

  private restart(): void {
    this.w = this.absRes = this.absW = 0;
    this.ata = [];
    this.aty = [];
    this.beta = undefined;
    this.up = this.down = this.alarms = this.fitted = 0;
  }

  private learn(f: readonly number[], y: number, absResidual: number | undefined): void {
    const keep = 1 - 1 / this.p.memoryRows;
    if (this.ata.length === 0) {
      this.ata = f.map(() => f.map(() => 0));
      this.aty = f.map(() => 0);
    }
    this.w = this.w * keep + 1;
    for (let i = 0; i < f.length; i++) {
      const row = this.ata[i] as number[];
      for (let j = 0; j < f.length; j++) row[j] = (row[j] as number) * keep + (f[i] as number) * (f[j] as number);
      this.aty[i] = (this.aty[i] as number) * keep + (f[i] as number) * y;
    }
    if (absResidual !== undefined) {
      this.absRes = this.absRes * keep + absResidual;
      this.absW = this.absW * keep + 1;
    }
    this.beta = undefined;
    this.fitted++;
  }
}

/** The channel's state for one machine: its smoothed loads and one fit per target metric. */
export class LoadResidualState {
  private readonly loads = new Map<string, SmoothedLoad>();
  private readonly fits = new Map<string, TargetFit>();

  constructor(
    private readonly models: readonly LoadModel[] = LOAD_MODELS,
    private readonly params: LoadResidualParams = LOAD_RESIDUAL_PARAMS,
  ) {
    for (const m of models) {
      this.loads.set(loadKey(m), new SmoothedLoad(m.smoothMinutes));
      this.fits.set(m.metric, new TargetFit(params, m.daily));
    }
  }

  /**
   * Steps the machine's values in time order (loads before targets at one instant) and returns the judgements
   * of target values past the learning rows. Values not newer than what a series has seen are ignored.
   */
  step<T extends LoadInput>(inputs: readonly T[]): LoadJudgement<T>[] {
    const ordered = inputs
      .filter((r) => Number.isFinite(r.value) && !r.flags.some((f) => NOT_EVIDENCE.has(f)))
      .sort((a, b) => a.tsMs - b.tsMs);
    const out: LoadJudgement<T>[] = [];
    let i = 0;
    while (i < ordered.length) {
      const tsMs = (ordered[i] as T).tsMs;
      let j = i;
      while (j < ordered.length && (ordered[j] as T).tsMs === tsMs) j++;
      const instant = ordered.slice(i, j);
      for (const m of this.models) {
        const load = instant.find((r) => r.metric === m.against);
        if (load) this.loads.get(loadKey(m))?.step(tsMs, load.value);
      }
      for (const r of instant) out.push(...this.judge(r));
      i = j;
    }
    return out;
  }

  private judge<T extends LoadInput>(r: T): LoadJudgement<T>[] {
    const model = this.models.find((m) => m.metric === r.metric);
    const fit = this.fits.get(r.metric);
    const load = model && this.loads.get(loadKey(model));
    // A stopped machine's target follows no load model (flagged shutdown); its load still counted above.
    if (!model || !fit || !load || load.level === undefined || r.flags.includes('shutdown')) return [];
    if (r.tsMs <= fit.lastMs || r.tsMs - load.lastMs > this.params.maxLoadAgeMs) return [];
    fit.lastMs = r.tsMs;
    const verdict = fit.judge(load.level, r.value, r.tsMs);
    return verdict
      ? [{ input: r, tsMs: r.tsMs, metric: r.metric, against: model.against, value: r.value, ...verdict }]
      : [];
  }
}

function loadKey(m: LoadModel): string {
  return `${m.against}\u0000${m.smoothMinutes}`;
}
