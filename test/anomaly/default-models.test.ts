import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UNIVARIATE, MULTIVARIATE_DEFAULTS } from '../../shared/anomaly/detect.js';
import { detectorParams, type DetectorModel } from '../../shared/anomaly/scoring.js';
import { modelCard } from '../../shared/models/card.js';
import { verifyModel } from '../../shared/models/runtime.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const ANOMALY_MODELS = [DEFAULT_UNIVARIATE, ...MULTIVARIATE_DEFAULTS];

describe('committed default anomaly models', () => {
  it('are all present in models/', () => {
    const dirs = readdirSync(MODELS);
    for (const name of ANOMALY_MODELS) expect(dirs).toContain(name);
  });

  for (const name of ANOMALY_MODELS) {
    it(`${name}: card parses, sha256 matches, golden outputs reproduce in onnxruntime`, async () => {
      const card = modelCard.parse(JSON.parse(readFileSync(join(MODELS, name, 'card.json'), 'utf8')));
      expect(card.task).toBe('anomaly');
      expect(card.threshold).toBeGreaterThan(0);
      expect(card.threshold).toBeLessThan(1);
      const { report, model } = await verifyModel(join(MODELS, name));
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.goldenValues).toBeGreaterThan(0);
      expect(detectorParams(model as unknown as DetectorModel).detector).toBeDefined();
    });
  }

  it('stay small', () => {
    for (const name of ANOMALY_MODELS) {
      const size = readFileSync(join(MODELS, name, 'model.onnx')).length;
      expect(size).toBeLessThan(1_000_000);
    }
  });
});
