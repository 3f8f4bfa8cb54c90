import type { CopilotUsage, PipelineCounts } from '../warehouse/read-port.js';
import type { DeviceView } from './devices.js';
import { listDevices } from './devices.js';
import type { QueryDeps } from './deps.js';
import { DAY_MS, resolveRange } from './time-range.js';

export const READINGS_LOOKBACK = { defaultMs: 7 * DAY_MS, maxMs: 400 * DAY_MS };
const HOUR_MS = 3_600_000;

export interface PipelineHealth {
  readonly at: string;
  /** Oldest reading time the counts scan: rows stored now about older readings (backfills) are not counted. */
  readonly readingsSince: string;
  readonly lastHour: PipelineCounts;
  readonly lastDay: PipelineCounts;
  readonly deadLetters: number | null;
  /** The copilot's model and tool calls started in the last hour and day. */
  readonly copilot: { readonly lastHour: CopilotUsage; readonly lastDay: CopilotUsage };
  readonly devices: Array<Pick<DeviceView, 'deviceId' | 'status' | 'lastReadingAt' | 'lastStoredAt'>>;
}

/**
 * Rows stored, rejected (by reason) and scored over the last hour and day, delays from a reading's time to its
 * storage and to its score, the copilot's calls, dead letters, and each device's last reading (over `readingsSince`, default 7 days).
 */
export async function pipelineHealth(deps: QueryDeps, input: { readingsSince?: string }): Promise<PipelineHealth> {
  const nowMs = deps.now();
  const { from: readingsSince } = resolveRange(
    { from: input.readingsSince, to: new Date(nowMs + DAY_MS).toISOString() },
    READINGS_LOOKBACK,
    nowMs,
  );
  const until = new Date(nowMs + 1).toISOString();
  const window = (ms: number) => ({ since: new Date(nowMs - ms).toISOString(), until, readingsSince });
  const calls = (ms: number) => deps.reader.copilotUsage({ from: new Date(nowMs - ms).toISOString(), to: until });
  const [lastHour, lastDay, copilotHour, copilotDay, deadLetters, devices] = await Promise.all([
    deps.reader.pipelineCounts(window(HOUR_MS)),
    deps.reader.pipelineCounts(window(DAY_MS)),
    calls(HOUR_MS),
    calls(DAY_MS),
    deps.deadLetters(),
    listDevices(deps, { from: readingsSince, to: until }),
  ]);
  return {
    at: new Date(nowMs).toISOString(),
    readingsSince,
    lastHour,
    lastDay,
    deadLetters,
    copilot: { lastHour: copilotHour, lastDay: copilotDay },
    devices: devices.devices.map(({ deviceId, status, lastReadingAt, lastStoredAt }) => ({
      deviceId,
      status,
      lastReadingAt,
      lastStoredAt,
    })),
  };
}
