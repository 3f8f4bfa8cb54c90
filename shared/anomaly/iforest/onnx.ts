import { attr, encodeOnnxModel, type OnnxNode } from '../../models/onnx-builder.js';
import { averagePathLength, type IsolationTree, type TrainedIsolationForest } from './library.js';

export const IFOREST_INPUT = 'x';
export const IFOREST_OUTPUT = 'score';

/** Smallest float32 ≥ v: for float32 x, `x < v` ⇔ `x < ceilFloat32(v)`, so float32 thresholds route exactly as the library. */
export function ceilFloat32(v: number): number {
  const f = Math.fround(v);
  if (f >= v) return f;
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const bits = buf.getInt32(0);
  // Next float32 toward +∞: positive numbers step their bit pattern up, negative ones down.
  buf.setInt32(0, f > 0 ? bits + 1 : f < 0 ? bits - 1 : 1);
  const next = buf.getFloat32(0);
  return f === 0 && Object.is(f, -0) ? Number.MIN_VALUE : next;
}

interface Flat {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetWeights: number[];
}

function flatten(trees: readonly IsolationTree[]): Flat {
  const f: Flat = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
    targetTreeIds: [],
    targetNodeIds: [],
    targetWeights: [],
  };
  trees.forEach((tree, t) => {
    let next = 0;
    // Depth-first numbering; a node's row is written before its children are numbered, so fill by index.
    const visit = (node: IsolationTree, depth: number): number => {
      const id = next++;
      const at = f.nodeIds.length;
      f.treeIds.push(t);
      f.nodeIds.push(id);
      if (node.kind === 'leaf') {
        f.featureIds.push(0);
        f.modes.push('LEAF');
        f.values.push(0);
        f.trueIds.push(0);
        f.falseIds.push(0);
        f.targetTreeIds.push(t);
        f.targetNodeIds.push(id);
        // The library's path length at a leaf: edges walked plus c(size) for the unsplit rest.
        f.targetWeights.push(depth + averagePathLength(node.size));
        return id;
      }
      f.featureIds.push(node.column);
      f.modes.push('BRANCH_LT');
      f.values.push(ceilFloat32(node.value));
      f.trueIds.push(-1);
      f.falseIds.push(-1);
      const left = visit(node.left, depth + 1);
      const right = visit(node.right, depth + 1);
      f.trueIds[at] = left;
      f.falseIds[at] = right;
      return id;
    };
    visit(tree, 0);
  });
  return f;
}

/**
 * ONNX graph of a trained forest: an ai.onnx.ml TreeEnsembleRegressor averages the trees' path lengths
 * (leaf weight = depth + c(leaf size), "x < split" goes left as in the library), then standard ops give
 * score = 2^(−E[h] / c(ψ)) = exp(−ln 2 · E[h] / c(ψ)), in (0, 1], higher = more anomalous.
 */
export function exportIsolationForestOnnx(forest: TrainedIsolationForest, docString?: string): Uint8Array {
  const f = flatten(forest.trees);
  const scale = -Math.LN2 / averagePathLength(forest.subsample);
  const nodes: OnnxNode[] = [
    {
      opType: 'TreeEnsembleRegressor',
      domain: 'ai.onnx.ml',
      inputs: [IFOREST_INPUT],
      outputs: ['mean_path_length'],
      attributes: {
        n_targets: attr.int(1),
        aggregate_function: attr.string('AVERAGE'),
        post_transform: attr.string('NONE'),
        nodes_treeids: attr.ints(f.treeIds),
        nodes_nodeids: attr.ints(f.nodeIds),
        nodes_featureids: attr.ints(f.featureIds),
        nodes_modes: attr.strings(f.modes),
        nodes_values: attr.floats(f.values),
        nodes_truenodeids: attr.ints(f.trueIds),
        nodes_falsenodeids: attr.ints(f.falseIds),
        target_treeids: attr.ints(f.targetTreeIds),
        target_nodeids: attr.ints(f.targetNodeIds),
        target_ids: attr.ints(f.targetTreeIds.map(() => 0)),
        target_weights: attr.floats(f.targetWeights),
      },
    },
    { opType: 'Mul', inputs: ['mean_path_length', 'neg_ln2_over_c'], outputs: ['log_score'] },
    { opType: 'Exp', inputs: ['log_score'], outputs: [IFOREST_OUTPUT] },
  ];
  return encodeOnnxModel({
    graphName: 'isolation_forest',
    nodes,
    initializers: [{ name: 'neg_ln2_over_c', type: 'float32', dims: [], values: [scale] }],
    inputs: [{ name: IFOREST_INPUT, type: 'float32', shape: ['batch', forest.columns] }],
    outputs: [{ name: IFOREST_OUTPUT, type: 'float32', shape: ['batch', 1] }],
    opsets: { '': 17, 'ai.onnx.ml': 3 },
    ...(docString ? { docString } : {}),
  });
}
