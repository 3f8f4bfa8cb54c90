import { describe, expect, it } from 'vitest';
import { Co2Witness, emissionFactor } from '../../shared/readings/clean/batch/co2-witness.js';
import { Rng } from '../../shared/simulate/prng.js';

const column = new Map([
  ['usage_kwh', 0],
  ['co2_t', 1],
]);
const FACTOR = 0.0004585;

/** A meter whose CO2 is energy × factor rounded to two decimals, as the steel plant's. */
function meter(n: number, seed = 1): Float64Array[] {
  const rng = new Rng(seed, 'co2-witness');
  return Array.from({ length: n }, () => {
    const u = Math.round(rng.uniform(0, 150) * 100) / 100;
    return Float64Array.of(u, Math.round(u * FACTOR * 100) / 100);
  });
}

describe('CO2 as a witness of the energy', () => {
  it('fits the factor every rounded reading agrees with, and bounds each energy by its CO2', () => {
    const matrix = meter(1000);
    const factor = emissionFactor(matrix, column) as number;
    expect(Math.abs(factor - FACTOR) / FACTOR).toBeLessThan(5e-4);
    const witness = Co2Witness.of(matrix, column) as Co2Witness;
    for (let t = 1; t < matrix.length - 1; t++) {
      const [lo, hi] = witness.bounds(t) as readonly [number, number];
      const u = (matrix[t] as Float64Array)[0] as number;
      expect(u).toBeGreaterThanOrEqual(lo);
      expect(u).toBeLessThanOrEqual(hi);
      // Two decimals of CO2 at this factor: about 22 kWh of energy.
      expect(hi - lo).toBeLessThan(23);
    }
  });

  it('does not vouch for a CO2 register that reads 0 while the plant is loaded, nor without known neighbours', () => {
    const matrix = meter(500);
    for (let t = 200; t < 220; t++) matrix[t] = Float64Array.of(100 + t / 10, 0);
    matrix[210] = Float64Array.of(NaN, 0);
    const witness = Co2Witness.of(matrix, column) as Co2Witness;
    expect(witness.bounds(210)).toBeUndefined();
    expect(witness.unvouched(210)).toBe(true);
    expect(witness.bounds(100)).toBeDefined();
    expect(witness.bounds(matrix.length - 1)).toBeUndefined();
    // Witnesses on both sides: one alone may be the reading just before a register froze.
    const gap = meter(500);
    gap[300] = Float64Array.of(NaN, 0.02);
    expect(Co2Witness.of(gap, column)?.bounds(300)).toBeDefined();
    expect(Co2Witness.of([...gap, Float64Array.of(NaN, 0.02)], column)?.bounds(500)).toBeUndefined();
    for (let t = 301; t < 320; t++) gap[t] = Float64Array.of(NaN, 0.02);
    expect(Co2Witness.of(gap, column)?.bounds(305)).toBeUndefined();
  });

  it('has no factor without enough readings of both', () => {
    expect(emissionFactor(meter(50), column)).toBeUndefined();
    expect(Co2Witness.of(meter(50), column)).toBeUndefined();
  });
});
