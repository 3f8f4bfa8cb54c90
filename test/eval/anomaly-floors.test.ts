import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DetectorModel } from '../../shared/anomaly/scoring.js';
import { evaluateOnNab, evaluateOnSkab } from '../../shared/eval/anomaly-benchmarks.js';
import { loadModel } from '../../shared/models/runtime.js';
import { nabData, skabData } from '../support/requirements.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

/** The floors, on the committed models as served (ONNX). */
describe('benchmark floors', () => {
  it('stream-univariate: NAB standard ≥ 69 on the 35 files provided, ≥ 65 on the held-out half', async (ctx) => {
    const dir = nabData.get(ctx);
    const model = (await loadModel(join(MODELS, 'stream-univariate'))) as unknown as DetectorModel;
    const nab = await evaluateOnNab(dir, model);
    expect(nab.files).toBe(35);
    expect(nab.optimized.standard).toBeGreaterThanOrEqual(69);
    expect(nab.atCardThreshold.standard).toBeGreaterThanOrEqual(67);
    expect(nab.splitB.standard).toBeGreaterThanOrEqual(65);
  });

  it('drift chart: SKAB valve1 F1 ≥ 0.87 under the README protocol, ≤ 5 % alarms on the anomaly-free recording', async (ctx) => {
    const dir = skabData.get(ctx);
    const model = (await loadModel(join(MODELS, 'drift-chart-pump'))) as unknown as DetectorModel;
    const skab = await evaluateOnSkab(dir, model);
    expect(skab.files).toBe(16);
    expect(skab.outlier.f1).toBeGreaterThanOrEqual(0.87);
    expect(skab.outlier.far).toBeLessThan(10);
    expect(skab.splitB.f1).toBeGreaterThanOrEqual(0.88);
    expect(skab.anomalyFreeFar).toBeLessThanOrEqual(5);
  });
});
