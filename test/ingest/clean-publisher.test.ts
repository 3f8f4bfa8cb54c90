import { describe, expect, it } from 'vitest';
import type { Bus, Destination, OutgoingMessage } from '../../shared/bus/port.js';
import { CleanPublisher, cleanOrderingKey } from '../../shared/ingest/clean-publisher.js';
import { decodeCleanPayload } from '../../shared/readings/clean-payload.js';
import type { ReadingRow } from '../../shared/warehouse/schema/tables.js';

/** The bus port as a list of what was published; `failNext` makes the next publish fail as an outage would. */
class RecordingBus implements Bus {
  readonly published: Array<{ topic: Destination; messages: readonly OutgoingMessage[] }> = [];
  failNext = false;
  /** Resolves the publishes in flight; they wait until then when `hold` is set. */
  private held: Array<() => void> = [];
  hold = false;

  async publish(topic: Destination, messages: readonly OutgoingMessage[]): Promise<string[]> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('bus unavailable');
    }
    this.published.push({ topic, messages });
    return messages.map((_, i) => `id-${this.published.length}-${i}`);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  deadLetter(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function row(deviceId: string, minute: number, metric = 'power_kw'): ReadingRow {
  return {
    reading_id: `${deviceId}-${minute}-${metric}`,
    device_id: deviceId,
    ts: new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString(),
    metric,
    value: minute,
    unit: 'kW',
    original_value: null,
    original_unit: null,
    status: 'accepted',
    flags: [],
    message_id: `m-${deviceId}-${minute}`,
    seq: null,
    ingested_at: '2024-01-01T01:00:00.000Z',
  };
}

function readingIds(m: OutgoingMessage): string[] {
  const decoded = decodeCleanPayload(Buffer.from(m.data));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.readings.map((r) => r.readingId);
}

// Two devices on one ordering key, one on another.
const fleet = Array.from({ length: 40 }, (_, i) => `sim-plant/machine-${i}`);
const [a, b] = fleet.filter((d) => cleanOrderingKey(d) === cleanOrderingKey(fleet[0] as string)) as [string, string];
const other = fleet.find((d) => cleanOrderingKey(d) !== cleanOrderingKey(a)) as string;

describe('CleanPublisher', () => {
  it('publishes the rows of concurrent callers as one readings-clean message per ordering key', async () => {
    const bus = new RecordingBus();
    const publisher = new CleanPublisher(bus, 20);
    await Promise.all([
      publisher.publish([row(a, 1), row(a, 1, 'energy_kwh')]),
      publisher.publish([row(b, 1)]),
      publisher.publish([row(other, 1)]),
    ]);
    const messages = bus.published.flatMap((p) => p.messages);
    expect(bus.published.every((p) => p.topic === 'readingsClean')).toBe(true);
    expect(messages).toHaveLength(2);
    const byKey = new Map(messages.map((m) => [m.orderingKey, readingIds(m)]));
    expect(byKey.get(cleanOrderingKey(a))).toEqual([`${a}-1-power_kw`, `${a}-1-energy_kwh`, `${b}-1-power_kw`]);
    expect(byKey.get(cleanOrderingKey(other))).toEqual([`${other}-1-power_kw`]);
  });

  it('keeps one publish of a key under way at a time: rows that arrive meanwhile go next, in order', async () => {
    const bus = new RecordingBus();
    const publisher = new CleanPublisher(bus, 1);
    bus.hold = true;
    const first = publisher.publish([row(a, 1)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = publisher.publish([row(a, 2)]);
    const third = publisher.publish([row(b, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bus.published).toHaveLength(0);
    bus.release();
    await Promise.all([first, second, third]);
    expect(bus.published.map((p) => p.messages.flatMap(readingIds))).toEqual([
      [`${a}-1-power_kw`],
      [`${a}-2-power_kw`, `${b}-3-power_kw`],
    ]);
  });

  it('fails every caller whose rows a failed publish held, and publishes again for the next', async () => {
    const bus = new RecordingBus();
    const publisher = new CleanPublisher(bus, 20);
    bus.failNext = true;
    const results = await Promise.allSettled([publisher.publish([row(a, 1)]), publisher.publish([row(b, 1)])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(bus.published).toHaveLength(0);
    // The redelivery of each message publishes its rows again.
    await Promise.all([publisher.publish([row(a, 1)]), publisher.publish([row(b, 1)])]);
    expect(bus.published.flatMap((p) => p.messages.flatMap(readingIds))).toEqual([
      `${a}-1-power_kw`,
      `${b}-1-power_kw`,
    ]);
  });

  it('splits a key past 1,000 rows without cutting a reading, and publishes each call alone at 0 ms', async () => {
    const bus = new RecordingBus();
    const metrics = ['power_kw', 'energy_kwh', 'voltage_v'];
    const rows = Array.from({ length: 400 }, (_, minute) => metrics.map((m) => row(a, minute, m))).flat();
    await new CleanPublisher(bus, 20).publish(rows);
    const sizes = bus.published.flatMap((p) => p.messages.map((m) => readingIds(m).length));
    expect(sizes).toEqual([1002, 198]);
    bus.published.length = 0;
    const alone = new CleanPublisher(bus, 0);
    await Promise.all([alone.publish([row(a, 1)]), alone.publish([row(b, 1)])]);
    expect(bus.published).toHaveLength(2);
  });

  it("sends each device's rows in time order across the messages of a batch, whatever order the calls came in", async () => {
    const bus = new RecordingBus();
    const publisher = new CleanPublisher(bus, 20);
    const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => row(a, from + i));
    // Ingest calls finish in any order: the newer values' call first, then the older ones' (1,400 rows, two messages).
    await Promise.all([publisher.publish(minutes(700, 1400)), publisher.publish(minutes(0, 700))]);
    const sent = bus.published.flatMap((p) => p.messages.flatMap((m) => readingIds(m)));
    expect(sent).toHaveLength(1400);
    expect(sent).toEqual(minutes(0, 1400).map((r) => r.reading_id));
  });
});
