import { describe, expect, it } from 'vitest';
import { Pacer } from '../../shared/ingest/pacer.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A burst of `count` works of `ms` each, all released at once, and the works after which the loop turned. */
async function burst(pacer: Pacer | undefined, count: number, ms: number) {
  const order: number[] = [];
  const turnsAfter: number[] = [];
  let watching = true;
  const watch = () =>
    setImmediate(() => {
      turnsAfter.push(order.length);
      if (watching) watch();
    });
  watch();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const works = Array.from({ length: count }, (_, i) =>
    released.then(() => {
      const work = async () => {
        busy(ms);
        order.push(i);
      };
      return pacer ? pacer.run(work) : work();
    }),
  );
  release();
  await Promise.all(works);
  watching = false;
  return { order, turnsAfter: [...new Set(turnsAfter)].filter((n) => n > 0 && n < count) };
}

describe('pacer: a burst of synchronous work given turns of the event loop', () => {
  it('without it, a burst released at once runs to its end before the loop turns', async () => {
    const { turnsAfter } = await burst(undefined, 12, 5);
    expect(turnsAfter).toEqual([]);
  });

  it('with it, the loop turns every budget of work, and the works run in call order', async () => {
    const { order, turnsAfter } = await burst(new Pacer(12), 12, 5);
    expect(order).toEqual([...Array(12).keys()]);
    // 60 ms of work in stretches of about 15 ms: the loop turns several times in between.
    expect(turnsAfter.length).toBeGreaterThanOrEqual(3);
    expect(turnsAfter.length).toBeLessThanOrEqual(11);
  });

  it('runs work at once when the loop is free, and passes on its result', async () => {
    const pacer = new Pacer(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    let ranBeforeAnyTurn = false;
    let turned = false;
    setImmediate(() => (turned = true));
    const result = await pacer.run(async () => {
      ranBeforeAnyTurn = !turned;
      return 42;
    });
    expect(result).toBe(42);
    expect(ranBeforeAnyTurn).toBe(true);
  });
});
