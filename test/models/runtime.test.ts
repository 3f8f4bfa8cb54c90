import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import { attr, encodeOnnxModel } from '../../shared/models/onnx-builder.js';
import { loadModel, verifyModel, ModelRefusedError } from '../../shared/models/runtime.js';
import { sha256Hex, writeModelFolder } from '../../shared/models/folder.js';
import { editCard, linearCard, linearOnnx, tempDir, writeLinearModel } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('the TypeScript ONNX encoder', () => {
  it('writes a MatMul + Add model that onnxruntime runs', async () => {
    const session = await ort.InferenceSession.create(linearOnnx([[2, 0], [-1, 3]], [1, 0.5]));
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]) });
    expect([...(out.y!.data as Float32Array)]).toEqual([1, 6.5, 3, 12.5]);
    expect(out.y!.dims).toEqual([2, 2]);
  });

  it('writes ai.onnx.ml operators with int, float, string and list attributes (a one-split tree ensemble)', async () => {
    const bytes = encodeOnnxModel({
      opsets: { '': 17, 'ai.onnx.ml': 3 },
      nodes: [
        {
          opType: 'TreeEnsembleRegressor',
          domain: 'ai.onnx.ml',
          inputs: ['x'],
          outputs: ['score'],
          attributes: {
            n_targets: attr.int(1),
            nodes_treeids: attr.ints([0, 0, 0]),
            nodes_nodeids: attr.ints([0, 1, 2]),
            nodes_featureids: attr.ints([1, 0, 0]),
            nodes_values: attr.floats([0.5, 0, 0]),
            nodes_modes: attr.strings(['BRANCH_LEQ', 'LEAF', 'LEAF']),
            nodes_truenodeids: attr.ints([1, 0, 0]),
            nodes_falsenodeids: attr.ints([2, 0, 0]),
            target_treeids: attr.ints([0, 0]),
            target_nodeids: attr.ints([1, 2]),
            target_ids: attr.ints([0, 0]),
            target_weights: attr.floats([0.25, 0.75]),
            aggregate_function: attr.string('SUM'),
          },
        },
      ],
      inputs: [{ name: 'x', type: 'float32', shape: ['n', 2] }],
      outputs: [{ name: 'score', type: 'float32', shape: ['n', 1] }],
    });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([9, 0.1, 9, 0.9]), [2, 2]) });
    expect([...(out.score!.data as Float32Array)]).toEqual([0.25, 0.75]);
  });
});

describe('loadModel', () => {
  it('verifies the card against the file and the golden pairs, then runs typed float32 tensors', async () => {
    const dir = join(tmp.path, 'good');
    const card = await writeLinearModel(dir, { version: '1', weights: [[2], [-1]], bias: [1] });
    const model = await loadModel(dir);
    expect(model.name).toBe('test-linear');
    expect(model.version).toBe('1');
    expect(model.sha256).toBe(card.sha256);
    expect(model.report).toMatchObject({ ok: true, goldenPairs: 2, goldenValues: 5, problems: [] });
    expect(model.report.maxAbsError).toBeLessThanOrEqual(card.goldenTolerance);

    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const out = await model.run({ x });
    expect(out.y!.data).toBeInstanceOf(Float32Array);
    expect([...out.y!.data]).toEqual([1, 3, 5]);
    expect(out.y!.dims).toEqual([3, 1]);
    // Plain arrays and explicit dims are accepted too.
    expect([...(await model.run({ x: [1, 1] })).y!.data]).toEqual([2]);
    expect([...(await model.run({ x: { data: [1, 1, 0, 0], dims: [2, 2] } })).y!.data]).toEqual([2, 1]);
  });

  it('names the problem when run with wrong inputs', async () => {
    const model = await loadModel(join(tmp.path, 'good'));
    await expect(model.run({})).rejects.toThrow("missing input 'x'");
    await expect(model.run({ x: [1, 2], z: [1] })).rejects.toThrow("unknown input 'z'");
    await expect(model.run({ x: [1, 2, 3] })).rejects.toThrow('3 values are not a whole number of rows of 2');
    await expect(model.run({ x: { data: [1, 2, 3], dims: [1, 3] } })).rejects.toThrow('dimension 1 is 3 but the card fixes it at 2');
  });

  it('refuses a model whose card sha256 does not match model.onnx, and never runs it', async () => {
    const dir = join(tmp.path, 'sha');
    await writeLinearModel(dir, { version: '1' });
    // Another model's bytes under the same card: a re-export that forgot the card.
    await writeFile(join(dir, 'model.onnx'), linearOnnx([[3]], [1]));
    const error = await loadModel(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRefusedError);
    const actual = sha256Hex(await readFile(join(dir, 'model.onnx')));
    expect((error as Error).message).toContain(`sha256 of model.onnx is ${actual} but card.json says`);
    const { report } = await verifyModel(dir);
    expect(report).toMatchObject({ ok: false, sha256: actual, goldenPairs: 0, maxAbsError: null });
  });

  it('refuses a model whose golden outputs do not reproduce, naming the pair, output, index and error', async () => {
    const dir = join(tmp.path, 'golden');
    await writeLinearModel(dir, { version: '1', goldenOffset: 0.5 });
    const error = (await loadModel(dir).catch((e: unknown) => e)) as ModelRefusedError;
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error.problems[0]).toMatch(/^golden pair 0, output 'y'\[0\]: expected -1\.5, got -2 \(\|error\| 0\.5 > goldenTolerance 0\.00001\)$/);
    expect(error.problems.at(-1)).toBe('5 of 5 golden values out of tolerance');
    const { report } = await verifyModel(dir);
    expect(report).toMatchObject({ ok: false, goldenPairs: 2, goldenValues: 5, maxAbsError: 0.5 });
  });

  it('accepts golden outputs within the card tolerance', async () => {
    const dir = join(tmp.path, 'tolerance');
    await writeLinearModel(dir, { version: '1', goldenOffset: 4e-6 });
    const model = await loadModel(dir);
    expect(model.report.maxAbsError).toBeCloseTo(4e-6, 7);
  });

  it('refuses a card whose tensors are not the model\'s', async () => {
    const dir = join(tmp.path, 'tensors');
    await writeModelFolder(dir, {
      onnx: linearOnnx([[2]], [1]),
      card: { ...linearCard({ version: '1' }), inputs: [{ name: 'features', shape: ['batch', 1], type: 'float32' }] },
    });
    await expect(loadModel(dir)).rejects.toThrow(
      "card inputs 'features' are not inputs of model.onnx (it has 'x'); model.onnx also needs inputs 'x' that the card does not declare",
    );
  });

  it('refuses a folder with a missing file or an invalid card, naming the field', async () => {
    const dir = join(tmp.path, 'invalid');
    await writeLinearModel(dir, { version: '1' });
    await editCard(dir, (card) => {
      card.task = 'guess';
      delete card.golden;
    });
    await expect(loadModel(dir)).rejects.toThrow(/card\.json task: .*; card\.json golden: /);
    await rm(join(dir, 'model.onnx'));
    await expect(loadModel(dir)).rejects.toThrow(`no model.onnx in ${dir}`);
    await expect(loadModel(join(tmp.path, 'nowhere'))).rejects.toThrow('no card.json in');
  });

  it('refuses bytes onnxruntime cannot parse, even when the sha256 matches', async () => {
    const dir = join(tmp.path, 'garbage');
    await writeModelFolder(dir, { onnx: Buffer.from('not an onnx model'), card: linearCard({ version: '1' }) });
    await expect(loadModel(dir)).rejects.toThrow('onnxruntime cannot load model.onnx');
  });

  it('checks the name and version it was asked for', async () => {
    await expect(loadModel(join(tmp.path, 'good'), { expect: { name: 'other', version: '2' } })).rejects.toThrow(
      "card.json name is 'test-linear', expected 'other'; card.json version is '1', expected '2'",
    );
  });
});
