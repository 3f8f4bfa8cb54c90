import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env.js';
import { championModel, committedModelDir, ModelNotFoundError, openRegistry, resolveModel } from '../../shared/models/runtime.js';
import { tempDir, writeLinearModel } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;

beforeAll(async () => {
  tmp = await tempDir('kw-resolve-');
});
afterAll(async () => {
  await tmp.cleanup();
});

function config() {
  const base = join(tmp.path, `env-${n++}`);
  return loadConfig({
    KILOWATCH_DATA_DIR: join(base, 'data'),
    KILOWATCH_REGISTRY_DIR: join(base, 'registry'),
    KILOWATCH_MODELS_DIR: join(base, 'committed'),
  });
}

describe('resolveModel', () => {
  it('loads a folder holding card.json', async () => {
    const dir = join(tmp.path, 'folder-model');
    await writeLinearModel(dir, { name: 'some-model', version: '7' });
    const model = await resolveModel(dir, { config: config() });
    expect([model.name, model.version]).toEqual(['some-model', '7']);
  });

  it('resolves a name to the registry champion, else to the committed default models/<name>', async () => {
    const c = config();
    await writeLinearModel(join(c.KILOWATCH_MODELS_DIR, 'steel-estimate'), { name: 'steel-estimate', version: 'committed', bias: [5] });
    expect(committedModelDir(c, 'steel-estimate')).toBe(join(c.KILOWATCH_MODELS_DIR, 'steel-estimate'));
    expect((await resolveModel('steel-estimate', { config: c })).version).toBe('committed');

    const registry = await openRegistry(c);
    expect(registry.location).toBe(join(c.KILOWATCH_REGISTRY_DIR, 'models'));
    const pushed = join(tmp.path, 'pushed');
    await writeLinearModel(pushed, { name: 'steel-estimate', version: '2', metric: 1 });
    await registry.push(pushed);
    // The shared holder re-reads the pointer only after KILOWATCH_CHAMPION_REFRESH_S; force it here.
    await (await championModel('steel-estimate', c)).refresh();
    expect((await resolveModel('steel-estimate', { config: c })).version).toBe('2');
    expect(await championModel('steel-estimate', c)).toBe(await championModel('steel-estimate', c));
  });

  it('says what is wrong with a reference that names nothing', async () => {
    const c = config();
    await expect(resolveModel('no-such-model', { config: c })).rejects.toThrow(
      /^no champion for no-such-model in .*\/registry\/models, and no committed default models\/no-such-model \(card\.json \+ model\.onnx\)$/,
    );
    await expect(resolveModel('./missing/folder', { config: c })).rejects.toThrow(/^no model folder at .*\/missing\/folder$/);
    await expect(resolveModel('Not A Name', { config: c })).rejects.toThrow("'Not A Name' is neither a model folder (with card.json) nor a model name");
    const empty = join(tmp.path, 'empty-folder');
    await mkdir(empty);
    const error = await resolveModel(empty, { config: c }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toBe(`${empty} is a folder without card.json: a model folder holds model.onnx and card.json`);
  });

  it('needs the models bucket on the gcp backend', async () => {
    const c = loadConfig({ KILOWATCH_BACKEND: 'gcp', GOOGLE_CLOUD_PROJECT: 'p' });
    await expect(openRegistry(c)).rejects.toThrow('KILOWATCH_MODELS_BUCKET: required when KILOWATCH_BACKEND=gcp');
    const withBucket = await openRegistry(loadConfig({ KILOWATCH_BACKEND: 'gcp', GOOGLE_CLOUD_PROJECT: 'p', KILOWATCH_MODELS_BUCKET: 'p-models-dev' }));
    expect(withBucket.location).toBe('gs://p-models-dev/models');
  });
});
