/** Point and interval metrics of forecasts or estimates against actual values (NaN actuals are skipped). */
export interface Metrics {
  n: number;
  mae: number;
  rmse: number;
  /** MAE / scale (the in-sample MAE of the weekly seasonal naive forecast on the training part). */
  mase: number;
  /** RMSE / mean(actual), %. */
  cvRmsePct: number;
  /** Share of actual values within [p10, p90]; null for point forecasts. */
  coverage80: number | null;
}

export function metricsOf(
  actual: ArrayLike<number>,
  p50: ArrayLike<number>,
  options: { scale?: number; p10?: ArrayLike<number>; p90?: ArrayLike<number> } = {},
): Metrics {
  let n = 0;
  let abs = 0;
  let sq = 0;
  let sum = 0;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const p = p50[i] as number;
    if (Number.isNaN(y) || Number.isNaN(p)) continue;
    n++;
    abs += Math.abs(p - y);
    sq += (p - y) ** 2;
    sum += y;
    if (options.p10 && options.p90 && y >= (options.p10[i] as number) && y <= (options.p90[i] as number)) inside++;
  }
  const mae = abs / n;
  const rmse = Math.sqrt(sq / n);
  return {
    n,
    mae,
    rmse,
    mase: options.scale ? mae / options.scale : Number.NaN,
    cvRmsePct: (100 * rmse) / (sum / n),
    coverage80: options.p10 && options.p90 ? inside / n : null,
  };
}

/** In-sample MAE of the seasonal naive forecast with this lag (the MASE scale; lag 672 = one week of 15 min). */
export function seasonalNaiveScale(values: ArrayLike<number>, lag: number): number {
  let s = 0;
  let n = 0;
  for (let i = lag; i < values.length; i++) {
    const d = Math.abs((values[i] as number) - (values[i - lag] as number));
    if (Number.isNaN(d)) continue;
    s += d;
    n++;
  }
  return s / n;
}
