import { createRequire } from 'node:module';
import { mulberry32 } from '../random.js';

/**
 * The only module that touches `ml-isolation-forest` (plain JavaScript, no types, unmaintained since 2022).
 * It trains with the library, reads the trees back into typed structures for the ONNX exporter, and keeps the
 * library's own `predict` for parity checks and benchmarks.
 *
 * The library draws split columns and values from Math.random and trains every tree on the whole set it is
 * given. For reproducible models and standard Isolation Forest subsampling (Liu et al. 2008: each tree on its
 * own ψ-row subsample), each tree is trained by a one-tree library forest on its own subsample with Math.random
 * swapped for a seeded generator for the (synchronous) duration of the call, and the trees are then gathered
 * into one library forest whose `predict` scores with c(ψ).
 */

interface LibNode {
  left?: LibNode;
  right?: LibNode;
  splitColumn?: number;
  splitValue?: number;
  trainingSet?: unknown[];
}

interface LibForest {
  nEstimators: number;
  forest: LibNode[];
  trainingSet: number[][];
  train(rows: number[][]): void;
  predict(rows: number[][]): number[];
}

const require = createRequire(import.meta.url);
const { IsolationForest } = require('ml-isolation-forest') as {
  IsolationForest: new (options?: { nEstimators?: number }) => LibForest;
};

export type IsolationTree =
  | {
      readonly kind: 'split';
      readonly column: number;
      readonly value: number;
      readonly left: IsolationTree;
      readonly right: IsolationTree;
    }
  | { readonly kind: 'leaf'; readonly size: number };

export interface IsolationForestOptions {
  /** Number of trees (the library's nEstimators); default 100. */
  readonly trees?: number;
  /** Rows per tree (ψ); default min(256, rows). */
  readonly subsample?: number;
  readonly seed?: number;
}

export interface TrainedIsolationForest {
  readonly trees: readonly IsolationTree[];
  /** ψ, the rows each tree was grown on: the scores are normalised by c(ψ). */
  readonly subsample: number;
  readonly columns: number;
  /** The library's own scores, 2^(−E[h(x)] / c(ψ)). */
  predict(rows: readonly (readonly number[])[]): number[];
}

/** The library's c(n), the average path length of an unsuccessful BST search, with its 0.57721 for Euler's constant. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * Math.log(n - 1) + 0.57721 - (2 * (n - 1)) / n;
}

function withSeededRandom<T>(random: () => number, run: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return run();
  } finally {
    Math.random = original;
  }
}

function toTree(node: LibNode): IsolationTree {
  if (node.left && node.right) {
    return {
      kind: 'split',
      column: node.splitColumn as number,
      value: node.splitValue as number,
      left: toTree(node.left),
      right: toTree(node.right),
    };
  }
  return { kind: 'leaf', size: node.trainingSet?.length ?? 0 };
}

export function trainIsolationForest(
  rows: readonly (readonly number[])[],
  options: IsolationForestOptions = {},
): TrainedIsolationForest {
  if (rows.length < 2) throw new Error(`an Isolation Forest needs at least 2 training rows, got ${rows.length}`);
  const columns = (rows[0] as readonly number[]).length;
  rows.forEach((r, i) => {
    if (r.length !== columns) throw new Error(`training row ${i} has ${r.length} values, row 0 has ${columns}`);
    if (r.some((v) => !Number.isFinite(v)))
      throw new Error(`training row ${i} has a missing or non-finite value; clean or drop it first`);
  });
  const trees = options.trees ?? 100;
  const subsample = Math.min(options.subsample ?? 256, rows.length);
  const random = mulberry32(options.seed ?? 1);
  const data = rows.map((r) => [...r]);
  const forest = withSeededRandom(random, () => {
    const merged = new IsolationForest({ nEstimators: trees });
    for (let t = 0; t < trees; t++) {
      const sample = sampleWithoutReplacement(data, subsample, random);
      const one = new IsolationForest({ nEstimators: 1 });
      one.train(sample);
      merged.forest.push(one.forest[0] as LibNode);
      if (t === 0) merged.trainingSet = sample;
    }
    return merged;
  });
  return {
    trees: forest.forest.map(toTree),
    subsample,
    columns,
    predict: (x) => forest.predict(x.map((r) => [...r])),
  };
}

function sampleWithoutReplacement<T>(items: readonly T[], k: number, random: () => number): T[] {
  const idx = items.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, k).map((i) => items[i] as T);
}
