import { describe, expect, it } from 'vitest';
import { feasibleSet, physicsEstimate, type MeterRow } from '../../shared/estimate/features.js';
import type { EstimateParams } from '../../shared/estimate/params.js';
import { steelRows } from '../forecast/support.js';

const P: EstimateParams = {
  target: 'usage_kwh',
  timestamp: 'ts',
  columns: { lagging_kvarh: 'a', lagging_pf: 'b', leading_kvarh: 'c', leading_pf: 'd', co2: 'e' },
  resolution: 0.01,
  pfTol: 0.005,
  qTol: 0,
  co2Tol: 0.005,
  emissionFactor: 0.00045848,
  cap: 400,
  stepSeconds: 900,
  timezone: 'Asia/Seoul',
  intervalLabel: 'end',
  contextCenters: { lagging_kvarh: 0, leading_kvarh: 0, co2: 0 },
};

const row = (
  laggingKvarh: number,
  laggingPf: number,
  leadingKvarh: number,
  leadingPf: number,
  co2 = Number.NaN,
): MeterRow => ({ laggingKvarh, laggingPf, leadingKvarh, leadingPf, co2 });

describe('feasible set of the energy from rounded meter readings', () => {
  it('holds the reported energy for every row of the steel year', () => {
    let pinned = 0;
    const outside: string[] = [];
    for (const r of steelRows()) {
      const m = r.metrics;
      const fs = feasibleSet(
        row(m.lagging_reactive_kvarh, m.lagging_pf, m.leading_reactive_kvarh, m.leading_pf, m.co2_t),
        P,
      );
      if (!(m.usage_kwh >= fs.lo - 1e-9 && m.usage_kwh <= fs.hi + 1e-9))
        outside.push(`${r.local}: ${m.usage_kwh} not in [${fs.lo}, ${fs.hi}]`);
      if (fs.hi - fs.lo < 1e-9) pinned++;
    }
    expect(outside).toEqual([]);
    // Most intervals are pinned to one value of the 0.01 kWh grid.
    expect(pinned / steelRows().length).toBeGreaterThan(0.6);
  });

  it('narrows one side with the other and with CO2', () => {
    const lagOnly = feasibleSet(row(0.65, 99.99, Number.NaN, Number.NaN), P);
    const both = feasibleSet(row(0.65, 99.99, 0.9, 99.98), P);
    const withCo2 = feasibleSet(row(0.65, 99.99, 0.9, 99.98, 0.02), P);
    expect(both.hi - both.lo).toBeLessThan(lagOnly.hi - lagOnly.lo);
    expect(withCo2.hi - withCo2.lo).toBeLessThanOrEqual(both.hi - both.lo);
    expect(withCo2.lo).toBeLessThanOrEqual(42.3);
    expect(withCo2.hi).toBeGreaterThanOrEqual(42.3);
  });

  it('falls back to the physics formula when the sides contradict, and says so', () => {
    const r = row(30, 50, 40, 10);
    const fs = feasibleSet(r, P);
    expect(fs.status).toBe('inconsistent');
    expect(fs.lo).toBeCloseTo(physicsEstimate(r), 2);
  });

  it('ignores a CO2 reading that contradicts the electrical sides, and reports rows without readings', () => {
    expect(feasibleSet(row(4.46, 66.77, 0, 100, 0.5), P)).toMatchObject({ lo: 4, hi: 4, status: 'ok' });
    expect(feasibleSet(row(Number.NaN, Number.NaN, Number.NaN, Number.NaN), P).status).toBe('none');
  });
});
