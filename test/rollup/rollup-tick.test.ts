import { describe, expect, it } from 'vitest';
import { handleRollupTick } from '../../shared/rollup/handle-tick.js';
import type { RollupStore } from '../../shared/rollup/port.js';
import type { RollupLevel, RollupRunRow } from '../../shared/warehouse/schema/tables.js';

/** A store that records what the use-case asks of it: the tick's parsing is what this file tests. */
class RecordingStore implements RollupStore {
  readonly merges: Array<{ level: RollupLevel; from: string; to: string }> = [];
  readonly runs: RollupRunRow[] = [];
  watermarks() {
    return Promise.resolve({});
  }
  oldestReading() {
    return Promise.resolve('2024-03-01T00:00:00.000Z');
  }
  merge(level: RollupLevel, range: { from: string; to: string }) {
    this.merges.push({ level, ...range });
    return Promise.resolve(1);
  }
  recordRun(run: RollupRunRow) {
    this.runs.push(run);
    return Promise.resolve();
  }
}

const push = (body: string) => ({
  id: 'e1',
  data: { message: { data: Buffer.from(body).toString('base64'), messageId: 'm1' }, subscription: 's' },
});
const deps = (store: RollupStore) => ({
  store,
  lateHours: 48,
  maxDays: 92,
  now: () => Date.parse('2024-03-11T08:30:00Z'),
});

describe('the rollup function tick', () => {
  it("the scheduler's body runs every level from the oldest reading; { from } recomputes from there", async () => {
    const store = new RecordingStore();
    const runs = await handleRollupTick(deps(store), push('{"kind":"rollup-tick"}'));
    expect(runs.map((r) => r.level)).toEqual(['hour', 'day', 'week', 'month']);
    expect(store.merges[0]).toEqual({
      level: 'hour',
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-03-11T08:00:00.000Z',
    });
    const again = new RecordingStore();
    await handleRollupTick(deps(again), push('{"from":"2024-03-05T10:00:00Z"}'));
    expect(again.merges[0]!.from).toBe('2024-03-05T10:00:00.000Z');
  });

  it('an unreadable tick or a bad from is acknowledged and runs nothing', async () => {
    const store = new RecordingStore();
    expect(await handleRollupTick(deps(store), push('not json'))).toEqual([]);
    expect(await handleRollupTick(deps(store), push('{"from":"yesterday"}'))).toEqual([]);
    expect(store.merges).toEqual([]);
  });
});
