/**
 * A minimal ONNX ModelProto encoder: enough of onnx.proto (graph, nodes with attributes, initializers, typed
 * inputs and outputs, opset imports) to write models from TypeScript without Python or protobuf tooling.
 * TypeScript trainers and exporters (e.g. a tree ensemble under the ai.onnx.ml domain) and the tests' tiny
 * models use it. Field numbers follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto3.
 */

export type OnnxDataType = 'float32' | 'float64' | 'int64' | 'int32' | 'string';

/** TensorProto.DataType values. */
const DATA_TYPE: Record<OnnxDataType, number> = { float32: 1, int32: 6, int64: 7, string: 8, float64: 11 };

export interface OnnxTensor {
  name: string;
  type: OnnxDataType;
  dims: readonly number[];
  /** Row-major values; strings only for type 'string'. */
  values: ArrayLike<number> | readonly string[];
}

/** A graph input or output: a dimension is a size, or a name (string) for a dynamic one such as the batch. */
export interface OnnxValueInfo {
  name: string;
  type: OnnxDataType;
  shape: ReadonlyArray<number | string>;
}

export type OnnxAttribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number | bigint }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: ArrayLike<number> }
  | { type: 'ints'; value: ReadonlyArray<number | bigint> }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: OnnxTensor };

/** Helpers that say the attribute type where a bare number would be ambiguous. */
export const attr = {
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  int: (value: number | bigint): OnnxAttribute => ({ type: 'int', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  floats: (value: ArrayLike<number>): OnnxAttribute => ({ type: 'floats', value }),
  ints: (value: ReadonlyArray<number | bigint>): OnnxAttribute => ({ type: 'ints', value }),
  strings: (value: readonly string[]): OnnxAttribute => ({ type: 'strings', value }),
  tensor: (value: OnnxTensor): OnnxAttribute => ({ type: 'tensor', value }),
};

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Operator domain: '' (default, ai.onnx) or e.g. 'ai.onnx.ml'. */
  domain?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxModelSpec {
  graphName?: string;
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** Domain → opset version; default { '': 17 }. Add 'ai.onnx.ml' for the classic ML operators. */
  opsets?: Readonly<Record<string, number>>;
  /** IR version; 8 suits opset 17 and every onnxruntime since 1.10. */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Appends protobuf fields to a growing byte array. */
class ProtoWriter {
  private bytes: number[] = [];
  private static readonly utf8 = new TextEncoder();

  private varint(value: number | bigint): void {
    // int64 fields: negative values travel as their 64-bit two's complement, 10 bytes.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`protobuf integer field ${field}: ${value} is not an integer`);
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.pushFloat(value);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, ProtoWriter.utf8.encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i] as number | bigint);
    return this.bytesField(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.pushFloat(values[i] as number);
    return this.bytesField(field, inner.finish());
  }

  private pushFloat(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(view.getUint8(i));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** TensorProto: dims 1, data_type 2, float_data 4, int32_data 5, string_data 6, int64_data 7, name 8, double_data 10. */
function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  if (tensor.values.length !== elementCount(tensor.dims)) {
    throw new Error(`tensor ${tensor.name}: ${tensor.values.length} values for dims [${tensor.dims.join(', ')}]`);
  }
  w.packedInts(1, tensor.dims);
  w.int(2, DATA_TYPE[tensor.type]);
  const values = tensor.values;
  if (tensor.type === 'string') {
    for (const s of values as readonly string[]) w.string(6, s);
  } else {
    const numbers = values as ArrayLike<number>;
    if (tensor.type === 'float32') w.packedFloats(4, numbers);
    else if (tensor.type === 'int32') w.packedInts(5, numbers);
    else if (tensor.type === 'int64') w.packedInts(7, numbers);
    else {
      const view = new DataView(new ArrayBuffer(8 * numbers.length));
      for (let i = 0; i < numbers.length; i++) view.setFloat64(8 * i, numbers[i] as number, true);
      w.bytesField(10, new Uint8Array(view.buffer));
    }
  }
  w.string(8, tensor.name);
}

/** ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: { dim_value 1 | dim_param 2 } } } } }. */
function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, DATA_TYPE[info.type]);
      tensorType.message(2, (shape) => {
        for (const d of info.shape) {
          shape.message(1, (dim) => {
            if (typeof d === 'string') dim.string(2, d);
            else dim.int(1, d);
          });
        }
      });
    }),
  );
}

/** AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20. */
function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  w.string(1, name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      break;
  }
  w.int(20, ATTRIBUTE_TYPE[a.type]);
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7. */
function writeNode(w: ProtoWriter, node: OnnxNode, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name ?? `${node.opType}_${index}`);
  w.string(4, node.opType);
  for (const [name, a] of Object.entries(node.attributes ?? {})) w.message(5, (x) => writeAttribute(x, name, a));
  if (node.domain) w.string(7, node.domain);
}

/**
 * Encodes a model: ModelProto { ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
 * opset_import 8 } with GraphProto { node 1, name 2, initializer 5, input 11, output 12 }.
 */
export function encodeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8);
  w.string(2, spec.producerName ?? 'kilowatch');
  if (spec.producerVersion) w.string(3, spec.producerVersion);
  if (spec.docString) w.string(6, spec.docString);
  w.message(7, (g) => {
    spec.nodes.forEach((node, i) => g.message(1, (n) => writeNode(n, node, i)));
    g.string(2, spec.graphName ?? 'graph');
    for (const t of spec.initializers ?? []) g.message(5, (x) => writeTensor(x, t));
    for (const input of spec.inputs) g.message(11, (x) => writeValueInfo(x, input));
    for (const output of spec.outputs) g.message(12, (x) => writeValueInfo(x, output));
  });
  for (const [domain, version] of Object.entries(spec.opsets ?? { '': 17 })) {
    // OperatorSetIdProto { domain 1, version 2 }
    w.message(8, (o) => {
      if (domain) o.string(1, domain);
      o.int(2, version);
    });
  }
  return w.finish();
}
