import { describe, expect, it } from 'vitest';
import { IF_ABSENT, PreconditionFailedError, type ObjectStore } from '../../shared/objects/port.js';

/** What every objects adapter must do the same way; each adapter's test file runs it on a fresh store. */
export function objectStoreContract(label: string, fresh: () => Promise<ObjectStore>): void {
  describe(`${label}: objects port contract`, () => {
    it('keeps bytes intact (binary, a view into a larger buffer) and reports size and generation', async () => {
      const store = await fresh();
      const backing = new Uint8Array([9, 9, 0, 1, 2, 0xfe, 0xff, 0x80, 13, 10, 9]);
      const info = await store.put('models/a/versions/1/model.onnx', backing.subarray(2, 10));
      expect(info).toMatchObject({ key: 'models/a/versions/1/model.onnx', size: 8 });
      expect(info.generation).toMatch(/\S/);
      expect(Number.isNaN(Date.parse(info.updated))).toBe(false);
      const got = await store.get('models/a/versions/1/model.onnx');
      expect([...got!.bytes]).toEqual([0, 1, 2, 0xfe, 0xff, 0x80, 13, 10]);
      expect(got!.info).toEqual(info);
      expect(await store.stat('models/a/versions/1/model.onnx')).toEqual(info);
      expect(await store.exists('models/a/versions/1/model.onnx')).toBe(true);
    });

    it('answers undefined / false for what is not there, including a key prefix that is a "folder"', async () => {
      const store = await fresh();
      await store.put('models/a/champion.json', Buffer.from('{}'));
      expect(await store.get('models/a/nothing.json')).toBeUndefined();
      expect(await store.stat('models/a/nothing.json')).toBeUndefined();
      expect(await store.exists('models/a')).toBe(false);
      expect(await store.get('models/a')).toBeUndefined();
      expect(await store.get('models/a/champion.json/deeper')).toBeUndefined();
    });

    it('replaces an object whole on put and gives it a new generation', async () => {
      const store = await fresh();
      const first = await store.put('k/v.json', Buffer.from('one'));
      const second = await store.put('k/v.json', Buffer.from('second'));
      expect(second.generation).not.toBe(first.generation);
      expect(Buffer.from((await store.get('k/v.json'))!.bytes).toString()).toBe('second');
    });

    it('honours ifGenerationMatch: IF_ABSENT only creates, a generation only replaces that generation', async () => {
      const store = await fresh();
      const created = await store.put('models/a/champion.json', Buffer.from('v1'), { ifGenerationMatch: IF_ABSENT });
      await expect(
        store.put('models/a/champion.json', Buffer.from('v1b'), { ifGenerationMatch: IF_ABSENT }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      const replaced = await store.put('models/a/champion.json', Buffer.from('v2'), {
        ifGenerationMatch: created.generation,
      });
      const stale = store.put('models/a/champion.json', Buffer.from('v3'), { ifGenerationMatch: created.generation });
      await expect(stale).rejects.toThrow(
        `object models/a/champion.json changed since generation ${created.generation} was read`,
      );
      const now = await store.get('models/a/champion.json');
      expect(Buffer.from(now!.bytes).toString()).toBe('v2');
      expect(now!.info.generation).toBe(replaced.generation);
    });

    it('lets exactly one of several racing IF_ABSENT writers win', async () => {
      const store = await fresh();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          store.put('models/a/versions/1/card.json', Buffer.from(`writer ${i}`), { ifGenerationMatch: IF_ABSENT }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected'))
        expect(r.reason).toBeInstanceOf(PreconditionFailedError);
    });

    it('lists by string prefix, sorted, across pages', async () => {
      const store = await fresh();
      const keys = [
        'models/b/champion.json',
        'models/a/versions/2/card.json',
        'models/a/versions/1/card.json',
        'models/ab/champion.json',
        'other/x',
        'models/a/champion.json',
      ];
      for (const k of keys) await store.put(k, Buffer.from(k));
      expect((await store.list('models/a/')).map((o) => o.key)).toEqual([
        'models/a/champion.json',
        'models/a/versions/1/card.json',
        'models/a/versions/2/card.json',
      ]);
      expect((await store.list('models/a')).map((o) => o.key)).toEqual([
        'models/a/champion.json',
        'models/a/versions/1/card.json',
        'models/a/versions/2/card.json',
        'models/ab/champion.json',
      ]);
      expect((await store.list('')).map((o) => o.key)).toEqual([...keys].sort());
      expect(await store.list('nothing/')).toEqual([]);
      const [one] = await store.list('other/');
      expect(one).toEqual(await store.stat('other/x'));
    });

    it('refuses keys that could escape the layout', async () => {
      const store = await fresh();
      for (const key of ['', '/abs', 'a//b', 'a/../b', '../b', 'a/./b', 'a/', 'a\\b', 'a/.kw-tmp-x']) {
        await expect(store.put(key, Buffer.from('x'))).rejects.toThrow('invalid object key');
      }
      await expect(store.list('../')).rejects.toThrow('invalid object prefix');
    });
  });
}
