import { describe, expect, it } from 'vitest';
import { measureCleaningQuality } from '../../shared/quality/cleaning-quality.js';

describe("regression: the flags on the simulator's labelled faults (drawn above the cleaner's thresholds, so not a quality figure; see steel-corruption.test.ts)", () => {
  it('flags every fault type with recall >= 0.9 and at most 1 % of clean values, streaming and batch', () => {
    const results = measureCleaningQuality({ machines: 4, days: 3, seed: 5, registryFile: 'data/devices.json' });
    for (const quality of results) {
      expect(quality.falseFlagRate, `${quality.path} false flags`).toBeLessThanOrEqual(0.01);
      for (const fault of quality.faults) {
        if (fault.recall === null) continue;
        expect(fault.labelled, `${fault.fault} labelled`).toBeGreaterThan(0);
        expect(fault.recall, `${quality.path} ${fault.fault} recall`).toBeGreaterThanOrEqual(0.9);
      }
    }
  });
});
