import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { HistoryCache } from '../../shared/readings/clean/history-cache.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { withInsert } from '../support/warehouse-wrapper.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-invalidated';
const at = (minute: number) => new Date(Date.UTC(2024, 5, 1) + minute * 60_000).toISOString();
const reading = (minute: number, kw: number) => ({ deviceId: DEVICE, ts: at(minute), metrics: { power_kw: kw } });
const body = (...rs: unknown[]) => Buffer.from(JSON.stringify({ readings: rs }));

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * A failed readings write drops its device's history, to be loaded again from the warehouse. A delivery that
 * still cleans against the dropped history (it was waiting for a lookup) must not be missed by the one that
 * loads the new history: two histories of one device, each unaware of the other's value, store a conflict as new
 * and the warehouse's first-write-wins drops one value unseen.
 */
describe('a device history dropped after a failed write while another delivery still uses it', () => {
  it('judges the value that delivery stores when the next history is loaded', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const warehouse = stack.deps.warehouse;
    await ingestMessage(stack.deps, { messageId: 'first', data: body(reading(0, 10), reading(1, 10), reading(2, 10)) });

    const failA = gate();
    const lookupHeld = gate();
    const lookupStarted = gate();
    // A cold history of 2 values per metric: minute 0 is older than it covers and is looked up.
    const history = new HistoryCache(
      {
        recentReadings: (...args) => warehouse.recentReadings(...args),
        knownReadings: async (...args) => {
          lookupStarted.open();
          await lookupHeld.opened;
          return warehouse.knownReadings(...args);
        },
      },
      2,
    );
    const deps = {
      ...stack.deps,
      history,
      // A's readings write fails when the test says so.
      warehouse: withInsert(warehouse, async (table, rows) => {
        if (table.name === readings.name && (rows as readonly ReadingRow[]).some((r) => r.message_id === 'A')) {
          await failA.opened;
          throw new TransientError('readings write of A unavailable');
        }
        return warehouse.insert(table, rows);
      }),
    };
    const ingest = (messageId: string, data: Buffer) => ingestMessage(deps, { messageId, data });

    const a = ingest('A', body(reading(10, 1)));
    // B waits for its lookup of minute 0 with the history A wrote into; A's write then fails.
    const b = ingest('B', body(reading(0, 10), reading(20, 5)));
    await lookupStarted.opened;
    failA.open();
    await expect(a).rejects.toThrow(TransientError);
    // C loads the device's history again; B then cleans and stores its 5 at minute 20, where C sends 7.
    const c = ingest('C', body(reading(20, 7)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    lookupHeld.open();
    // Each delivery is acknowledged or delivered again until it is, as Pub/Sub does.
    const settled = async (id: string, data: Buffer, first: Promise<unknown>) => {
      for (
        let outcome = await first.then(
          () => true,
          () => false,
        );
        !outcome;
      )
        outcome = await ingest(id, data).then(
          () => true,
          () => false,
        );
    };
    await Promise.all([settled('B', body(reading(0, 10), reading(20, 5)), b), settled('C', body(reading(20, 7)), c)]);

    const stored = await stack.sql(`SELECT message_id, value FROM readings WHERE ts = $t::TIMESTAMPTZ`, { t: at(20) });
    const rejected = await stack.sql(`SELECT message_id, reason FROM rejected WHERE ts = $t::TIMESTAMPTZ`, {
      t: at(20),
    });
    expect(stored).toHaveLength(1);
    const loser = stored[0]!.message_id === 'B' ? 'C' : 'B';
    expect(rejected).toEqual([{ message_id: loser, reason: 'conflict' }]);
  });
});
