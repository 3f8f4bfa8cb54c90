/**
 * NAB v1.1 scorer, written from the rules in the NAB README shipped with the data
 * (probationary period, scaled sigmoid, earliest detection per window, one threshold per profile
 * for the whole corpus found by an exhaustive sweep, normalisation against null and perfect).
 */

export interface NabProfile {
  readonly name: string;
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
  { name: 'reward_low_FP_rate', tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
  { name: 'reward_low_FN_rate', tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
];

/** One labelled file: its detector scores by row position and its windows as inclusive row ranges. */
export interface NabFile {
  readonly name: string;
  readonly scores: ArrayLike<number>;
  readonly windows: readonly (readonly [number, number])[];
}

export interface NabCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface NabProfileResult {
  readonly profile: string;
  /** Normalised NAB score: null detector 0, perfect 100. */
  readonly score: number;
  /** Lowest anomaly score among flagged rows; 1.1 when nothing is flagged. */
  readonly threshold: number;
  readonly rawScore: number;
  readonly nullScore: number;
  readonly perfectScore: number;
  readonly counts: NabCounts;
  readonly perFileRaw: Record<string, number>;
}

export function probationaryRows(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

/** NAB's scaled sigmoid: about +1 far left, 0 at y = 0, -1 beyond y = 3. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Per-row layout of one file: window index per row (-1 outside) and the row's value v_i. */
interface FileLayout {
  readonly probation: number;
  readonly windowOf: Int32Array;
  readonly value: Float64Array;
  /** Windows with at least one scorable row. */
  readonly scorable: boolean[];
}

function layout(file: NabFile, profile: NabProfile): FileLayout {
  const n = file.scores.length;
  const probation = probationaryRows(n);
  const windowOf = new Int32Array(n).fill(-1);
  const value = new Float64Array(n);
  const windows = [...file.windows].sort((a, b) => a[0] - b[0]);
  const sigmoidAtLeft = scaledSigmoid(-1);
  windows.forEach(([l, r], k) => {
    if (l > r || l < 0 || r >= n)
      throw new Error(`${file.name}: window ${k} [${l}, ${r}] is outside the file's ${n} rows`);
    if (k > 0 && l <= (windows[k - 1] as readonly [number, number])[1])
      throw new Error(`${file.name}: windows ${k - 1} and ${k} overlap`);
    const width = r - l + 1;
    for (let i = l; i <= r; i++) {
      windowOf[i] = k;
      value[i] = (profile.tpWeight * scaledSigmoid(-(r - i + 1) / width)) / sigmoidAtLeft;
    }
  });
  let latest = -1;
  for (let i = 0; i < n; i++) {
    const k = windowOf[i] as number;
    if (k >= 0) {
      latest = k;
      continue;
    }
    if (latest < 0) {
      value[i] = -profile.fpWeight;
    } else {
      const [l, r] = windows[latest] as readonly [number, number];
      const width = r - l + 1;
      // A one-row window has no distance scale; treat a false alarm after it as a full one.
      value[i] = width > 1 ? profile.fpWeight * scaledSigmoid((i - r) / (width - 1)) : -profile.fpWeight;
    }
  }
  const scorable = windows.map(([, r]) => r >= probation);
  return { probation, windowOf, value, scorable };
}

/** Raw score and counts of one file at threshold θ (flag when s ≥ θ). */
function rawAtThreshold(
  file: NabFile,
  lay: FileLayout,
  profile: NabProfile,
  threshold: number,
): { raw: number; counts: NabCounts } {
  const best = lay.scorable.map(() => Number.NEGATIVE_INFINITY);
  const counts: NabCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  let falseAlarms = 0;
  for (let i = lay.probation; i < file.scores.length; i++) {
    const flagged = (file.scores[i] as number) >= threshold;
    const k = lay.windowOf[i] as number;
    if (k >= 0) {
      if (flagged) {
        counts.tp++;
        best[k] = Math.max(best[k] as number, lay.value[i] as number);
      } else counts.fn++;
    } else if (flagged) {
      counts.fp++;
      falseAlarms += lay.value[i] as number;
    } else counts.tn++;
  }
  let raw = falseAlarms;
  best.forEach((b, k) => {
    if (!lay.scorable[k]) return;
    raw += b === Number.NEGATIVE_INFINITY ? -profile.fnWeight : b;
  });
  return { raw, counts };
}

function addCounts(a: NabCounts, b: NabCounts): void {
  a.tp += b.tp;
  a.fp += b.fp;
  a.fn += b.fn;
  a.tn += b.tn;
}

/** Scores a corpus at a fixed threshold (NAB's `fixed_threshold` check) for one profile. */
export function scoreAtThreshold(files: readonly NabFile[], profile: NabProfile, threshold: number): NabProfileResult {
  const layouts = files.map((f) => layout(f, profile));
  return finish(files, layouts, profile, threshold);
}

/** Scores a corpus for one profile with NAB's threshold optimisation (one θ for all files). */
export function scoreOptimized(files: readonly NabFile[], profile: NabProfile): NabProfileResult {
  const layouts = files.map((f) => layout(f, profile));
  const threshold = optimalThreshold(files, layouts, profile);
  return finish(files, layouts, profile, threshold);
}

export function scoreCorpus(
  files: readonly NabFile[],
  profiles: readonly NabProfile[] = NAB_PROFILES,
): NabProfileResult[] {
  return profiles.map((p) => scoreOptimized(files, p));
}

/** NAB's way of writing "flag nothing". */
export const FLAG_NOTHING = 1.1;

function finish(
  files: readonly NabFile[],
  layouts: FileLayout[],
  profile: NabProfile,
  threshold: number,
): NabProfileResult {
  const counts: NabCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const perFileRaw: Record<string, number> = {};
  let raw = 0;
  files.forEach((f, j) => {
    const r = rawAtThreshold(f, layouts[j] as FileLayout, profile, threshold);
    perFileRaw[f.name] = r.raw;
    raw += r.raw;
    addCounts(counts, r.counts);
  });
  const windows = files.reduce((s, f) => s + f.windows.length, 0);
  const perfectScore = profile.tpWeight * windows;
  const nullScore = nullRaw(files, layouts, profile);
  const score = (100 * (raw - nullScore)) / (perfectScore - nullScore);
  return { profile: profile.name, score, threshold, rawScore: raw, nullScore, perfectScore, counts, perFileRaw };
}

/** Better of "flag nothing" and "flag every scorable row": what a constant detector gets after optimisation. */
function nullRaw(files: readonly NabFile[], layouts: FileLayout[], profile: NabProfile): number {
  let nothing = 0;
  let everything = 0;
  files.forEach((f, j) => {
    const lay = layouts[j] as FileLayout;
    const best = lay.scorable.map(() => Number.NEGATIVE_INFINITY);
    for (let i = lay.probation; i < f.scores.length; i++) {
      const k = lay.windowOf[i] as number;
      if (k >= 0) best[k] = Math.max(best[k] as number, lay.value[i] as number);
      else everything += lay.value[i] as number;
    }
    best.forEach((b, k) => {
      if (!lay.scorable[k]) return;
      nothing -= profile.fnWeight;
      everything += b;
    });
  });
  return Math.max(nothing, everything);
}

/**
 * Exhaustive sweep over every distinct score among scorable rows, highest first; ties between
 * candidates go to the higher threshold (fewer flagged rows).
 */
function optimalThreshold(files: readonly NabFile[], layouts: FileLayout[], profile: NabProfile): number {
  let total = 0;
  const count = files.reduce((s, f, j) => s + Math.max(0, f.scores.length - (layouts[j] as FileLayout).probation), 0);
  const score = new Float64Array(count);
  const value = new Float64Array(count);
  const windowId = new Int32Array(count);
  const windowBest: number[] = [];
  let at = 0;
  files.forEach((f, j) => {
    const lay = layouts[j] as FileLayout;
    const base = windowBest.length;
    lay.scorable.forEach((ok) => {
      windowBest.push(-profile.fnWeight);
      if (ok) total -= profile.fnWeight;
    });
    for (let i = lay.probation; i < f.scores.length; i++, at++) {
      const k = lay.windowOf[i] as number;
      score[at] = f.scores[i] as number;
      value[at] = lay.value[i] as number;
      windowId[at] = k >= 0 ? base + k : -1;
    }
  });
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (score[b] as number) - (score[a] as number));
  let bestTotal = total;
  let bestThreshold = FLAG_NOTHING;
  for (let o = 0; o < count;) {
    const s = score[order[o] as number] as number;
    for (; o < count && score[order[o] as number] === s; o++) {
      const r = order[o] as number;
      const w = windowId[r] as number;
      const v = value[r] as number;
      if (w < 0) total += v;
      else if (v > (windowBest[w] as number)) {
        total += v - (windowBest[w] as number);
        windowBest[w] = v;
      }
    }
    if (total > bestTotal) {
      bestTotal = total;
      bestThreshold = s;
    }
  }
  return bestThreshold;
}
