import { encodeOnnxModel, type OnnxNode } from '../../models/onnx-builder.js';
import { erfcConstants, lnErfcNodes, scalar } from '../onnx-math.js';
import { YELLOW_TAIL, type StreamFeatures } from './detector.js';

export const STREAM_INPUT = 'features';
export const STREAM_OUTPUT = 'score';
/** Column order of the head's input. */
export const STREAM_FEATURES = ['z', 'muted', 'zShort', 'mutedShort', 'spatial', 'quiet'] as const;

export function featureRow(f: StreamFeatures): number[] {
  return STREAM_FEATURES.map((k) => f[k]);
}

function gather(column: (typeof STREAM_FEATURES)[number]): OnnxNode {
  return {
    opType: 'Gather',
    inputs: [STREAM_INPUT, `i_${column}`],
    outputs: [column],
    attributes: { axis: { type: 'int', value: 1 } },
  };
}

/** ln(tail + 1e-10)/ln(1e-10) of one likelihood: tail = erfc(z/1.4142)/2 (Numenta's form), the yellow level where muted. */
function logTailNodes(z: string, muted: string, out: string): OnnxNode[] {
  const p = (s: string) => `${out}_${s}`;
  return [
    { opType: 'Div', inputs: [z, 'numenta_sqrt2'], outputs: [p('x_raw')] },
    { opType: 'Max', inputs: [p('x_raw'), 'zero'], outputs: [p('x')] },
    ...lnErfcNodes(p('x'), p('ln_erfc'), p('erfc')),
    { opType: 'Exp', inputs: [p('ln_erfc')], outputs: [p('erfc_v')] },
    { opType: 'Mul', inputs: [p('erfc_v'), 'half'], outputs: [p('tail')] },
    { opType: 'Greater', inputs: [muted, 'half'], outputs: [p('is_muted')] },
    { opType: 'Where', inputs: [p('is_muted'), 'yellow', p('tail')], outputs: [p('tail_used')] },
    { opType: 'Add', inputs: [p('tail_used'), 'floor'], outputs: [p('tail_floor')] },
    { opType: 'Log', inputs: [p('tail_floor')], outputs: [p('ln_tail')] },
    { opType: 'Div', inputs: [p('ln_tail'), 'ln_floor'], outputs: [out] },
  ];
}

/**
 * The streaming detector's scoring head, in double precision: the mean of the two likelihoods' log-scaled
 * tails, 1 for a range (spatial) anomaly, 0 inside a quiet period.
 */
export function exportStreamHeadOnnx(): Uint8Array {
  const d = (name: string, value: number) => scalar(name, value, 'float64');
  const nodes: OnnxNode[] = [
    ...STREAM_FEATURES.map(gather),
    ...logTailNodes('z', 'muted', 'long_score'),
    ...logTailNodes('zShort', 'mutedShort', 'short_score'),
    { opType: 'Add', inputs: ['long_score', 'short_score'], outputs: ['score_sum'] },
    { opType: 'Mul', inputs: ['score_sum', 'half'], outputs: ['likelihood_score'] },
    { opType: 'Max', inputs: ['likelihood_score', 'spatial'], outputs: ['loud_score'] },
    { opType: 'Greater', inputs: ['quiet', 'half'], outputs: ['is_quiet'] },
    { opType: 'Where', inputs: ['is_quiet', 'zero', 'loud_score'], outputs: [STREAM_OUTPUT] },
  ];
  return encodeOnnxModel({
    graphName: 'stream_head',
    nodes,
    initializers: [
      ...STREAM_FEATURES.map((c, i) => ({ name: `i_${c}`, type: 'int64' as const, dims: [1], values: [i] })),
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
