import type { Bus, Destination } from '../bus/port.js';
import type { WireReading } from '../readings/wire.js';

export interface ReplayOptions {
  /** Readings per published message. */
  readonly batch: number;
  /** Messages per second; 0 publishes as fast as the bus accepts. */
  readonly messagesPerSecond: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (published: number) => void;
  /** Topic published to (default: the shared `readings` topic); `{ site }` publishes as that site's devices. */
  readonly to?: Destination;
}

/** Publishes readings in batches, paced: a device fleet, faster than real time. */
export async function replay(bus: Bus, readings: Iterable<WireReading>, options: ReplayOptions): Promise<number> {
  const gapMs = options.messagesPerSecond > 0 ? 1000 / options.messagesPerSecond : 0;
  let batch: WireReading[] = [];
  let published = 0;
  const started = Date.now();
  let messages = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // A message from one device is keyed by it, so ingest sees the device's messages in order.
    const deviceId = batch[0]!.deviceId;
    const oneDevice = batch.every((r) => r.deviceId === deviceId);
    await bus.publish(options.to ?? 'readings', [
      { data: JSON.stringify({ readings: batch }), ...(oneDevice ? { orderingKey: deviceId } : {}) },
    ]);
    published += batch.length;
    batch = [];
    messages++;
    options.onProgress?.(published);
    const due = started + messages * gapMs - Date.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  };
  for (const reading of readings) {
    if (options.signal?.aborted) break;
    batch.push(reading);
    if (batch.length >= options.batch) await flush();
  }
  if (!options.signal?.aborted) await flush();
  return published;
}
