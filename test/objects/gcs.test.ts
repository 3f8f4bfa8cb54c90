import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTransient } from '../../shared/errors/transient.js';
import { GcsObjectStore, type GcsObjectStoreOptions } from '../../shared/objects/gcs.js';
import { IF_ABSENT, PreconditionFailedError } from '../../shared/objects/port.js';
import { ModelRegistry } from '../../shared/models/registry.js';
import { loadModel } from '../../shared/models/runtime.js';
import { FakeGcs, crc32cBase64 } from '../support/fake-gcs.js';
import { guardAgainstGoogleAuth } from '../support/no-google-auth.js';
import { tempDir, writeLinearModel } from '../models/fixtures.js';
import { objectStoreContract } from './contract.js';

const BUCKET = 'kw-models-test';

let fake: FakeGcs;
let guard: Awaited<ReturnType<typeof guardAgainstGoogleAuth>>;
let savedEmulatorHost: string | undefined;
let tmp: Awaited<ReturnType<typeof tempDir>>;

function store(options: Partial<GcsObjectStoreOptions> = {}): GcsObjectStore {
  return new GcsObjectStore({
    bucket: BUCKET,
    projectId: 'kw-test',
    apiEndpoint: fake.url,
    retry: { maxRetries: 0 },
    ...options,
  });
}

beforeAll(async () => {
  guard = await guardAgainstGoogleAuth();
  // The adapter must reach the fake through its options alone.
  savedEmulatorHost = process.env.STORAGE_EMULATOR_HOST;
  delete process.env.STORAGE_EMULATOR_HOST;
  tmp = await tempDir('kw-gcs-');
});

afterAll(async () => {
  if (savedEmulatorHost !== undefined) process.env.STORAGE_EMULATOR_HOST = savedEmulatorHost;
  await guard.restore();
  await tmp.cleanup();
  // No request went looking for Google credentials.
  expect(guard.hits).toEqual([]);
});

beforeEach(async () => {
  fake = await FakeGcs.start([BUCKET]);
});

afterEach(async () => {
  await fake.close();
  expect(fake.bugs).toEqual([]);
  for (const r of fake.requests) expect(r.headers.authorization).toBeUndefined();
});

objectStoreContract('GcsObjectStore against the fake JSON API', async () => store());

describe('GcsObjectStore: what the real client sends', () => {
  it('uploads a small object in one multipart request, with the precondition in the query and checksums checked', async () => {
    const bytes = Buffer.from([0, 1, 2, 3, 0xff]);
    const info = await store().put('models/a/versions/1/model.onnx', bytes, { ifGenerationMatch: IF_ABSENT });
    const [upload] = fake.requests;
    expect(fake.kinds()).toEqual(['upload-multipart']);
    expect(upload!.method).toBe('POST');
    expect(upload!.path).toBe(`/upload/storage/v1/b/${BUCKET}/o`);
    expect(upload!.query).toMatchObject({
      uploadType: 'multipart',
      name: 'models/a/versions/1/model.onnx',
      ifGenerationMatch: '0',
    });
    expect(String(upload!.headers['content-type'])).toMatch(/^multipart\/related; boundary=/);
    const stored = fake.object(BUCKET, 'models/a/versions/1/model.onnx')!;
    expect([...stored.bytes]).toEqual([...bytes]);
    expect(stored.contentType).toBe('application/octet-stream');
    expect(info).toEqual({
      key: 'models/a/versions/1/model.onnx',
      size: 5,
      generation: stored.generation,
      updated: stored.updated,
    });
  });

  it('uploads a large object as a resumable session: start, then the bytes with a Content-Range', async () => {
    const bytes = Buffer.alloc(3000, 7);
    await store({ resumableThresholdBytes: 1024 }).put('models/a/versions/1/model.onnx', bytes, {
      ifGenerationMatch: IF_ABSENT,
      contentType: 'application/octet-stream',
    });
    expect(fake.kinds()).toEqual(['upload-resumable-start', 'upload-resumable-put']);
    const [start, put] = fake.requests;
    expect(start!.query).toMatchObject({
      uploadType: 'resumable',
      name: 'models/a/versions/1/model.onnx',
      ifGenerationMatch: '0',
    });
    expect(start!.headers['x-upload-content-type']).toBe('application/octet-stream');
    expect(put!.method).toBe('PUT');
    expect(put!.query.upload_id).toBe('session-1');
    // The client streams the whole object in one request whose total it does not announce.
    expect(put!.headers['content-range']).toBe('bytes 0-*/*');
    expect(put!.body.length).toBe(3000);
    expect(fake.object(BUCKET, 'models/a/versions/1/model.onnx')!.bytes.equals(bytes)).toBe(true);
    expect(crc32cBase64(Buffer.from('123456789'))).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('reads the metadata, then the bytes of exactly that generation', async () => {
    const o = fake.putObject(BUCKET, 'models/a/champion.json', Buffer.from('{"version":"1"}'), 'application/json');
    const got = await store().get('models/a/champion.json');
    expect(Buffer.from(got!.bytes).toString()).toBe('{"version":"1"}');
    expect(got!.info.generation).toBe(o.generation);
    expect(fake.kinds()).toEqual(['object-metadata', 'object-media']);
    const [meta, media] = fake.requests;
    expect(meta!.path).toBe(`/storage/v1/b/${BUCKET}/o/models%2Fa%2Fchampion.json`);
    expect(media!.query).toMatchObject({ alt: 'media', generation: o.generation });
  });

  it('reads again when the object is replaced between its metadata and its bytes', async () => {
    fake.putObject(BUCKET, 'k', Buffer.from('old'));
    // The first download asks for a generation that no longer exists by the time it arrives.
    let replaced = false;
    fake.failNext(
      1,
      { kind: 'status', status: 404, reason: 'notFound', message: 'No such object: kw-models-test/k' },
      (r) => {
        if (r.kind !== 'object-media' || replaced) return false;
        replaced = true;
        fake.putObject(BUCKET, 'k', Buffer.from('new'));
        return true;
      },
    );
    const got = await store().get('k');
    expect(Buffer.from(got!.bytes).toString()).toBe('new');
    expect(fake.kinds()).toEqual(['object-metadata', 'object-media', 'object-metadata', 'object-media']);
  });

  it('catches bytes damaged in transit by the checksum the service sends (x-goog-hash), as a TransientError', async () => {
    fake.putObject(BUCKET, 'models/a/versions/1/model.onnx', Buffer.from('onnx bytes'));
    fake.damageDownloads = 1;
    const error = await store()
      .get('models/a/versions/1/model.onnx')
      .catch((e: unknown) => e);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toContain(
      'download of gs://kw-models-test/models/a/versions/1/model.onnx failed, worth a retry',
    );
    expect(Buffer.from((await store().get('models/a/versions/1/model.onnx'))!.bytes).toString()).toBe('onnx bytes');
  });

  it('follows nextPageToken when listing with a prefix', async () => {
    for (const k of ['models/a/1', 'models/a/2', 'models/a/3', 'models/a/4', 'models/a/5', 'other'])
      fake.putObject(BUCKET, k, Buffer.from(k));
    const listed = await store().list('models/');
    expect(listed.map((o) => o.key)).toEqual(['models/a/1', 'models/a/2', 'models/a/3', 'models/a/4', 'models/a/5']);
    const lists = fake.requests.filter((r) => r.kind === 'object-list');
    expect(lists).toHaveLength(3);
    expect(lists.every((r) => r.query.prefix === 'models/')).toBe(true);
    expect(lists.slice(1).every((r) => r.query.pageToken)).toBe(true);
  });

  it('turns 412 into PreconditionFailedError', async () => {
    fake.putObject(BUCKET, 'models/a/champion.json', Buffer.from('x'));
    const error = await store()
      .put('models/a/champion.json', Buffer.from('y'), { ifGenerationMatch: IF_ABSENT })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).message).toBe('object models/a/champion.json already exists (written by someone else)');
    expect(fake.requests.at(-1)!.kind).toBe('upload-multipart');
  });

  it('lets the client retry a 503 itself, then succeeds', async () => {
    fake.failNext(1);
    const info = await store({ retry: { maxRetries: 2, maxRetryDelaySeconds: 1 } }).put('k', Buffer.from('v'), {
      ifGenerationMatch: IF_ABSENT,
    });
    expect(info.size).toBe(1);
    expect(fake.kinds()).toEqual(['upload-multipart', 'upload-multipart']);
  });

  it('reports 429, 5xx and dropped connections as TransientError, other failures as permanent', async () => {
    fake.putObject(BUCKET, 'k', Buffer.from('v'));
    fake.failNext(1, { kind: 'status', status: 429, reason: 'rateLimitExceeded' });
    const limited = await store()
      .get('k')
      .catch((e: unknown) => e);
    expect(isTransient(limited)).toBe(true);
    expect((limited as Error).message).toMatch(
      /^Cloud Storage metadata get of gs:\/\/kw-models-test\/k failed, worth a retry: /,
    );

    fake.failNext(1, { kind: 'status', status: 502, html: true });
    expect(
      isTransient(
        await store()
          .list('')
          .catch((e: unknown) => e),
      ),
    ).toBe(true);

    fake.failNext(1, { kind: 'reset' });
    expect(
      isTransient(
        await store()
          .put('k2', Buffer.from('v'), { ifGenerationMatch: IF_ABSENT })
          .catch((e: unknown) => e),
      ),
    ).toBe(true);

    fake.failNext(1, {
      kind: 'status',
      status: 403,
      reason: 'forbidden',
      message: 'caller does not have storage.objects.get access',
    });
    const denied = await store()
      .stat('k')
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Error);
    expect(isTransient(denied)).toBe(false);
    expect((denied as Error).message).toContain('caller does not have storage.objects.get access');
  });

  it('says so when the bucket does not exist instead of reporting "no object"', async () => {
    const missing = store({ bucket: 'kw-no-such-bucket' });
    await expect(missing.get('models/a/champion.json')).rejects.toThrow('The specified bucket does not exist.');
    await expect(missing.list('models/')).rejects.toThrow('The specified bucket does not exist.');
  });

  it('refuses an invalid bucket name up front', () => {
    expect(() => new GcsObjectStore({ bucket: 'Bad_Bucket!' })).toThrow('invalid Cloud Storage bucket name');
  });
});

describe('ModelRegistry over Cloud Storage', () => {
  it('pushes, promotes, lists and fetches a model through the JSON API', async () => {
    const registry = new ModelRegistry({ store: store(), cacheDir: `${tmp.path}/cache-${Date.now()}` });
    const dir = `${tmp.path}/m1`;
    const card = await writeLinearModel(dir, { name: 'steel-estimate', version: '2024.1', metric: 0.05 });
    const outcome = await registry.push(dir);
    expect(outcome).toMatchObject({
      name: 'steel-estimate',
      version: '2024.1',
      location: `gs://${BUCKET}/models/steel-estimate/versions/2024.1`,
      uploaded: true,
      promoted: true,
      champion: '2024.1',
      previousChampion: null,
    });
    expect(fake.objectNames(BUCKET)).toEqual([
      'models/steel-estimate/champion.json',
      'models/steel-estimate/versions/2024.1/card.json',
      'models/steel-estimate/versions/2024.1/model.onnx',
    ]);
    // Every write carried a precondition: versions only if absent, the champion against what was read.
    const uploads = fake.requests.filter((r) => r.kind === 'upload-multipart');
    expect(uploads.map((r) => [r.query.name, r.query.ifGenerationMatch])).toEqual([
      ['models/steel-estimate/versions/2024.1/model.onnx', '0'],
      ['models/steel-estimate/versions/2024.1/card.json', '0'],
      ['models/steel-estimate/champion.json', '0'],
    ]);

    const better = `${tmp.path}/m2`;
    await writeLinearModel(better, { name: 'steel-estimate', version: '2024.2', metric: 0.03, bias: [2] });
    const championGeneration = fake.object(BUCKET, 'models/steel-estimate/champion.json')!.generation;
    expect(await registry.push(better)).toMatchObject({
      promoted: true,
      champion: '2024.2',
      previousChampion: '2024.1',
    });
    const championWrite = fake.requests.filter((r) => r.kind === 'upload-multipart').at(-1)!;
    expect(championWrite.query).toMatchObject({
      name: 'models/steel-estimate/champion.json',
      ifGenerationMatch: championGeneration,
    });

    const [summary] = await registry.list();
    expect(summary!.champion!.version).toBe('2024.2');
    expect(summary!.versions.map((v) => [v.version, v.champion])).toEqual([
      ['2024.1', false],
      ['2024.2', true],
    ]);
    const fetched = await loadModel(await registry.fetch('steel-estimate', '2024.1'));
    expect(fetched.sha256).toBe(card.sha256);
    expect([...(await fetched.run({ x: [1] })).y!.data]).toEqual([3]);
  });
});
