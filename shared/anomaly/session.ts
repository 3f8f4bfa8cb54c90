import ort from 'onnxruntime-node';

/** Runs a model that exists only in memory (a detector fitted on the first rows of a file at detect time). */
export interface InMemoryModel {
  run(
    inputs: Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }>,
  ): Promise<Record<string, { data: ArrayLike<number>; dims: readonly number[] }>>;
}

export async function inMemoryModel(onnx: Uint8Array): Promise<InMemoryModel> {
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  return {
    async run(inputs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(inputs))
        feeds[name] = new ort.Tensor(t.data instanceof Float64Array ? 'float64' : 'float32', t.data, [...t.dims]);
      const out = await session.run(feeds);
      return Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, { data: v.data as ArrayLike<number>, dims: v.dims }]),
      );
    },
  };
}
