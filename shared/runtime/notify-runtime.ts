import { AlertsProcessor } from '../alerting/handle-alerts.js';
import { configuredChannels } from '../alerting/channels.js';
import { Notifier } from '../alerting/notifier.js';
import { incidentReads } from '../alerting/open-reads.js';
import { alertSettings } from '../alerting/settings.js';
import type { Bus } from '../bus/port.js';
import type { Config } from '../config/env.js';
import { DeviceRegistry } from '../devices/registry.js';
import type { Warehouse } from '../warehouse/port.js';
import { openBus, openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

export interface NotifyRuntime {
  readonly processor: AlertsProcessor;
  readonly bus: Bus;
}

export interface NotifyRuntimeOptions {
  /** Adapters to share (the local host's one DuckDB and bus); opened from the configuration otherwise. */
  readonly warehouse?: Warehouse;
  readonly bus?: Bus;
  readonly now?: () => number;
}

export async function createNotifyRuntime(config: Config, options: NotifyRuntimeOptions = {}): Promise<NotifyRuntime> {
  // Bad channels fail the start, naming the entry, rather than the first notification.
  const channels = configuredChannels(config);
  const [warehouse, bus] = await Promise.all([
    options.warehouse ?? openWarehouse(config),
    options.bus ?? openBus(config),
  ]);
  const now = options.now ?? Date.now;
  const registry = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE);
  const notifier = new Notifier({ warehouse, bus, channels, maxAttempts: config.KILOWATCH_NOTIFY_MAX_ATTEMPTS, now });
  const processor = new AlertsProcessor({
    warehouse,
    reads: await incidentReads(warehouse),
    bus,
    settings: alertSettings(config),
    intervalSecondsOf: (deviceId) => registry.get(deviceId)?.intervalSeconds,
    notifier,
    now,
  });
  return { processor, bus };
}

const runtime = perProcess((config) => createNotifyRuntime(config));

/** The notify function's dependencies in this process: a warm instance keeps its incidents. */
export const notifyRuntime = () => runtime.get();
export const provideNotifyRuntime = (value: NotifyRuntime | Promise<NotifyRuntime>) => runtime.provide(value);
