import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';
import { ModelRefusedError } from '../../shared/models/errors.js';
import { modelCard } from '../../shared/models/card.js';
import { decidePromotion } from '../../shared/models/promotion.js';
import { ModelRegistry } from '../../shared/models/registry.js';
import { loadModel } from '../../shared/models/runtime.js';
import { linearOnnx, tempDir, writeLinearModel, type LinearModelOptions } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;

beforeAll(async () => {
  tmp = await tempDir('kw-registry-');
});
afterAll(async () => {
  await tmp.cleanup();
});

function registry(root = join(tmp.path, `registry-${n++}`)): ModelRegistry {
  return new ModelRegistry({ store: new LocalFolderStore(root), cacheDir: join(root, '..', `cache-${n++}`), now: () => new Date('2024-03-01T00:00:00Z') });
}

async function model(o: LinearModelOptions): Promise<string> {
  const dir = join(tmp.path, `model-${n++}`);
  // Each version gets different bytes (its own bias), as retrained models do.
  await writeLinearModel(dir, { bias: [Number(o.version.replace(/\D/g, '')) || 1], ...o });
  return dir;
}

describe('ModelRegistry.push: the promotion gate', () => {
  it('promotes the first version, then only a version whose primary metric is lower', async () => {
    const r = registry();
    expect(await r.push(await model({ version: 'v1', metric: 10 }))).toMatchObject({
      uploaded: true,
      promoted: true,
      reason: 'no champion yet: the first version becomes champion',
      champion: 'v1',
      previousChampion: null,
      goldenPairs: 2,
    });
    const better = await r.push(await model({ version: 'v2', metric: 9.5 }));
    expect(better).toMatchObject({ promoted: true, champion: 'v2', previousChampion: 'v1', reason: "mae 9.5 beats the champion v1's 10 (lower is better)" });
    expect(better.comparison).toEqual({ metric: 'mae', higherIsBetter: false, candidate: 9.5, champion: 10 });

    const worse = await r.push(await model({ version: 'v3', metric: 9.7 }));
    expect(worse).toMatchObject({ uploaded: true, promoted: false, champion: 'v2', reason: "mae 9.7 does not beat the champion v2's 9.5 (lower is better)" });
    const tie = await r.push(await model({ version: 'v4', metric: 9.5 }));
    expect(tie).toMatchObject({ promoted: false, champion: 'v2' });

    const pointer = await r.champion('test-linear');
    expect(pointer).toMatchObject({ version: 'v2', promotedAt: '2024-03-01T00:00:00.000Z', previous: 'v1', reason: "mae 9.5 beats the champion v1's 10 (lower is better)" });
    expect(pointer!.metrics.values.mae).toBe(9.5);
  });

  it('promotes a worse version when forced, and says what the rule alone would have decided', async () => {
    const r = registry();
    const v1 = await model({ version: 'v1', metric: 5 });
    await r.push(v1);
    const forced = await r.push(await model({ version: 'v2', metric: 6 }), { force: true });
    expect(forced).toMatchObject({ promoted: true, champion: 'v2', reason: "forced: mae 6 does not beat the champion v1's 5 (lower is better)" });
    // A rollback is the old version pushed again (same bytes: nothing uploaded); here the rule itself agrees.
    expect(await r.push(v1)).toMatchObject({ uploaded: false, promoted: true, champion: 'v1', previousChampion: 'v2' });
  });

  it('respects higherIsBetter', async () => {
    const r = registry();
    await r.push(await model({ version: 'v1', primary: 'coverage_score', higherIsBetter: true, metric: 0.7 }));
    expect(await r.push(await model({ version: 'v2', primary: 'coverage_score', higherIsBetter: true, metric: 0.6 }))).toMatchObject({
      promoted: false,
      reason: "coverage_score 0.6 does not beat the champion v1's 0.7 (higher is better)",
    });
    expect(await r.push(await model({ version: 'v3', primary: 'coverage_score', higherIsBetter: true, metric: 0.8 }))).toMatchObject({
      promoted: true,
      champion: 'v3',
    });
  });

  it('does not compare different metrics unless forced', async () => {
    const r = registry();
    await r.push(await model({ version: 'v1', primary: 'mae', metric: 5 }));
    const other = await model({ version: 'v2', primary: 'mase', metric: 0.1 });
    expect(await r.push(other)).toMatchObject({
      promoted: false,
      reason: "not comparable: the champion v1 is ranked by 'mae' and this version by 'mase'; push with --force to promote anyway",
    });
    expect(await r.push(other, { force: true })).toMatchObject({ uploaded: false, promoted: true, champion: 'v2' });
  });

  it('refuses to overwrite a version with different bytes, and accepts the same bytes again without uploading', async () => {
    const r = registry();
    const first = await model({ version: 'v1', metric: 5 });
    await r.push(first);
    const again = await r.push(first);
    expect(again).toMatchObject({ uploaded: false, promoted: false, reason: 'version v1 is already the champion' });

    const different = await model({ version: 'v1', metric: 4, bias: [7] });
    const error = (await r.push(different, { force: true }).catch((e: unknown) => e)) as ModelRefusedError;
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error.message).toMatch(/^model test-linear v1 \(nothing uploaded\) refused: version test-linear v1 in .* already exists with a different model\.onnx \(sha256 [0-9a-f]{64}, this one [0-9a-f]{64}\); versions are immutable: give this model a new version$/);

    // Same model.onnx, edited card (here: better metrics claimed after the fact).
    const edited = await model({ version: 'v1', metric: 3, bias: [1] });
    await expect(r.push(edited)).rejects.toThrow('already exists with the same model.onnx but a different card.json');
    const stored = await r.fetch('test-linear', 'v1');
    expect(modelCard.parse(JSON.parse(await readFile(join(stored, 'card.json'), 'utf8'))).metrics.values.mae).toBe(5);
  });

  it('uploads nothing for a model whose card sha256 does not match its file', async () => {
    const r = registry();
    const dir = await model({ version: 'v1', metric: 5 });
    await writeFile(join(dir, 'model.onnx'), linearOnnx([[5]], [5]));
    await expect(r.push(dir, { force: true })).rejects.toThrow(/^model test-linear v1 \(.*\) refused: sha256 of model\.onnx is [0-9a-f]{64} but card\.json says/);
    expect(await r.store.list('')).toEqual([]);
  });

  it('uploads nothing for a model whose golden outputs do not reproduce', async () => {
    const r = registry();
    const dir = await model({ version: 'v1', metric: 5, goldenOffset: 0.01 });
    const error = (await r.push(dir, { force: true }).catch((e: unknown) => e)) as ModelRefusedError;
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error.message).toContain('nothing uploaded) refused: golden pair 0');
    expect(await r.store.list('')).toEqual([]);
  });

  it('uploads nothing for a card without a value for its primary metric', async () => {
    const r = registry();
    const dir = await model({ version: 'v1', metric: 5 });
    const card = modelCard.parse(JSON.parse(await readFile(join(dir, 'card.json'), 'utf8')));
    card.metrics.primary = 'mase';
    await writeFile(join(dir, 'card.json'), JSON.stringify(card));
    await expect(r.push(dir)).rejects.toThrow("card.json metrics.values has no finite 'mase', the primary metric promotion compares");
    expect(await r.store.list('')).toEqual([]);
  });

  it('lets racing pushes end with the best version as champion', async () => {
    const root = join(tmp.path, `race-${n++}`);
    await registry(root).push(await model({ version: 'v0', metric: 10 }));
    const dirs = await Promise.all([5, 3, 4, 8].map((m, i) => model({ version: `v${i + 1}`, metric: m })));
    // Separate registry objects (as separate processes would be) over the same folder.
    const outcomes = await Promise.all(dirs.map((d) => registry(root).push(d)));
    expect(outcomes.every((o) => o.uploaded)).toBe(true);
    expect((await registry(root).champion('test-linear'))!.version).toBe('v2');
  });
});

describe('ModelRegistry.list, champion, fetch', () => {
  it('lists versions with their metrics and which one is champion, and fetches a version to the cache', async () => {
    const r = registry();
    const v1 = await model({ version: 'v1', metric: 5, createdAt: '2024-01-01T00:00:00Z' });
    await r.push(v1);
    await r.push(await model({ version: 'v2', metric: 6, createdAt: '2024-02-01T00:00:00Z' }));
    await r.push(await model({ name: 'other-model', version: '1', metric: 1 }));
    const all = await r.list();
    expect(all.map((m) => m.name)).toEqual(['other-model', 'test-linear']);
    const linear = all[1]!;
    expect(linear.champion!.version).toBe('v1');
    expect(linear.versions.map((v) => ({ version: v.version, mae: v.metrics.values.mae, champion: v.champion }))).toEqual([
      { version: 'v1', mae: 5, champion: true },
      { version: 'v2', mae: 6, champion: false },
    ]);
    expect(await r.list('other-model')).toHaveLength(1);
    expect(await r.list('nothing-here')).toEqual([]);
    expect(await r.champion('nothing-here')).toBeUndefined();

    const dir = await r.fetch('test-linear', 'v1');
    expect(dir).toBe(join(r.cacheDir, 'test-linear', 'v1'));
    const loaded = await loadModel(dir, { expect: { name: 'test-linear', version: 'v1' } });
    expect(loaded.sha256).toBe(modelCard.parse(JSON.parse(await readFile(join(v1, 'card.json'), 'utf8'))).sha256);
    expect(await r.fetch('test-linear', 'v1')).toBe(dir);
    await expect(r.fetch('test-linear', 'v9')).rejects.toThrow('no version v9 of model test-linear in');
  });

  it('refuses names and versions that do not fit the layout', async () => {
    const r = registry();
    await expect(r.list('Bad/Name')).rejects.toThrow('invalid model name "Bad/Name"');
    await expect(r.fetch('test-linear', '..')).rejects.toThrow('invalid model version ".."');
  });
});

describe('decidePromotion', () => {
  const metrics = (value: number, primary = 'mae', higherIsBetter = false) => ({ primary, higherIsBetter, values: { [primary]: value } });

  it('needs a strict improvement on the same metric in the same direction', () => {
    expect(decidePromotion({ version: 'b', metrics: metrics(1) }, { version: 'a', metrics: metrics(2) }).promote).toBe(true);
    expect(decidePromotion({ version: 'b', metrics: metrics(2) }, { version: 'a', metrics: metrics(2) }).promote).toBe(false);
    expect(decidePromotion({ version: 'b', metrics: metrics(3, 'f1', true) }, { version: 'a', metrics: metrics(2, 'f1', true) }).promote).toBe(true);
    expect(decidePromotion({ version: 'b', metrics: metrics(3, 'f1', true) }, { version: 'a', metrics: metrics(2, 'f1', false) })).toEqual({
      promote: false,
      reason: "not comparable: the champion a and this version disagree on whether a higher 'f1' is better; push with --force to promote anyway",
    });
    expect(decidePromotion({ version: 'b', metrics: metrics(Number.NaN) }, { version: 'a', metrics: metrics(2) }).promote).toBe(false);
  });

  it('compares untouched-slice figures only with untouched-slice figures', () => {
    const holdout = (untouched: boolean) => ({ from: '2018-09-03T15:15:00Z', to: '2018-10-01T15:00:00Z', origins: 28, untouched, rule: 'last 28 days' });
    const untouched = { ...metrics(1), holdout: holdout(true) };
    expect(decidePromotion({ version: 'b', metrics: untouched }, { version: 'a', metrics: { ...metrics(2), holdout: holdout(true) } }).promote).toBe(true);
    expect(decidePromotion({ version: 'b', metrics: untouched }, { version: 'a', metrics: metrics(2) })).toEqual({
      promote: false,
      reason: "not comparable: the champion a's figures come from a slice its card does not describe, this version's from an untouched one; push with --force to promote anyway",
    });
    expect(decidePromotion({ version: 'b', metrics: { ...metrics(1), holdout: holdout(false) } }, { version: 'a', metrics: metrics(2) }).reason).toMatch(
      /this version's figures come from a slice its training touched/,
    );
    expect(decidePromotion({ version: 'b', metrics: untouched }, { version: 'a', metrics: { ...metrics(2), holdout: holdout(false) } }, true).promote).toBe(true);
  });
});
