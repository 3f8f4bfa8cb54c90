import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGcs } from '../support/fake-gcs.js';
import { linearOnnx, tempDir, writeLinearModel } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tmp: Awaited<ReturnType<typeof tempDir>>;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function kilowatch(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/kilowatch.js', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: 60_000 }, (error, stdout, stderr) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // Left empty: the assertions on json then fail and print stdout/stderr.
      }
      resolve({ code: error ? (error as { code?: number }).code ?? 1 : 0, stdout, stderr, json });
    });
  });
}

beforeAll(async () => {
  tmp = await tempDir('kw-cli-');
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KILOWATCH_REGISTRY_DIR: join(tmp.path, 'registry'),
    KILOWATCH_DATA_DIR: join(tmp.path, 'data'),
    KILOWATCH_MODELS_DIR: join(tmp.path, 'committed'),
  };
  await writeLinearModel(join(tmp.path, 'v1'), { name: 'cli-model', version: 'v1', metric: 5 });
  await writeLinearModel(join(tmp.path, 'v2'), { name: 'cli-model', version: 'v2', metric: 6, bias: [2] });
  await writeLinearModel(join(tmp.path, 'bad'), { name: 'cli-model', version: 'v3', metric: 1, goldenOffset: 0.25 });
  await writeLinearModel(join(tmp.path, 'committed', 'cli-default'), { name: 'cli-default', version: 'c1' });
});

afterAll(async () => {
  await tmp.cleanup();
});

describe('kilowatch models (through node bin/kilowatch.js)', () => {
  it('verify prints the check as JSON and exits 0, or 1 naming the mismatch', async () => {
    const ok = await kilowatch(['models', 'verify', join(tmp.path, 'v1')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, name: 'cli-model', version: 'v1', goldenPairs: 2, goldenValues: 5, maxAbsError: 0, problems: [] });
    expect(ok.json.sha256).toMatch(/^[0-9a-f]{64}$/);

    const bad = await kilowatch(['models', 'verify', join(tmp.path, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ ok: false, goldenPairs: 2, maxAbsError: 0.25 });
    expect((bad.json.problems as string[])[0]).toBe("golden pair 0, output 'y'[0]: expected -1.75, got -2 (|error| 0.25 > goldenTolerance 0.00001)");
  });

  it('push uploads and promotes by the rule, --force overrides it, a broken model is refused with exit 1', async () => {
    const first = await kilowatch(['models', 'push', join(tmp.path, 'v1')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, version: 'v1', uploaded: true, promoted: true, champion: 'v1' });
    expect(first.json.registry).toBe(join(tmp.path, 'registry', 'models'));

    const worse = await kilowatch(['models', 'push', join(tmp.path, 'v2')]);
    expect(worse.json).toMatchObject({ ok: true, version: 'v2', uploaded: true, promoted: false, champion: 'v1', reason: "mae 6 does not beat the champion v1's 5 (lower is better)" });

    const forced = await kilowatch(['models', 'push', join(tmp.path, 'v2'), '--force']);
    expect(forced.json).toMatchObject({ ok: true, uploaded: false, promoted: true, champion: 'v2', previousChampion: 'v1' });

    const refused = await kilowatch(['models', 'push', join(tmp.path, 'bad'), '--force']);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false });
    expect(String(refused.json.error)).toContain('nothing uploaded) refused: golden pair 0');

    const list = await kilowatch(['models', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const models = list.json.models as Array<{ name: string; champion: { version: string }; versions: Array<{ version: string; champion: boolean }> }>;
    expect(models).toHaveLength(1);
    expect(models[0]!.champion.version).toBe('v2');
    expect(models[0]!.versions.map((v) => [v.version, v.champion])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    expect(list.json.committed).toEqual([
      expect.objectContaining({ name: 'cli-default', version: 'c1', dir: join(tmp.path, 'committed', 'cli-default') }),
    ]);
    const one = await kilowatch(['models', 'list', 'cli-default']);
    expect(one.json).toMatchObject({ models: [], committed: [{ name: 'cli-default' }] });
  });

  it('push goes to Cloud Storage with KILOWATCH_BACKEND=gcp and KILOWATCH_MODELS_BUCKET', async () => {
    const fake = await FakeGcs.start(['kw-cli-models']);
    try {
      const pushed = await kilowatch(['models', 'push', join(tmp.path, 'v1')], {
        KILOWATCH_BACKEND: 'gcp',
        GOOGLE_CLOUD_PROJECT: 'kw-test',
        KILOWATCH_MODELS_BUCKET: 'kw-cli-models',
        STORAGE_API_ENDPOINT: fake.url,
        GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/kilowatch-test-credentials.json',
        // A credential lookup would fail here (nothing listens), failing the push.
        GCE_METADATA_HOST: '127.0.0.1:9',
      });
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.json).toMatchObject({ ok: true, registry: 'gs://kw-cli-models/models', location: 'gs://kw-cli-models/models/cli-model/versions/v1', promoted: true });
      expect(fake.objectNames('kw-cli-models')).toEqual([
        'models/cli-model/champion.json',
        'models/cli-model/versions/v1/card.json',
        'models/cli-model/versions/v1/model.onnx',
      ]);
      expect(fake.bugs).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('verify refuses a file the card does not describe', async () => {
    const dir = join(tmp.path, 'tampered');
    await writeLinearModel(dir, { name: 'cli-model', version: 'v9' });
    await writeFile(join(dir, 'model.onnx'), linearOnnx([[1]], [0]));
    const run = await kilowatch(['models', 'verify', dir]);
    expect(run.code).toBe(1);
    expect((run.json.problems as string[])[0]).toMatch(/^sha256 of model\.onnx is [0-9a-f]{64} but card\.json says [0-9a-f]{64}/);
  });
});
