import { describe, expect, it } from 'vitest';
import type { EvidenceReading } from '../../shared/maintenance/evidence.js';
import { residualSignals } from '../../shared/maintenance/residuals.js';
import { Rng } from '../../shared/simulate/prng.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const MODEL = { metric: 'temperature_c', against: 'power_kw', smoothMinutes: 40 };
const PARAMS = { cusumK: 0.5, clipZ: 6 };
const SPAN = { baselineFrom: 0, recentFrom: 6 * DAY, asOf: 7 * DAY, minBaseline: 200 };

/** A machine on shifts whose temperature follows its power through a 40-minute lag; `extra` is added to it. */
function machine(extra: (minute: number) => number = () => 0): EvidenceReading[] {
  const rng = new Rng(3);
  const out: EvidenceReading[] = [];
  let thermal = 0;
  for (let minute = 0; minute < 7 * 1440; minute++) {
    const hour = (minute / 60) % 24;
    const power = (hour >= 6 && hour < 22 ? 400 : 100) + 8 * rng.normal();
    thermal += (1 - Math.exp(-1 / 40)) * (power - thermal);
    const temperature = 20 + 0.08 * thermal + 0.2 * rng.normal() + extra(minute);
    const tsMs = minute * MIN;
    out.push({ tsMs, metric: 'power_kw', value: power, flags: [] });
    out.push({ tsMs, metric: 'temperature_c', value: temperature, flags: [] });
  }
  return out;
}

describe('residual signals against the machine own load model', () => {
  it('stay small on a healthy machine whose temperature swings with its shifts', () => {
    const r = residualSignals(machine(), MODEL, SPAN, PARAMS);
    expect(Math.abs(r.z as number)).toBeLessThan(0.5);
    expect(r.cusum).toBeLessThan(15);
  });

  it('build up on an overheating at idle that stays inside the range of the shifts', () => {
    // 90 minutes of +8 °C at night, when the machine idles at ~28 °C (its day level is ~52 °C).
    const night = 6 * 1440 + 60;
    const r = residualSignals(
      machine((m) => (m >= night && m < night + 90 ? 8 : 0)),
      MODEL,
      SPAN,
      PARAMS,
    );
    expect(r.cusum).toBeGreaterThan(200);
  });

  it('see a sensor drifting by 2 °C over the day, and say nothing without a baseline', () => {
    const r = residualSignals(
      machine((m) => (m >= 6 * 1440 ? (2 * (m - 6 * 1440)) / 1440 : 0)),
      MODEL,
      SPAN,
      PARAMS,
    );
    expect(r.z).toBeGreaterThan(2);
    expect(residualSignals(machine(), MODEL, { ...SPAN, minBaseline: 10 * 1440 }, PARAMS)).toEqual({
      z: null,
      cusum: null,
    });
  });
});
