import { describe, expect, it } from 'vitest';
import { forecasterOf, forecastIndices } from '../../shared/forecast/forecast.js';
import { forecastAt, historyStepsNeeded } from '../../shared/forecast/serve.js';
import { loadModel } from '../../shared/models/runtime.js';
import { FORECAST_MODEL, steelRows } from './support.js';

describe('forecastAt (serving one origin from warehouse readings)', () => {
  it('equals the batch path on the whole history, given historyStepsNeeded steps in any order', async () => {
    const model = await loadModel(FORECAST_MODEL);
    const rows = steelRows();
    const origin = Date.parse('2018-11-20T15:00:00Z');
    const anchor = rows[0]!.tsMs;
    const series = { anchorMs: anchor, stepSeconds: 900, values: Float64Array.from(rows, (r) => r.metrics.usage_kwh) };
    const batch = await forecastIndices(forecasterOf(model), series, [(origin - anchor) / 900_000]);
    const n = historyStepsNeeded(model);
    expect(n).toBe(4 * 672 + 96);
    const recent = rows
      .filter((r) => r.tsMs >= origin - n * 900_000 && r.tsMs < origin + 86_400_000)
      .map((r) => ({ tsMs: r.tsMs, value: r.metrics.usage_kwh }))
      .reverse();
    const points = await forecastAt(model, recent, origin);
    expect(points).toHaveLength(96);
    expect(points[0]!.targetMs).toBe(origin + 900_000);
    expect(points.flatMap((p) => [p.p10, p.p50, p.p90])).toEqual(Array.from(batch));
  });
});
