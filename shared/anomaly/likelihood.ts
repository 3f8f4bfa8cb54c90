/**
 * Anomaly likelihood, after Numenta's (nupic `anomaly_likelihood.py`, as NAB's HTM detector uses it):
 * the short moving average of a raw anomaly score is compared with a normal distribution fitted to its
 * recent history, and the tail probability becomes the alarm score. A raw score that is high all the
 * time stops alarming; a change in how surprising the series is alarms once. Parameters are Numenta's.
 */

import { logErfc } from './tail.js';

export interface LikelihoodParams {
  /** Records before the raw scores are trusted (skipped when the distribution is fitted). */
  readonly learningPeriod: number;
  /** Records after the learning period before the first estimate. */
  readonly estimationSamples: number;
  /** Records of raw-score history the distribution is fitted on. */
  readonly historicWindowSize: number;
  /** Re-fit the distribution every this many records. */
  readonly reestimationPeriod: number;
  /** Moving average length applied to raw scores. */
  readonly averagingWindow: number;
}

export const NUMENTA_LIKELIHOOD: LikelihoodParams = {
  learningPeriod: 288,
  estimationSamples: 100,
  historicWindowSize: 8640,
  reestimationPeriod: 100,
  averagingWindow: 10,
};

export interface LikelihoodStep {
  likelihood: number;
  /** Moving average of the raw score, null while learning. */
  averaged: number | null;
  distribution: Readonly<Normal> | null;
  muted: boolean;
}

export interface Normal {
  mean: number;
  variance: number;
  stdev: number;
}

const NULL_DISTRIBUTION: Normal = { mean: 0.5, variance: 1e6, stdev: 1e3 };

/** Q-function tail of a normal, folded around the mean (a score far below the mean is as unlikely as one far above). */
export function tailProbability(x: number, d: Normal): number {
  const xp = x < d.mean ? 2 * d.mean - x : x;
  const z = (xp - d.mean) / d.stdev;
  return 0.5 * erfc(z / 1.4142);
}

/** Complementary error function (Numerical Recipes' erfcc, |relative error| < 1.2e-7). */
export function erfc(x: number): number {
  const r = Math.exp(logErfc(Math.abs(x)));
  return x >= 0 ? r : 2 - r;
}

/** log-scaled likelihood in [0, 1]: 0.5 ≈ tail probability 1e-5, 1 ≈ 1e-10. */
export function logLikelihood(likelihood: number): number {
  return Math.log(1.0000000001 - likelihood) / -23.02585084720009;
}

const RED = 1 - 0.99999;
const YELLOW = 1 - 0.999;

/** Ring buffer of the last `size` numbers. */
class Ring {
  private readonly buf: Float64Array;
  private start = 0;
  length = 0;
  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }
  push(v: number): void {
    if (this.length < this.size) {
      this.buf[(this.start + this.length) % this.size] = v;
      this.length++;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.size;
    }
  }
  at(i: number): number {
    return this.buf[(this.start + i) % this.size] as number;
  }
}

export class AnomalyLikelihood {
  private iteration = 0;
  private readonly rawHistory: Ring;
  private readonly valueHistory: Ring;
  private distribution: Normal | null = null;
  /** Last `averagingWindow` raw scores and their sum, for the running moving average. */
  private recentRaw: number[] = [];
  private recentTotal = 0;
  private previousLikelihood = 1;
  private readonly probationaryPeriod: number;

  constructor(private readonly params: LikelihoodParams = NUMENTA_LIKELIHOOD) {
    this.rawHistory = new Ring(params.historicWindowSize);
    this.valueHistory = new Ring(params.historicWindowSize);
    this.probationaryPeriod = params.learningPeriod + params.estimationSamples;
  }

  /** Probability-like score in [0, 1] that the raw score's recent level is unusual; 0.5 while learning. */
  update(value: number, rawScore: number): number {
    return this.updateDetailed(value, rawScore).likelihood;
  }

  /** The likelihood with what it was computed from: the averaged raw score, the fitted normal, and whether it was muted. */
  updateDetailed(value: number, rawScore: number): LikelihoodStep {
    let step: LikelihoodStep = { likelihood: 0.5, averaged: null, distribution: null, muted: false };
    if (this.iteration >= this.probationaryPeriod) {
      if (this.distribution === null || this.iteration % this.params.reestimationPeriod === 0) this.reestimate();
      const averaged = this.movingAverage(rawScore);
      const distribution = this.distribution as Normal;
      const tail = tailProbability(averaged, distribution);
      // Only the first record of a run in the red zone stays red; the rest are muted to yellow.
      const muted = tail <= RED && this.previousLikelihood <= RED;
      this.previousLikelihood = tail;
      step = { likelihood: 1 - (muted ? YELLOW : tail), averaged, distribution, muted };
    }
    this.rawHistory.push(rawScore);
    this.valueHistory.push(value);
    this.iteration++;
    return step;
  }

  private movingAverage(raw: number): number {
    this.recentRaw.push(raw);
    this.recentTotal += raw;
    if (this.recentRaw.length > this.params.averagingWindow) this.recentTotal -= this.recentRaw.shift() as number;
    return this.recentTotal / this.recentRaw.length;
  }

  /** Fit the normal to the moving averages of the raw-score history, skipping the learning period. */
  private reestimate(): void {
    const n = this.rawHistory.length;
    const shiftedOut = Math.max(0, this.iteration - this.params.historicWindowSize);
    const skip = Math.min(this.iteration, Math.max(0, this.params.learningPeriod - shiftedOut));
    const w = this.params.averagingWindow;
    const window: number[] = [];
    let total = 0;
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    let vSum = 0;
    let vSumSq = 0;
    let lastAvg = Number.NaN;
    for (let i = 0; i < n; i++) {
      const r = this.rawHistory.at(i);
      window.push(r);
      total += r;
      if (window.length > w) total -= window.shift() as number;
      if (i < skip) continue;
      const avg = total / window.length;
      sum += avg;
      sumSq += avg * avg;
      const v = this.valueHistory.at(i);
      vSum += v;
      vSumSq += v * v;
      count++;
      lastAvg = avg;
    }
    if (count === 0) {
      this.distribution = { ...NULL_DISTRIBUTION };
    } else {
      const mean = sum / count;
      const variance = Math.max(0, sumSq / count - mean * mean);
      const vMean = vSum / count;
      const vVar = Math.max(0, vSumSq / count - vMean * vMean);
      if (vVar < 1.5e-5) {
        // A (nearly) constant metric: nothing the raw score says about it is meaningful.
        this.distribution = { ...NULL_DISTRIBUTION };
      } else {
        const m = Math.max(mean, 0.03);
        const v = Math.max(variance, 0.0003);
        this.distribution = { mean: m, variance: v, stdev: Math.sqrt(v) };
      }
    }
    // Numenta rebuilds the moving-average state and the previous likelihood from the history at each re-estimate.
    if (!Number.isNaN(lastAvg)) this.previousLikelihood = tailProbability(lastAvg, this.distribution);
    this.recentRaw = window.slice();
    this.recentTotal = this.recentRaw.reduce((a, b) => a + b, 0);
  }
}
