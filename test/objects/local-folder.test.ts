import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';
import { IF_ABSENT } from '../../shared/objects/port.js';
import { tempDir } from '../models/fixtures.js';
import { objectStoreContract } from './contract.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;
beforeAll(async () => {
  tmp = await tempDir('kw-objects-');
});
afterAll(async () => {
  await tmp.cleanup();
});

objectStoreContract('LocalFolderStore', async () => new LocalFolderStore(join(tmp.path, `store-${n++}`)));

describe('LocalFolderStore', () => {
  it('keeps the same key layout on disk and leaves no temporary or lock files behind', async () => {
    const root = join(tmp.path, 'layout');
    const store = new LocalFolderStore(root);
    await store.put('models/a/versions/1/model.onnx', Buffer.from('onnx'));
    await store.put('models/a/champion.json', Buffer.from('{"version":"1"}'), { ifGenerationMatch: IF_ABSENT });
    expect(await readFile(join(root, 'models', 'a', 'versions', '1', 'model.onnx'), 'utf8')).toBe('onnx');
    expect(await readdir(join(root, 'models', 'a'))).toEqual(['champion.json', 'versions']);
  });

  it('never shows a reader half a write', async () => {
    const store = new LocalFolderStore(join(tmp.path, 'atomic'));
    const big = (c: number) => Buffer.alloc(256 * 1024, c);
    await store.put('blob', big(1));
    const reads: number[] = [];
    await Promise.all([
      (async () => {
        for (let i = 2; i < 8; i++) await store.put('blob', big(i));
      })(),
      (async () => {
        for (let i = 0; i < 30; i++) {
          const got = (await store.get('blob'))!.bytes;
          expect(got.length).toBe(256 * 1024);
          expect(got.every((b) => b === got[0])).toBe(true);
          reads.push(got[0]!);
        }
      })(),
    ]);
    expect(reads.length).toBe(30);
  });

  it('hides its temporary and lock files from list, and takes over a lock left by a crashed writer', async () => {
    const root = join(tmp.path, 'locks');
    const store = new LocalFolderStore(root);
    await store.put('models/a/champion.json', Buffer.from('v1'));
    const lock = join(root, 'models', 'a', '.kw-lock-champion.json');
    await writeFile(lock, '12345\n');
    await mkdir(join(root, 'models', 'a', 'sub'), { recursive: true });
    await writeFile(join(root, 'models', 'a', '.kw-tmp-champion.json-1-abcd'), 'half');
    expect((await store.list('models/')).map((o) => o.key)).toEqual(['models/a/champion.json']);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const current = await store.stat('models/a/champion.json');
    await store.put('models/a/champion.json', Buffer.from('v2'), { ifGenerationMatch: current!.generation });
    expect(Buffer.from((await store.get('models/a/champion.json'))!.bytes).toString()).toBe('v2');
    expect((await readdir(join(root, 'models', 'a'))).filter((f) => f.startsWith('.kw-lock'))).toEqual([]);
  });

  it('reports its folder as the location', () => {
    expect(new LocalFolderStore('relative/reg').location).toBe(join(process.cwd(), 'relative', 'reg'));
  });
});
