import { z } from 'zod';

/**
 * The readings-clean message body: the rows ingest stored, for the score function. Written as columns
 * (format `columns-1`): each device, timestamp, metric, unit and flag set is sent once in a dictionary and
 * each row names it by index, so a batch of 500 readings × 5 metrics is about a third of the bytes of one
 * object per row, and encoding, the Pub/Sub hop (base64, JSON) and decoding cost that much less
 * (docs/BENCHMARKS.md, ingest). Readers also accept the earlier form, `{ readings: [CleanReading] }`, so
 * messages published before an upgrade are still scored.
 *
 * ```json
 * { "format": "columns-1",
 *   "devices": ["sim-plant/machine-01"], "times": ["2024-01-01T00:00:00.000Z"], "metrics": ["power_kw", "voltage_v"],
 *   "units": ["kW", "V"], "flagSets": [[], ["spike"]],
 *   "id": ["9f…", "a0…"], "device": [0, 0], "time": [0, 0], "metric": [0, 1], "unit": [0, 1], "flags": [0, 1],
 *   "value": [120.5, null] }
 * ```
 */
export const CLEAN_PAYLOAD_FORMAT = 'columns-1';

/** One stored reading as the score function reads it. */
export const cleanReading = z.object({
  readingId: z.string().min(1),
  deviceId: z.string().min(1),
  ts: z.iso.datetime({ offset: true }),
  metric: z.string().min(1),
  value: z.number().nullable(),
  unit: z.string(),
  flags: z.array(z.string()),
});

export type CleanReading = z.infer<typeof cleanReading>;

/** The stored row's fields the payload carries (a ReadingRow has them all). */
export interface CleanRow {
  readonly reading_id: string;
  readonly device_id: string;
  readonly ts: string;
  readonly metric: string;
  readonly value: number | null;
  readonly unit: string;
  readonly flags: readonly string[];
}

// Index columns are checked in one pass below (integer, inside their dictionary): zod's per-element checks
// cost more than the rest of the decode.
const indexes = z.array(z.number());
/** Each index column and the dictionary it points into. */
const DICTIONARIES = [
  ['device', 'devices'],
  ['time', 'times'],
  ['metric', 'metrics'],
  ['unit', 'units'],
  ['flags', 'flagSets'],
] as const;

const columns = z
  .object({
    format: z.literal(CLEAN_PAYLOAD_FORMAT),
    devices: z.array(z.string().min(1)),
    times: z.array(z.iso.datetime({ offset: true })),
    metrics: z.array(z.string().min(1)),
    units: z.array(z.string()),
    flagSets: z.array(z.array(z.string())),
    id: z.array(z.string().min(1)),
    device: indexes,
    time: indexes,
    metric: indexes,
    unit: indexes,
    flags: indexes,
    value: z.array(z.number().nullable()),
  })
  .superRefine((m, ctx) => {
    for (const column of ['value', ...DICTIONARIES.map(([c]) => c)] as const) {
      if (m[column].length !== m.id.length)
        ctx.addIssue({ code: 'custom', path: [column], message: `${m[column].length} entries, id has ${m.id.length}` });
    }
    for (const [column, dictionary] of DICTIONARIES) {
      const size = m[dictionary].length;
      const at = m[column].findIndex((i) => !(Number.isInteger(i) && i >= 0 && i < size));
      if (at >= 0)
        ctx.addIssue({
          code: 'custom',
          path: [column, at],
          message: `${m[column][at]} is not an index into ${dictionary} (0 to ${size - 1})`,
        });
    }
  });

const objects = z.object({ readings: z.array(cleanReading) });

/**
 * Gives each distinct key an index, in order of first use. Rows of one reading share their device, time and
 * flag set (the same string or array), so the last key is checked before the map.
 */
class Dictionary<K, V = K> {
  readonly entries: V[] = [];
  private readonly index = new Map<K, number>();
  private lastKey: K | undefined;
  private lastIndex = -1;

  of(key: K, value: V): number {
    if (key === this.lastKey && this.lastIndex >= 0) return this.lastIndex;
    let i = this.index.get(key);
    if (i === undefined) {
      this.index.set(key, (i = this.entries.length));
      this.entries.push(value);
    }
    this.lastKey = key;
    this.lastIndex = i;
    return i;
  }
}

/** A flag set's dictionary key: flags never hold a NUL. */
function flagsKey(flags: readonly string[]): string {
  return flags.length === 0 ? '' : flags.join('\u0000');
}

/** The rows as one readings-clean body (JSON text, format columns-1). */
export function encodeCleanPayload(rows: readonly CleanRow[]): string {
  const devices = new Dictionary<string>();
  const times = new Dictionary<string>();
  const metrics = new Dictionary<string>();
  const units = new Dictionary<string>();
  const flagSets = new Dictionary<string, readonly string[]>();
  const n = rows.length;
  const id = new Array<string>(n);
  const device = new Array<number>(n);
  const time = new Array<number>(n);
  const metric = new Array<number>(n);
  const unit = new Array<number>(n);
  const flags = new Array<number>(n);
  const value = new Array<number | null>(n);
  let lastFlags: readonly string[] | undefined;
  let lastFlagsIndex = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i] as CleanRow;
    id[i] = r.reading_id;
    device[i] = devices.of(r.device_id, r.device_id);
    time[i] = times.of(r.ts, r.ts);
    metric[i] = metrics.of(r.metric, r.metric);
    unit[i] = units.of(r.unit, r.unit);
    // Most rows share one empty flag array: skip the join for the array just seen.
    if (r.flags !== lastFlags) {
      lastFlags = r.flags;
      lastFlagsIndex = flagSets.of(flagsKey(r.flags), r.flags);
    }
    flags[i] = lastFlagsIndex;
    value[i] = r.value;
  }
  return JSON.stringify({
    format: CLEAN_PAYLOAD_FORMAT,
    devices: devices.entries,
    times: times.entries,
    metrics: metrics.entries,
    units: units.entries,
    flagSets: flagSets.entries,
    id,
    device,
    time,
    metric,
    unit,
    flags,
    value,
  });
}

export type DecodedClean = { ok: true; readings: CleanReading[] } | { ok: false; reason: string };

const EXPECTED =
  `expected { format: "${CLEAN_PAYLOAD_FORMAT}", devices, times, metrics, units, flagSets, id, device, time, metric, unit, flags, value } ` +
  'or { readings: [{ readingId, deviceId, ts, metric, value, unit, flags }] }';

/** A readings-clean body (either form), or why it cannot be scored (naming the field). */
export function decodeCleanPayload(data: Uint8Array): DecodedClean {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { ok: false, reason: 'undecodable: readings-clean message is not UTF-8 JSON' };
  }
  const isColumns = typeof json === 'object' && json !== null && 'format' in json;
  const parsed = isColumns ? columns.safeParse(json) : objects.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid readings-clean message: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; ${EXPECTED}`,
    };
  }
  if ('readings' in parsed.data) return { ok: true, readings: parsed.data.readings };
  const m = parsed.data;
  return {
    ok: true,
    readings: m.id.map((readingId, i) => ({
      readingId,
      deviceId: m.devices[m.device[i] as number] as string,
      ts: m.times[m.time[i] as number] as string,
      metric: m.metrics[m.metric[i] as number] as string,
      value: m.value[i] as number | null,
      unit: m.units[m.unit[i] as number] as string,
      // Each reading gets its own array: the scorer may keep it.
      flags: [...(m.flagSets[m.flags[i] as number] as string[])],
    })),
  };
}
