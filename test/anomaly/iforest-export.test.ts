import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { trainIsolationForest } from '../../shared/anomaly/iforest/library.js';
import { ceilFloat32, exportIsolationForestOnnx } from '../../shared/anomaly/iforest/onnx.js';
import { mulberry32 } from '../../shared/anomaly/random.js';

async function onnxScores(bytes: Uint8Array, rows: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const m = rows[0]!.length;
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, m]) });
  return out.score!.data as Float32Array;
}

/** Rows as float32 values, so the library (double) and the ONNX graph (float32) see the same numbers. */
function data(n: number, seed: number): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => [r() * 100, r() * r() * 3 - 1, Math.round(r() * 4), 7].map(Math.fround));
}

describe('Isolation Forest exporter', () => {
  it('reproduces ml-isolation-forest scores within 1e-5 on training rows, new rows and outliers', async () => {
    const train = data(1500, 1);
    const forest = trainIsolationForest(train, { trees: 100, seed: 9 });
    const rows = [...train.slice(0, 500), ...data(1500, 2), [1e6, -50, 99, 7], [-3, 0, 0, 7].map(Math.fround)];
    const lib = forest.predict(rows);
    const onnx = await onnxScores(exportIsolationForestOnnx(forest), rows);
    let worst = 0;
    lib.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - (onnx[i] as number)))));
    expect(worst).toBeLessThan(1e-5);
    for (const s of onnx) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    // An extreme row is easier to isolate than a typical training row.
    expect(lib[lib.length - 2]!).toBeGreaterThan(lib[0]!);
  });

  it('routes values exactly at a split threshold as the library does (x < split goes left)', async () => {
    // Few distinct values make many rows land exactly on or next to split values.
    const r = mulberry32(3);
    const train = Array.from({ length: 300 }, () => [Math.floor(r() * 5), Math.floor(r() * 3) / 4]);
    const forest = trainIsolationForest(train, { trees: 50, seed: 4 });
    const splits: number[] = [];
    const walk = (t: (typeof forest.trees)[number]): void => {
      if (t.kind === 'split') {
        splits.push(t.value);
        walk(t.left);
        walk(t.right);
      }
    };
    forest.trees.forEach(walk);
    const rows = splits.slice(0, 200).flatMap((v) => [
      [Math.fround(v), Math.fround(v)],
      [ceilFloat32(v), ceilFloat32(v)],
    ]);
    const lib = forest.predict(rows);
    const onnx = await onnxScores(exportIsolationForestOnnx(forest), rows);
    lib.forEach((s, i) => expect(Math.abs(s - (onnx[i] as number))).toBeLessThan(1e-5));
  });

  it('rounds split values up to the next float32', () => {
    for (const v of [0.1, -0.1, 1 / 3, -1e-30, 123456.789, 5]) {
      const c = ceilFloat32(v);
      expect(c).toBeGreaterThanOrEqual(v);
      expect(Math.fround(c)).toBe(c);
      expect(Math.fround(v) < v ? c > Math.fround(v) : c === Math.fround(v)).toBe(true);
    }
  });

  it('trains reproducibly from a seed', () => {
    const train = data(400, 5);
    const a = trainIsolationForest(train, { trees: 10, seed: 1 }).predict(train.slice(0, 20));
    const b = trainIsolationForest(train, { trees: 10, seed: 1 }).predict(train.slice(0, 20));
    expect(a).toEqual(b);
  });
});
