/** A regular series: value i is the reading stamped anchorMs + i * stepSeconds (NaN where none was given). */
export interface RegularSeries {
  readonly anchorMs: number;
  readonly stepSeconds: number;
  readonly values: Float64Array;
}

const FREQ = /^(\d+)\s*(s|sec|min|m|h|d)$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, min: 60, m: 60, h: 3600, d: 86400 };

export function parseFreq(text: string): number {
  const m = FREQ.exec(text.trim());
  if (!m) throw new Error(`--freq '${text}': expected a number and a unit, e.g. 15min, 1h, 30s, 1d`);
  const seconds = Number(m[1]) * (UNIT_SECONDS[(m[2] as string).toLowerCase()] as number);
  if (!(seconds > 0)) throw new Error(`--freq '${text}' must be positive`);
  return seconds;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Puts readings on the grid of the model's step, anchored at the first timestamp. A timestamp off the grid or
 * given twice is an error naming it.
 */
export function regularSeries(
  path: string,
  ts: Float64Array,
  values: Float64Array,
  stepSeconds: number,
): RegularSeries {
  if (ts.length === 0) throw new Error(`${path}: no rows`);
  const order = Array.from(ts.keys()).sort((a, b) => (ts[a] as number) - (ts[b] as number));
  const anchorMs = ts[order[0] as number] as number;
  const stepMs = stepSeconds * 1000;
  const last = ts[order[order.length - 1] as number] as number;
  const n = Math.floor((last - anchorMs) / stepMs) + 1;
  const out = new Float64Array(n).fill(Number.NaN);
  const seen = new Uint8Array(n);
  for (const r of order) {
    const off = (ts[r] as number) - anchorMs;
    if (off % stepMs !== 0) {
      throw new Error(
        `${path}: timestamp ${iso(ts[r] as number)} is not on the ${stepSeconds} s grid that starts at ${iso(anchorMs)}; resample the file or use a model of that frequency`,
      );
    }
    const i = off / stepMs;
    if (seen[i]) throw new Error(`${path}: timestamp ${iso(ts[r] as number)} appears more than once`);
    seen[i] = 1;
    out[i] = values[r] as number;
  }
  return { anchorMs, stepSeconds, values: out };
}
