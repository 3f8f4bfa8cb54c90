import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../shared/objects/port.js';
import { ChampionModel, ModelNotFoundError } from '../../shared/models/runtime.js';
import { ModelRegistry } from '../../shared/models/registry.js';
import { linearOnnx, plantChampion, tempDir, writeLinearModel, type LinearModelOptions } from './fixtures.js';

/** The objects port with a counter per key and a switch that makes reads fail, as an unreachable bucket would. */
class FlakyStore implements ObjectStore {
  readonly reads = new Map<string, number>();
  failReads: ((key: string) => Error | undefined) | undefined;
  constructor(private readonly inner: ObjectStore) {}
  get location() {
    return this.inner.location;
  }
  private read(key: string) {
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    const failure = this.failReads?.(key);
    if (failure) throw failure;
  }
  async get(key: string): Promise<StoredObject | undefined> {
    this.read(key);
    return this.inner.get(key);
  }
  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.read(key);
    return this.inner.stat(key);
  }
  exists(key: string) {
    return this.inner.exists(key);
  }
  put(key: string, bytes: Uint8Array, options?: PutOptions) {
    return this.inner.put(key, bytes, options);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
}

const NAME = 'test-linear';
const POINTER = `models/${NAME}/champion.json`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;
let clock = 0;
let store: FlakyStore;
let registry: ModelRegistry;
let logs: string[];

beforeAll(async () => {
  tmp = await tempDir('kw-champion-');
});
afterAll(async () => {
  await tmp.cleanup();
});
beforeEach(() => {
  clock = 1_000_000;
  const root = join(tmp.path, `registry-${n++}`);
  store = new FlakyStore(new LocalFolderStore(root));
  registry = new ModelRegistry({ store, cacheDir: join(tmp.path, `cache-${n++}`) });
  logs = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

function holder(fallbackDir?: string): ChampionModel {
  return new ChampionModel(NAME, { registry, refreshSeconds: 60, now: () => clock, ...(fallbackDir ? { fallbackDir } : {}) });
}

async function model(o: LinearModelOptions): Promise<string> {
  const dir = join(tmp.path, `model-${n++}`);
  await writeLinearModel(dir, { bias: [Number(o.version.replace(/\D/g, ''))], ...o });
  return dir;
}

/** What the served model computes for x = 0 (its bias, which differs per version here). */
async function servedBias(h: ChampionModel): Promise<number> {
  return (await (await h.get()).run({ x: [0] })).y!.data[0]!;
}

function warnings(): Array<Record<string, unknown>> {
  return logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.severity === 'WARNING');
}

describe('ChampionModel', () => {
  it('loads the champion once and reads the pointer again only after the refresh interval', async () => {
    await registry.push(await model({ version: 'v1', metric: 5 }));
    store.reads.clear();
    const h = holder();
    const first = await h.get();
    expect(first.version).toBe('v1');
    clock += 59_000;
    expect(await h.get()).toBe(first);
    expect(store.reads.get(POINTER)).toBe(1);

    await registry.push(await model({ version: 'v2', metric: 4 }));
    expect((await h.get()).version).toBe('v1');
    clock += 1_000;
    const second = await h.get();
    expect(second.version).toBe('v2');
    expect(await servedBias(h)).toBe(2);
    expect(h.status()).toMatchObject({ name: NAME, version: 'v2', source: 'registry', lastError: null, rejected: [] });
    expect(logs.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ severity: 'INFO', message: 'serving a new champion', version: 'v2', previous: 'v1' }),
    );
  });

  it('shares one pointer read among concurrent callers', async () => {
    await registry.push(await model({ version: 'v1', metric: 5 }));
    store.reads.clear();
    const h = holder();
    const models = await Promise.all(Array.from({ length: 10 }, () => h.get()));
    expect(new Set(models).size).toBe(1);
    expect(store.reads.get(POINTER)).toBe(1);
  });

  it('keeps serving the previous version when the new champion fails verification, and does not retry it', async () => {
    await registry.push(await model({ version: 'v1', metric: 5 }));
    const h = holder();
    expect(await servedBias(h)).toBe(1);

    // A champion whose golden outputs do not reproduce, put in place behind the registry's back.
    const broken = await model({ version: 'v2', goldenOffset: 0.5 });
    await plantChampion(store, broken, NAME, 'v2', '2024-03-01T00:00:00Z');
    clock += 60_000;
    expect((await h.get()).version).toBe('v1');
    expect(await servedBias(h)).toBe(1);
    const [warning] = warnings();
    expect(warning).toMatchObject({ model: NAME, serving: 'v1' });
    expect(String(warning!.message)).toMatch(/^champion v2 of test-linear cannot be served: model test-linear v2 \(.*\) refused: golden pair 0, .*; keeping version v1$/);
    expect(h.status()).toMatchObject({ version: 'v1', rejected: ['v2'] });
    expect(h.status().lastError).toContain('golden pair 0');

    // The refused version is not downloaded again at every check.
    const downloads = store.reads.get(`models/${NAME}/versions/v2/model.onnx`);
    clock += 60_000;
    expect((await h.get()).version).toBe('v1');
    expect(store.reads.get(`models/${NAME}/versions/v2/model.onnx`)).toBe(downloads);

    // A champion whose file does not match its card is refused the same way.
    const tampered = await model({ version: 'v3' });
    await writeFile(join(tampered, 'model.onnx'), linearOnnx([[2]], [9]));
    await plantChampion(store, tampered, NAME, 'v3');
    clock += 60_000;
    expect((await h.get()).version).toBe('v1');
    expect(h.status().lastError).toMatch(/sha256 of model\.onnx is [0-9a-f]{64} but card\.json says/);

    // A good champion is picked up at the next check.
    await registry.push(await model({ version: 'v4', metric: 1 }), { force: true });
    clock += 60_000;
    expect(await servedBias(h)).toBe(4);
    expect(h.status()).toMatchObject({ version: 'v4', lastError: null, rejected: [] });
  });

  it('keeps serving when the registry cannot be reached or the download fails, and retries at the next check', async () => {
    await registry.push(await model({ version: 'v1', metric: 5 }));
    const h = holder();
    await h.get();
    await registry.push(await model({ version: 'v2', metric: 4 }));

    store.failReads = () => new TransientError('Cloud Storage metadata get failed, worth a retry: 503');
    clock += 60_000;
    expect((await h.get()).version).toBe('v1');
    expect(String(warnings()[0]!.message)).toMatch(/^cannot read the champion pointer of test-linear in .*: Cloud Storage metadata get failed, worth a retry: 503; keeping version v1$/);

    store.failReads = (key) => (key.endsWith('v2/model.onnx') ? new TransientError('connection reset') : undefined);
    clock += 60_000;
    expect((await h.get()).version).toBe('v1');
    expect(String(warnings()[1]!.message)).toBe('champion v2 of test-linear cannot be served: connection reset; keeping version v1');
    expect(h.status().rejected).toEqual([]);

    store.failReads = undefined;
    clock += 60_000;
    expect((await h.get()).version).toBe('v2');
  });

  it('serves the committed default while the registry has no champion, then the registry champion', async () => {
    const committed = await model({ version: 'committed-1', bias: [7] });
    const h = holder(committed);
    expect(await servedBias(h)).toBe(7);
    expect(h.status()).toMatchObject({ version: 'committed-1', source: 'committed' });
    expect(warnings()).toEqual([]);

    await registry.push(await model({ version: 'v1', metric: 5 }));
    clock += 60_000;
    expect(await servedBias(h)).toBe(1);
    expect(h.status().source).toBe('registry');
  });

  it('falls back to the committed default when the first champion cannot be loaded', async () => {
    const broken = await model({ version: 'v2', goldenOffset: 1 });
    await plantChampion(store, broken, NAME, 'v2');
    const h = holder(await model({ version: 'committed-1', bias: [7] }));
    expect(await servedBias(h)).toBe(7);
    expect(String(warnings()[0]!.message)).toMatch(/cannot be served: .*; serving the committed default$/);
  });

  it('fails clearly when there is nothing to serve', async () => {
    const error = await holder().get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(/^no champion for test-linear in .*\/models, and no committed default models\/test-linear \(card\.json \+ model\.onnx\)$/);

    await plantChampion(store, await model({ version: 'v2', goldenOffset: 1 }), NAME, 'v2');
    await expect(holder().get()).rejects.toThrow(/^model test-linear v2 \(.*\) refused: golden pair 0/);
  });

  it('reads the cached copy when the version was fetched before', async () => {
    const dir = await model({ version: 'v1', metric: 5 });
    await registry.push(dir);
    store.reads.clear();
    await holder().get();
    await holder().get();
    expect(store.reads.get(`models/${NAME}/versions/v1/model.onnx`)).toBe(1);
    expect(await readFile(join(registry.cacheDir, NAME, 'v1', 'model.onnx'))).toEqual(await readFile(join(dir, 'model.onnx')));
  });
});
