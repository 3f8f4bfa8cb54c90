import type { OnnxNode, OnnxTensor } from '../models/onnx-builder.js';
import { ERFC_POLY } from './tail.js';

/** Scalar constant initializer. */
export function scalar(name: string, value: number, type: 'float32' | 'float64' = 'float32'): OnnxTensor {
  return { name, type, dims: [], values: [value] };
}

/** Initializers c0…c9 of ERFC_POLY. */
export function erfcConstants(type: 'float32' | 'float64' = 'float32'): OnnxTensor[] {
  return ERFC_POLY.map((c, i) => scalar(`c${i}`, c, type));
}

/**
 * Nodes computing ln erfc(x) for x ≥ 0 into `out` (Numerical Recipes' erfcc: ln t − x² + P(t), t = 1/(1 + x/2));
 * needs the constants of erfcConstants() and scalars `one` and `half` of the same type.
 */
export function lnErfcNodes(x: string, out: string, prefix = 'erfc'): OnnxNode[] {
  const p = (s: string) => `${prefix}_${s}`;
  const nodes: OnnxNode[] = [
    { opType: 'Mul', inputs: [x, 'half'], outputs: [p('half_x')] },
    { opType: 'Add', inputs: [p('half_x'), 'one'], outputs: [p('t_den')] },
    { opType: 'Div', inputs: ['one', p('t_den')], outputs: [p('t')] },
  ];
  let acc = `c${ERFC_POLY.length - 1}`;
  for (let i = ERFC_POLY.length - 2; i >= 0; i--) {
    nodes.push({ opType: 'Mul', inputs: [acc, p('t')], outputs: [p(`m${i}`)] });
    nodes.push({ opType: 'Add', inputs: [p(`m${i}`), `c${i}`], outputs: [p(`a${i}`)] });
    acc = p(`a${i}`);
  }
  nodes.push(
    { opType: 'Log', inputs: [p('t')], outputs: [p('ln_t')] },
    { opType: 'Mul', inputs: [x, x], outputs: [p('x2')] },
    { opType: 'Sub', inputs: [p('ln_t'), p('x2')], outputs: [p('ln_t_x2')] },
    { opType: 'Add', inputs: [p('ln_t_x2'), acc], outputs: [out] },
  );
  return nodes;
}
