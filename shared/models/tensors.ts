import ort from 'onnxruntime-node';
import type { ModelCard } from './card.js';

export type TensorSpec = ModelCard['inputs'][number];

type NumericArray = Float32Array | Float64Array | Int32Array | BigInt64Array | readonly number[];

/**
 * A model input: flat row-major values (the one dynamic dimension of the card's shape, e.g. the batch, is inferred
 * from their number), or values with explicit dims. Float32Array values go to onnxruntime without a copy.
 */
export type TensorInput = Float32Array | readonly number[] | { data: NumericArray; dims: readonly number[] };

/** A model output, as float32 (other numeric types are converted) with its dims. */
export interface TensorOutput {
  data: Float32Array;
  dims: readonly number[];
}

function isDynamic(d: number | string): boolean {
  return typeof d === 'string' || d < 0;
}

/** Dims of an input from the card's shape: explicit dims are checked against it, one dynamic dimension is inferred. */
export function inputDims(spec: TensorSpec, length: number, explicit?: readonly number[]): number[] {
  const shape = spec.shape;
  if (explicit) {
    const product = explicit.reduce((a, b) => a * b, 1);
    if (product !== length) throw new Error(`input '${spec.name}': ${length} values do not fill dims [${explicit.join(', ')}]`);
    if (shape.length > 0 && explicit.length !== shape.length) {
      throw new Error(`input '${spec.name}': dims [${explicit.join(', ')}] have rank ${explicit.length}, the card's shape [${shape.join(', ')}] has rank ${shape.length}`);
    }
    shape.forEach((d, i) => {
      if (!isDynamic(d) && d !== explicit[i]) {
        throw new Error(`input '${spec.name}': dimension ${i} is ${explicit[i]} but the card fixes it at ${d} (shape [${shape.join(', ')}])`);
      }
    });
    return [...explicit];
  }
  const dynamic = shape.filter(isDynamic).length;
  const fixed = shape.filter((d): d is number => !isDynamic(d)).reduce((a, b) => a * b, 1);
  if (dynamic === 0) {
    if (length !== fixed) throw new Error(`input '${spec.name}': expected ${fixed} values for shape [${shape.join(', ')}], got ${length}`);
    return shape as number[];
  }
  if (dynamic > 1) {
    throw new Error(`input '${spec.name}': the card's shape [${shape.join(', ')}] has ${dynamic} dynamic dimensions; pass { data, dims }`);
  }
  if (fixed === 0 || length % fixed !== 0) {
    throw new Error(`input '${spec.name}': ${length} values are not a whole number of rows of ${fixed} (shape [${shape.join(', ')}])`);
  }
  return shape.map((d) => (isDynamic(d) ? length / fixed : (d as number)));
}

function toType(spec: TensorSpec, data: NumericArray): Float32Array | Float64Array | Int32Array | BigInt64Array {
  switch (spec.type) {
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number);
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>, Number);
    case 'int32':
      return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>, Number);
    case 'int64':
      return data instanceof BigInt64Array ? data : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(Math.round(v)));
  }
}

export function toOrtTensor(spec: TensorSpec, input: TensorInput): ort.Tensor {
  const { data, dims } = ArrayBuffer.isView(input) || Array.isArray(input) ? { data: input as NumericArray, dims: undefined } : (input as { data: NumericArray; dims: readonly number[] });
  return new ort.Tensor(spec.type, toType(spec, data), inputDims(spec, data.length, dims));
}

export function fromOrtTensor(tensor: ort.Tensor): TensorOutput {
  const data = tensor.data;
  if (data instanceof Float32Array) return { data, dims: tensor.dims };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return { data: Float32Array.from(data, Number), dims: tensor.dims };
  if (ArrayBuffer.isView(data)) return { data: Float32Array.from(data as unknown as ArrayLike<number>), dims: tensor.dims };
  throw new Error(`output of type ${tensor.type} is not numeric`);
}
