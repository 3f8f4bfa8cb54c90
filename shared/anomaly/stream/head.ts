import { encodeOnnxModel, type OnnxNode } from '../../models/onnx-builder.js';
import { erfcConstants, lnErfcNodes, scalar } from '../onnx-math.js';
import { YELLOW_TAIL, type StreamFeatures } from './detector.js';

export const STREAM_INPUT = 'features';
export const STREAM_OUTPUT = 'score';
/** Column order of the head's input. */
export const STREAM_FEATURES = ['z', 'muted', 'spatial'] as const;

export function featureRow(f: StreamFeatures): [number, number, number] {
  return [f.z, f.muted, f.spatial];
}

/**
 * The streaming detector's scoring head, in double precision: tail = erfc(z/1.4142)/2 (Numenta's form), the
 * yellow level where muted, score = ln(tail + 1e-10)/ln(1e-10), and 1 for a range (spatial) anomaly.
 */
export function exportStreamHeadOnnx(): Uint8Array {
  const d = (name: string, value: number) => scalar(name, value, 'float64');
  const nodes: OnnxNode[] = [
    { opType: 'Gather', inputs: [STREAM_INPUT, 'i0'], outputs: ['z'], attributes: { axis: { type: 'int', value: 1 } } },
    {
      opType: 'Gather',
      inputs: [STREAM_INPUT, 'i1'],
      outputs: ['muted'],
      attributes: { axis: { type: 'int', value: 1 } },
    },
    {
      opType: 'Gather',
      inputs: [STREAM_INPUT, 'i2'],
      outputs: ['spatial'],
      attributes: { axis: { type: 'int', value: 1 } },
    },
    { opType: 'Div', inputs: ['z', 'numenta_sqrt2'], outputs: ['x_raw'] },
    { opType: 'Max', inputs: ['x_raw', 'zero'], outputs: ['x'] },
    ...lnErfcNodes('x', 'ln_erfc'),
    { opType: 'Exp', inputs: ['ln_erfc'], outputs: ['erfc'] },
    { opType: 'Mul', inputs: ['erfc', 'half'], outputs: ['tail'] },
    { opType: 'Greater', inputs: ['muted', 'half'], outputs: ['is_muted'] },
    { opType: 'Where', inputs: ['is_muted', 'yellow', 'tail'], outputs: ['tail_used'] },
    { opType: 'Add', inputs: ['tail_used', 'floor'], outputs: ['tail_floor'] },
    { opType: 'Log', inputs: ['tail_floor'], outputs: ['ln_tail'] },
    { opType: 'Div', inputs: ['ln_tail', 'ln_floor'], outputs: ['likelihood_score'] },
    { opType: 'Max', inputs: ['likelihood_score', 'spatial'], outputs: [STREAM_OUTPUT] },
  ];
  return encodeOnnxModel({
    graphName: 'stream_head',
    nodes,
    initializers: [
      { name: 'i0', type: 'int64', dims: [1], values: [0] },
      { name: 'i1', type: 'int64', dims: [1], values: [1] },
      { name: 'i2', type: 'int64', dims: [1], values: [2] },
      d('numenta_sqrt2', 1.4142),
      d('zero', 0),
      d('half', 0.5),
      d('one', 1),
      d('yellow', YELLOW_TAIL),
      d('floor', 1e-10),
      d('ln_floor', -23.02585084720009),
      ...erfcConstants('float64'),
    ],
    inputs: [{ name: STREAM_INPUT, type: 'float64', shape: ['batch', STREAM_FEATURES.length] }],
    outputs: [{ name: STREAM_OUTPUT, type: 'float64', shape: ['batch', 1] }],
    opsets: { '': 17 },
  });
}
