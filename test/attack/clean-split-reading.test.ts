import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, Destination, OutgoingMessage } from '../../shared/bus/port.js';
import { CleanPublisher, cleanOrderingKey } from '../../shared/ingest/clean-publisher.js';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { decodeCleanPayload } from '../../shared/readings/clean-payload.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The stack's bus, keeping a copy of every readings-clean message published. */
function recording(inner: Bus): Bus & { readonly clean: OutgoingMessage[] } {
  const clean: OutgoingMessage[] = [];
  return {
    clean,
    publish: (topic: Destination, messages: readonly OutgoingMessage[]) => {
      if (topic === 'readingsClean') clean.push(...messages);
      return inner.publish(topic, messages);
    },
    deadLetter: (...args) => inner.deadLetter(...args),
    close: () => inner.close(),
  };
}

// Three machines on one readings-clean ordering key.
const fleet = Array.from({ length: 60 }, (_, i) => `sim-plant/machine-split-${i}`);
const [filler, a, b] = fleet.filter((d) => cleanOrderingKey(d) === cleanOrderingKey(fleet[0]!)) as [
  string,
  string,
  string,
];
const at = (minute: number) => new Date(Date.UTC(2024, 0, 1) + minute * 60_000).toISOString();

/**
 * A gateway that batches one metric per reading sends one instant of a machine as several readings, with other
 * machines' readings of that instant between them. Past 1,000 rows a key is split into several readings-clean
 * messages: one instant of a machine must still go out whole, or the scorer's load models judge its temperature
 * against a power value that comes only in the next message.
 */
describe('readings-clean split of a key past 1,000 rows', () => {
  it("never puts one machine's instant into two messages when another machine's readings of it come between", async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const bus = recording(stack.deps.bus);
    const deps = { ...stack.deps, bus, cleanPublisher: new CleanPublisher(bus, 10) };
    const readings = [
      // 333 readings of 3 metrics: 999 rows before the instant.
      ...Array.from({ length: 333 }, (_, i) => ({
        deviceId: filler,
        ts: at(i),
        metrics: { power_kw: 50, temperature_c: 40, vibration_mm_s: 2 },
      })),
      { deviceId: a, ts: at(400), metrics: { power_kw: 60 } },
      { deviceId: b, ts: at(400), metrics: { power_kw: 70 } },
      { deviceId: a, ts: at(400), metrics: { temperature_c: 45 } },
    ];
    const summary = await ingestMessage(deps, {
      messageId: 'gateway',
      data: Buffer.from(JSON.stringify({ readings })),
    });
    expect(summary).toMatchObject({ stored: 1002, rejected: 0 });

    const messagesOf = new Map<string, Set<number>>();
    bus.clean.forEach((m, i) => {
      const decoded = decodeCleanPayload(Buffer.from(m.data));
      if (!decoded.ok) throw new Error(decoded.reason);
      for (const r of decoded.readings) {
        const key = `${r.deviceId} ${r.ts}`;
        messagesOf.set(key, (messagesOf.get(key) ?? new Set()).add(i));
      }
    });
    expect(bus.clean.length).toBeGreaterThan(1);
    const split = [...messagesOf].filter(([, messages]) => messages.size > 1).map(([key]) => key);
    expect(split).toEqual([]);
  });
});
