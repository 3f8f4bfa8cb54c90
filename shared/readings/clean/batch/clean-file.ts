import type { DeviceRegistry } from '../../../devices/registry.js';
import type { ReadingRow } from '../../../warehouse/schema/tables.js';
import { decodeMessage, type DecodeLimits } from '../../decode.js';
import { ReadingCleaner, type CleanerLimits } from '../cleaner.js';
import { DeviceState } from '../device-state.js';
import { repairDevice } from './repair.js';

export interface CleanedRow {
  deviceId: string;
  ts: string;
  metric: string;
  value: number | null;
  unit: string;
  originalValue: number | null;
  status: 'accepted' | 'repaired';
  flags: string[];
}

export interface Rejection {
  /** 1-based line of the input file. */
  line: number;
  reason: string;
  detail: string;
  payload: unknown;
}

export interface BatchCleanResult {
  rows: CleanedRow[];
  rejected: Rejection[];
}

/** Points of history per metric the streaming rules keep: a day of 15-minute readings. */
const HISTORY_WINDOW = 32;

/**
 * `kilowatch clean`: published messages (one per line) through the streaming rules in file order, then
 * the batch-only work per device: whole stuck runs and imputation of missing and flagged values.
 */
export function cleanMessages(
  lines: readonly string[],
  registry: DeviceRegistry,
  limits: CleanerLimits & DecodeLimits,
  now: number = Date.now(),
): BatchCleanResult {
  const cleaner = new ReadingCleaner(registry, limits);
  const states = new Map<string, DeviceState>();
  const stateOf = (id: string) => {
    let s = states.get(id);
    if (!s) states.set(id, (s = new DeviceState(HISTORY_WINDOW, Number.MAX_SAFE_INTEGER)));
    return s;
  };
  const stored: ReadingRow[] = [];
  const rejected: Rejection[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    const decoded = decodeMessage(Buffer.from(text), limits);
    if (decoded.kind === 'dead')
      return rejected.push({
        line,
        reason: decoded.reason.split(':')[0] as string,
        detail: decoded.reason,
        payload: text,
      });
    if (decoded.kind === 'rejected')
      return rejected.push({ line, reason: decoded.reason, detail: decoded.detail, payload: text });
    const result = cleaner.clean(decoded.readings, { messageId: `line-${line}`, receivedAt: now }, stateOf);
    stored.push(...result.rows);
    for (const r of result.rejected)
      rejected.push({ line, reason: r.reason, detail: r.detail, payload: JSON.parse(r.payload) });
  });

  const byDevice = new Map<string, ReadingRow[]>();
  for (const row of stored) {
    const rows = byDevice.get(row.device_id);
    if (rows) rows.push(row);
    else byDevice.set(row.device_id, [row]);
  }
  for (const [deviceId, rows] of byDevice) {
    const device = registry.get(deviceId);
    if (device) repairDevice(device, rows);
  }
  return {
    rows: stored.map((r) => ({
      deviceId: r.device_id,
      ts: r.ts,
      metric: r.metric,
      value: r.value,
      unit: r.unit,
      originalValue: r.original_value,
      status: r.status,
      flags: r.flags,
    })),
    rejected,
  };
}
