/**
 * SKAB "Proposed Leaderboard" protocol, from the SKAB README shipped with the data: per-file split
 * (first 400 rows train, the rest test), one pooled confusion matrix for outlier flags, and a NAB-style
 * changepoint score with right-hand 60 s windows measured on the file's clock.
 */

export const SKAB_TRAIN_ROWS = 400;
export const SKAB_WINDOW_MS = 60_000;

/** The test part of one file: labels, detector output and row times (ms). */
export interface SkabFileResult {
  readonly name: string;
  readonly timesMs: ArrayLike<number>;
  readonly anomaly: ArrayLike<number>;
  readonly changepoint: ArrayLike<number>;
  readonly flags: ArrayLike<number>;
  readonly alarms: ArrayLike<number>;
}

export interface SkabOutlierMetrics {
  readonly f1: number;
  /** % */
  readonly far: number;
  /** % */
  readonly mar: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

export function outlierMetrics(files: readonly SkabFileResult[]): SkabOutlierMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (const f of files) {
    for (let i = 0; i < f.anomaly.length; i++) {
      const label = (f.anomaly[i] as number) >= 0.5;
      const flag = (f.flags[i] as number) >= 0.5;
      if (label && flag) tp++;
      else if (label) fn++;
      else if (flag) fp++;
      else tn++;
    }
  }
  return {
    f1: tp / (tp + (fp + fn) / 2),
    far: fp + tn > 0 ? (100 * fp) / (fp + tn) : 0,
    mar: fn + tp > 0 ? (100 * fn) / (fn + tp) : 0,
    tp,
    tn,
    fp,
    fn,
  };
}

export interface SkabCostProfile {
  readonly name: string;
  readonly aTp: number;
  readonly aFp: number;
  readonly aFn: number;
}

export const SKAB_NAB_PROFILES: readonly SkabCostProfile[] = [
  { name: 'standard', aTp: 1.0, aFp: -0.11, aFn: -1.0 },
  { name: 'lowFP', aTp: 1.0, aFp: -0.22, aFn: -1.0 },
  { name: 'lowFN', aTp: 1.0, aFp: -0.11, aFn: -2.0 },
];

export interface SkabChangepointMetrics {
  /** Profile name → NAB score (null 0, perfect 100). */
  readonly nab: Record<string, number>;
  readonly windows: number;
  readonly missed: number;
  readonly falsePositives: number;
  /** Mean of (first alarm − window start) over detected windows, seconds. */
  readonly meanDelaySeconds: number;
}

interface FileMatch {
  /** Per window: relative position r of the earliest alarm, or null when missed. */
  readonly detected: (number | null)[];
  readonly delaysMs: number[];
  readonly falsePositives: number;
}

/** Windows [c, c + 60 s] at each labelled changepoint, the next one's start pushed to the earlier one's end when they meet. */
export function changepointWindows(
  timesMs: ArrayLike<number>,
  changepoint: ArrayLike<number>,
  widthMs = SKAB_WINDOW_MS,
): [number, number][] {
  const windows: [number, number][] = [];
  for (let i = 0; i < changepoint.length; i++) {
    if ((changepoint[i] as number) >= 0.5) windows.push([timesMs[i] as number, (timesMs[i] as number) + widthMs]);
  }
  windows.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < windows.length; k++) {
    const prev = windows[k - 1] as [number, number];
    const cur = windows[k] as [number, number];
    if (prev[1] >= cur[0]) cur[0] = prev[1];
  }
  return windows;
}

function matchFile(f: SkabFileResult): FileMatch {
  const windows = changepointWindows(f.timesMs, f.changepoint);
  const alarms: number[] = [];
  for (let i = 0; i < f.alarms.length; i++) if ((f.alarms[i] as number) >= 0.5) alarms.push(f.timesMs[i] as number);
  const detected: (number | null)[] = [];
  const delaysMs: number[] = [];
  for (const [s, e] of windows) {
    const inside = alarms.filter((t) => t >= s && t <= e);
    if (inside.length === 0) {
      detected.push(null);
      continue;
    }
    const t = Math.min(...inside);
    detected.push(e > s ? (t - s) / (e - s) : 0);
    delaysMs.push(t - s);
  }
  const falsePositives = alarms.filter((t) => !windows.some(([s, e]) => t >= s && t <= e)).length;
  return { detected, delaysMs, falsePositives };
}

/** Reward of a detection at relative position r in its window (tanh-shaped, A_tp at r = 0, A_fp at r = 1). */
export function detectionScore(r: number, profile: SkabCostProfile): number {
  const i = Math.min(Math.floor(1000 * r), 999);
  const x = -Math.PI / 2 + (i * Math.PI) / 999;
  return profile.aFp + ((profile.aTp - profile.aFp) / 2) * (1 - Math.tanh(x) / Math.tanh(Math.PI / 2));
}

export function changepointMetrics(
  files: readonly SkabFileResult[],
  profiles: readonly SkabCostProfile[] = SKAB_NAB_PROFILES,
): SkabChangepointMetrics {
  const matches = files.map(matchFile);
  const detections = matches.flatMap((m) => m.detected);
  const windows = detections.length;
  const missed = detections.filter((d) => d === null).length;
  const falsePositives = matches.reduce((s, m) => s + m.falsePositives, 0);
  const delays = matches.flatMap((m) => m.delaysMs);
  const nab: Record<string, number> = {};
  for (const p of profiles) {
    let s = p.aFp * falsePositives + p.aFn * missed;
    for (const d of detections) if (d !== null) s += detectionScore(d, p);
    const sNull = p.aFn * windows;
    const sPerfect = p.aTp * windows;
    nab[p.name] = (100 * (s - sNull)) / (sPerfect - sNull);
  }
  const meanDelaySeconds = delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length / 1000 : 0;
  return { nab, windows, missed, falsePositives, meanDelaySeconds };
}

/** Changepoint alarms on every switch of the outlier flag; the first row's alarm is its own flag. */
export function edgeAlarms(flags: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(flags.length);
  for (let i = 0; i < flags.length; i++) {
    const f = (flags[i] as number) >= 0.5 ? 1 : 0;
    const prev = i === 0 ? 0 : (flags[i - 1] as number) >= 0.5 ? 1 : 0;
    out[i] = i === 0 ? f : f !== prev ? 1 : 0;
  }
  return out;
}

/**
 * The leaderboard's Isolation Forest rule: edges of the outlier flag's maximum over the trailing 30 rows
 * (0 for the first 29 rows); the first row's alarm is its own flag.
 */
export function trailingMaxAlarms(flags: ArrayLike<number>, window = 30): Uint8Array {
  const held = new Float64Array(flags.length);
  for (let i = window - 1; i < flags.length; i++) {
    let m = 0;
    for (let k = i - window + 1; k <= i; k++) m = Math.max(m, (flags[k] as number) >= 0.5 ? 1 : 0);
    held[i] = m;
  }
  const out = edgeAlarms(held);
  if (flags.length) out[0] = (flags[0] as number) >= 0.5 ? 1 : 0;
  return out;
}
