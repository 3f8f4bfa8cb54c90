import { AnomalyLikelihood, NUMENTA_LIKELIHOOD, tailProbability, type LikelihoodParams } from '../likelihood.js';
import { TransitionMemory } from './memory.js';

/**
 * Streaming univariate detector for one series (a meter, a sensor, a forecast residual): each value is scored
 * from the values before it only.
 *
 * 1. Surprise: transition memories at several resolutions (the value range of the learning period cut into
 *    8, 16 and 32 bins) and orders (1, 2 and 3 previous bins) each say whether the new value's bin is a
 *    continuation seen before; the raw score is their average, in [0, 1].
 * 2. Calibration: Numenta's anomaly likelihood turns the raw score's 10-row average into a tail probability
 *    against its own recent history, so a series that is always surprising stops alarming and a change in
 *    behaviour alarms once (repeats in the red zone are muted to the yellow level). Two likelihoods run side
 *    by side, one against a long history (Numenta's 8,640 rows) and one against a short one (2,000 rows) that
 *    forgets an old regime sooner; the score is the mean of their log-scaled likelihoods.
 * 3. Range: a value beyond the range seen so far by more than 5 % of that range scores 1 (Numenta's
 *    "spatial anomaly"), after the learning period.
 * 4. Quiet period: once a score reaches `quietAfter`, the next `quietRows` rows score 0 unless they break the
 *    range, so one event gives one alarm rather than a burst (what NAB rewards: the earliest detection in a
 *    window, each later one a false alarm once the window is over).
 *
 * The score is in [0, 1] (0.5 ↔ tail 1e-5 on both likelihoods); the features that the ONNX head turns into that
 * score are exposed by `step`.
 */

export interface StreamParams {
  readonly resolutions: readonly number[];
  readonly orders: readonly number[];
  readonly neighbourCredit: number;
  readonly spatialTolerance: number;
  readonly likelihood: LikelihoodParams;
  /** History of the second likelihood, in rows (0: one likelihood only, as in version 1). */
  readonly shortHistoricWindowSize: number;
  /** Score from which the quiet period starts. */
  readonly quietAfter: number;
  /** Rows scored 0 after a score reaches quietAfter (0: no quiet period, as in version 1). */
  readonly quietRows: number;
}

export const STREAM_DEFAULTS: StreamParams = {
  resolutions: [8, 16, 32],
  orders: [1, 2, 3],
  neighbourCredit: 0.5,
  spatialTolerance: 0.05,
  likelihood: NUMENTA_LIKELIHOOD,
  shortHistoricWindowSize: 2000,
  quietAfter: 0.4,
  quietRows: 200,
};

/** Per-row inputs of the scoring head. */
export interface StreamFeatures {
  /** |moving average of raw surprise − its fitted mean| / stdev, long history; 0 while learning. */
  z: number;
  /** 1 when a red-zone likelihood follows another and is muted to the yellow level (long history). */
  muted: number;
  /** z against the short history (equal to z when there is no second likelihood). */
  zShort: number;
  /** muted, short history. */
  mutedShort: number;
  /** 1 when the value leaves the range seen so far by more than the tolerance. */
  spatial: number;
  /** 1 inside the quiet period after a score reached quietAfter. */
  quiet: number;
}

const SILENT: StreamFeatures = { z: 0, muted: 0, zShort: 0, mutedShort: 0, spatial: 0, quiet: 0 };

export const YELLOW_TAIL = 1e-3;

function logTail(z: number, muted: number): number {
  const tail = muted ? YELLOW_TAIL : tailProbability(z, { mean: 0, variance: 1, stdev: 1 });
  return Math.log(tail + 1e-10) / -23.02585084720009;
}

/** The head's arithmetic in double precision (the ONNX head reproduces it). */
export function streamScore(f: StreamFeatures): number {
  if (f.quiet) return 0;
  return Math.max((logTail(f.z, f.muted) + logTail(f.zShort, f.mutedShort)) / 2, f.spatial);
}

export class StreamingDetector {
  private readonly learningRows: number;
  private readonly pending: number[] = [];
  private memories: { memory: TransitionMemory; resolution: number }[] = [];
  private origin = 0;
  private width = 1;
  private readonly likelihood: LikelihoodParams;
  private readonly lik: AnomalyLikelihood;
  private readonly likShort: AnomalyLikelihood | null;
  /** Last row of the current quiet period (rows counted from 0 over the values stepped). */
  private quietUntil = -1;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private seen = 0;

  constructor(private readonly params: StreamParams = STREAM_DEFAULTS) {
    this.likelihood = params.likelihood;
    this.learningRows = params.likelihood.learningPeriod + params.likelihood.estimationSamples;
    this.lik = new AnomalyLikelihood(params.likelihood);
    this.likShort =
      params.shortHistoricWindowSize > 0
        ? new AnomalyLikelihood({ ...params.likelihood, historicWindowSize: params.shortHistoricWindowSize })
        : null;
  }

  /** Rows before the detector can alarm. */
  get warmupRows(): number {
    return this.learningRows;
  }

  /** Features of the next value (NaN: a missing value, skipped without touching the state). */
  step(value: number): StreamFeatures {
    if (!Number.isFinite(value)) return SILENT;
    const learning = this.seen < this.learningRows;
    let spatial = 0;
    if (!learning && this.min !== this.max) {
      const tol = (this.max - this.min) * this.params.spatialTolerance;
      if (value > this.max + tol || value < this.min - tol) spatial = 1;
    }
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
    this.seen++;
    if (learning) {
      this.pending.push(value);
      // The quantisation is fixed from the learning rows once they are all in; they are then replayed so the
      // memories and the likelihood see them in order. Scores of learning rows never depend on this.
      if (this.pending.length === this.learningRows) this.startMemories();
      return SILENT;
    }
    const raw = this.raw(value);
    const long = zOf(this.lik, value, raw);
    const short = this.likShort ? zOf(this.likShort, value, raw) : long;
    const f: StreamFeatures = {
      z: long.z,
      muted: long.muted,
      zShort: short.z,
      mutedShort: short.muted,
      spatial,
      quiet: 0,
    };
    // The quiet period counts scored rows (missing values, skipped above, do not move it). A value beyond the
    // range seen so far still alarms in it: a quiet period must not hide a break of that size.
    const row = this.seen - this.learningRows;
    if (row <= this.quietUntil && !spatial) return { ...f, quiet: 1 };
    if (this.params.quietRows > 0 && streamScore(f) >= this.params.quietAfter)
      this.quietUntil = row + this.params.quietRows;
    return f;
  }

  private startMemories(): void {
    const lo = Math.min(...this.pending);
    const hi = Math.max(...this.pending);
    this.origin = lo;
    this.memories = this.params.resolutions.flatMap((resolution) =>
      this.params.orders.map((order) => ({
        memory: new TransitionMemory(order, this.params.neighbourCredit),
        resolution,
      })),
    );
    // A flat learning period has no range: fall back to 1 % of its level (or 1).
    this.width = hi > lo ? hi - lo : Math.abs(lo) * 0.01 || 1;
    for (const v of this.pending) {
      const raw = this.raw(v);
      this.lik.update(v, raw);
      this.likShort?.update(v, raw);
    }
    this.pending.length = 0;
  }

  private raw(value: number): number {
    let sum = 0;
    for (const { memory, resolution } of this.memories) {
      sum += memory.step(Math.floor(((value - this.origin) / this.width) * resolution));
    }
    return sum / this.memories.length;
  }
}

function zOf(lik: AnomalyLikelihood, value: number, raw: number): { z: number; muted: number } {
  const { likelihood, averaged, distribution, muted } = lik.updateDetailed(value, raw);
  if (likelihood === 0.5 && distribution === null) return { z: 0, muted: 0 };
  const d = distribution as { mean: number; stdev: number };
  return { z: Math.abs((averaged as number) - d.mean) / d.stdev, muted: muted ? 1 : 0 };
}

/** Scores a whole series (features and reference scores), row by row. */
export function scoreSeries(
  values: ArrayLike<number>,
  params: StreamParams = STREAM_DEFAULTS,
): { features: StreamFeatures[]; scores: Float64Array } {
  const d = new StreamingDetector(params);
  const features: StreamFeatures[] = [];
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const f = d.step(values[i] as number);
    features.push(f);
    scores[i] = Number.isFinite(values[i]) ? streamScore(f) : 0;
  }
  return { features, scores };
}
