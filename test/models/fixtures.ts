import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCard } from '../../shared/models/card.js';
import { CARD_FILE, MODEL_FILE, writeModelFolder, type CardWithoutSha } from '../../shared/models/folder.js';
import { encodeOnnxModel } from '../../shared/models/onnx-builder.js';
import { IF_ABSENT, type ObjectStore } from '../../shared/objects/port.js';

/**
 * Tiny real ONNX models for the tests, written with the TypeScript encoder (no Python): y = x·W + b, one MatMul
 * and one Add, x of shape [batch, k], y of shape [batch, m].
 */
export function linearOnnx(weights: number[][], bias: number[]): Uint8Array {
  const k = weights.length;
  const m = bias.length;
  return encodeOnnxModel({
    graphName: 'linear',
    nodes: [
      { opType: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
      { opType: 'Add', inputs: ['xw', 'b'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'W', type: 'float32', dims: [k, m], values: weights.flat() },
      { name: 'b', type: 'float32', dims: [m], values: bias },
    ],
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', k] }],
    outputs: [{ name: 'y', type: 'float32', shape: ['batch', m] }],
  });
}

/** x·W + b in float32, as onnxruntime computes it for these small exact values. */
export function linearReference(weights: number[][], bias: number[], x: number[]): number[] {
  const k = weights.length;
  const out: number[] = [];
  for (let row = 0; row < x.length / k; row++) {
    for (let j = 0; j < bias.length; j++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc = Math.fround(acc + Math.fround((x[row * k + i] as number) * (weights[i]![j] as number)));
      out.push(Math.fround(acc + (bias[j] as number)));
    }
  }
  return out;
}

export interface LinearModelOptions {
  name?: string;
  version: string;
  /** k×m; default [[2]] (y = 2x + 1 with the default bias). */
  weights?: number[][];
  bias?: number[];
  /** Value of the primary holdout metric. */
  metric?: number;
  primary?: string;
  higherIsBetter?: boolean;
  createdAt?: string;
  /** Writes golden outputs the model does not produce (off by this much). */
  goldenOffset?: number;
}

export function linearCard(o: LinearModelOptions): CardWithoutSha {
  const weights = o.weights ?? [[2]];
  const bias = o.bias ?? [1];
  const k = weights.length;
  const x = Array.from({ length: 4 * k }, (_, i) => (i % 3 === 0 ? -1.5 : i * 0.25));
  const y = linearReference(weights, bias, x).map((v) => v + (o.goldenOffset ?? 0));
  const primary = o.primary ?? 'mae';
  return {
    name: o.name ?? 'test-linear',
    version: o.version,
    task: 'estimate',
    description: 'y = x·W + b, a test model',
    algorithm: 'linear',
    inputs: [{ name: 'x', shape: ['batch', k], type: 'float32' }],
    outputs: [{ name: 'y', shape: ['batch', bias.length], type: 'float32' }],
    features: Array.from({ length: k }, (_, i) => ({ name: `f${i}` })),
    outputMeaning: 'y, unitless',
    training: { data: 'synthetic', from: '2024-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z', rows: 100, seed: 1 },
    metrics: { primary, higherIsBetter: o.higherIsBetter ?? false, values: { [primary]: o.metric ?? 1, rmse: (o.metric ?? 1) * 1.5 } },
    codeVersion: 'test',
    createdAt: o.createdAt ?? '2024-02-02T00:00:00Z',
    golden: [{ inputs: { x }, outputs: { y } }, { inputs: { x: x.slice(0, k) }, outputs: { y: y.slice(0, bias.length) } }],
    goldenTolerance: 1e-5,
  };
}

/** Writes a linear model folder (model.onnx + card.json with the right sha256). */
export async function writeLinearModel(dir: string, o: LinearModelOptions): Promise<ModelCard> {
  return writeModelFolder(dir, { onnx: linearOnnx(o.weights ?? [[2]], o.bias ?? [1]), card: linearCard(o) });
}

/** Rewrites card.json with a field changed, leaving model.onnx as it is (the card no longer matches). */
export async function editCard(dir: string, edit: (card: Record<string, unknown>) => void): Promise<void> {
  const card = JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')) as Record<string, unknown>;
  edit(card);
  await writeFile(join(dir, CARD_FILE), JSON.stringify(card, null, 2));
}

/**
 * Puts a version and a champion pointer straight into a store, bypassing push and its checks: what a broken
 * or tampered registry looks like to a serving process.
 */
export async function plantChampion(store: ObjectStore, dir: string, name: string, version: string, promotedAt = new Date().toISOString()): Promise<void> {
  const base = `models/${name}/versions/${version}`;
  const card = await readFile(join(dir, CARD_FILE));
  await store.put(`${base}/${MODEL_FILE}`, await readFile(join(dir, MODEL_FILE)));
  await store.put(`${base}/${CARD_FILE}`, card);
  const metrics = (JSON.parse(card.toString('utf8')) as { metrics: unknown }).metrics;
  const pointer = { version, promotedAt, metrics, reason: 'planted by a test' };
  const current = await store.stat(`models/${name}/champion.json`);
  await store.put(`models/${name}/champion.json`, Buffer.from(JSON.stringify(pointer)), { ifGenerationMatch: current?.generation ?? IF_ABSENT });
}

export async function tempDir(prefix = 'kw-models-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
