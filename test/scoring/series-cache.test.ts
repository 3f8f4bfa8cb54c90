import { describe, expect, it } from 'vitest';
import { STREAM_DEFAULTS } from '../../shared/anomaly/stream/detector.js';
import { KeyedQueue, SeriesCache, SeriesState } from '../../shared/scoring/series-cache.js';

describe('SeriesCache', () => {
  it('keeps at most maxSeries states, dropping the least recently used', () => {
    const cache = new SeriesCache(2);
    cache.useModel('stream-univariate@1.0.0');
    const a = new SeriesState(STREAM_DEFAULTS);
    cache.set('d1', 'power_kw', a);
    cache.set('d1', 'temperature_c', new SeriesState(STREAM_DEFAULTS));
    expect(cache.get('d1', 'power_kw')).toBe(a); // now the most recent
    cache.set('d2', 'power_kw', new SeriesState(STREAM_DEFAULTS));
    expect(cache.size).toBe(2);
    expect(cache.get('d1', 'temperature_c')).toBeUndefined();
    expect(cache.get('d1', 'power_kw')).toBe(a);
  });

  it("forgets a device's series on invalidate, and every series when the model version changes", () => {
    const cache = new SeriesCache(10);
    cache.useModel('m@1');
    cache.set('d1', 'a', new SeriesState(STREAM_DEFAULTS));
    cache.set('d2', 'a', new SeriesState(STREAM_DEFAULTS));
    cache.invalidate(['d1']);
    expect(cache.get('d1', 'a')).toBeUndefined();
    expect(cache.get('d2', 'a')).toBeDefined();
    cache.useModel('m@1');
    expect(cache.size).toBe(1);
    cache.useModel('m@2');
    expect(cache.size).toBe(0);
  });

  it('a state is warm after the detector learning rows', () => {
    const state = new SeriesState(STREAM_DEFAULTS);
    expect(state.detector.warmupRows).toBe(388);
    for (let i = 0; i < 388; i++) {
      expect(state.warm).toBe(false);
      state.detector.step(i % 7);
      state.stepped++;
    }
    expect(state.warm).toBe(true);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key one after the other, in call order, even after a failure', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const first = queue.run('d', async () => {
      await wait(20);
      order.push('d1');
      throw new Error('boom');
    });
    const second = queue.run('d', async () => void order.push('d2'));
    const other = queue.run('e', async () => void order.push('e1'));
    await expect(first).rejects.toThrow('boom');
    await Promise.all([second, other]);
    expect(order).toEqual(['e1', 'd1', 'd2']);
  });
});
