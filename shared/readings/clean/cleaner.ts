import type { Device, MetricSpec } from '../../devices/registry.js';
import type { DeviceRegistry } from '../../devices/registry.js';
import type { SiteBinding } from '../../devices/sites.js';
import type { ReadingRow, RejectedRow } from '../../warehouse/schema/tables.js';
import type { Flag, RejectionReason } from '../flags.js';
import { readingId, readingIdPrefix, rejectionId } from '../ids.js';
import { parseTimestamp, type ParsedTs } from '../timestamps.js';
import { conversionTo } from '../units.js';
import { describeIssues, parseWireReading, type ParsedReading } from '../wire.js';
import type { DeviceState, KnownReading } from './device-state.js';
import type { PendingWrite } from './pending-write.js';
import type { Stats } from './series-state.js';
import { consistencyTolerance, ENERGY_METER_METRICS, estimateEnergy, fromSide } from './energy-meter.js';

export interface CleanerLimits {
  /** Seconds a timestamp may lie in the future before it is flagged. */
  readonly futureToleranceS: number;
  /** Seconds a timestamp may lie in the future before the reading is rejected. */
  readonly futureRejectS: number;
}

export interface MessageContext {
  readonly messageId: string;
  /** When the message reached us (epoch ms); also the clock for future timestamps. */
  readonly receivedAt: number;
  /** The site whose topic the message came through: only that site's devices are accepted. */
  readonly binding?: SiteBinding;
  /** The delivery's readings write: values it adds to the device states remember it (pending-write.ts). */
  readonly write?: PendingWrite;
}

export interface CleanResult {
  readonly rows: ReadingRow[];
  readonly rejected: RejectedRow[];
  /** Rows this message already stored on an earlier delivery: not stored again, not rejected. */
  readonly redelivered: ReadingRow[];
  /**
   * The pending writes of other deliveries whose values this message's duplicates, conflicts and redeliveries
   * were judged against; kept here, as the history may forget those values before the message is acknowledged.
   */
  judgedAgainst?: Set<PendingWrite>;
}

/** Fewest trusted values before the spike rule speaks. */
const SPIKE_MIN_HISTORY = 8;
/** Share of the spike threshold at which cached statistics call for fresh ones. */
const SCREEN_MARGIN = 0.6;

function isSpike(value: number, spec: MetricSpec, stats: Stats, margin: number): boolean {
  const delta = Math.abs(value - stats.median);
  const scale = Math.max(stats.scale, spec.spikeMinDelta / spec.spikeZ, 1e-9);
  return delta > spec.spikeMinDelta * margin && delta / scale > spec.spikeZ * margin;
}

interface PendingValue {
  readonly metric: string;
  readonly spec: MetricSpec;
  readonly id: string;
  sent: number | null;
  value: number | null;
  readonly originalValue: number | null;
  readonly originalUnit: string | null;
  status: 'accepted' | 'repaired';
  /** NO_FLAGS until the first flag: most values carry none, and an array each is garbage to collect. */
  flags: Flag[];
}

const NO_FLAGS: Flag[] = Object.freeze([]) as unknown as Flag[];

/** Unknown metric names quoted in one rejection: the rest are counted. */
const NAMES_QUOTED = 10;

type Reject = (
  index: number,
  reason: RejectionReason,
  detail: string,
  payload: unknown,
  extra?: Partial<RejectedRow>,
) => void;

/** A name as sent, short enough to quote. */
function quote(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** A reading's time, within the years its device can have readings from (the registry's tsFloor on). */
function timestampOf(ts: string | number, device: Device, deviceId: string): ParsedTs {
  const parsed = parseTimestamp(ts, device.timezone);
  if (parsed.ok && parsed.ms < device.tsFloorMs) {
    const floor = new Date(device.tsFloorMs).toISOString();
    return {
      ok: false,
      code: 'invalid_timestamp',
      reason: `${new Date(parsed.ms).toISOString()} is before ${floor}, the earliest time accepted for ${deviceId} (registry tsFloor)`,
    };
  }
  return parsed;
}

function addFlag(v: { flags: Flag[] }, flag: Flag): void {
  if (v.flags === NO_FLAGS) v.flags = [flag];
  else v.flags.push(flag);
}

/**
 * The streaming cleaning rules, shared by the ingest function and `kilowatch clean`. Synchronous and
 * pure but for the device states it reads and updates: callers load those first.
 */
export class ReadingCleaner {
  constructor(
    private readonly registry: DeviceRegistry,
    private readonly limits: CleanerLimits,
  ) {}

  /** Registered devices a batch refers to, so that their history can be loaded before cleaning. */
  deviceIds(readings: readonly unknown[]): Set<string> {
    const ids = new Set<string>();
    for (const r of readings) {
      const id = r !== null && typeof r === 'object' ? (r as { deviceId?: unknown }).deviceId : undefined;
      if (typeof id === 'string' && this.registry.get(id)) ids.add(id);
    }
    return ids;
  }

  /**
   * Ids of readings older than what their device's state covers, per device, with their time range:
   * those need a warehouse lookup before cleaning. Readings that will fail validation are skipped here.
   */
  olderThanHistory(
    readings: readonly unknown[],
    stateOf: (deviceId: string) => DeviceState,
  ): Map<string, { ids: string[]; from: number; to: number }> {
    const requests = new Map<string, { ids: string[]; from: number; to: number }>();
    for (const raw of readings) {
      const r = raw as Partial<Record<'deviceId' | 'ts' | 'metrics', unknown>> | null;
      if (r === null || typeof r !== 'object' || typeof r.deviceId !== 'string') continue;
      if ((typeof r.ts !== 'string' && typeof r.ts !== 'number') || r.metrics === null || typeof r.metrics !== 'object')
        continue;
      const device = this.registry.get(r.deviceId);
      // A state that covers all time needs no lookup: skip parsing the time (most readings, most of the time).
      const coveredFrom = device ? stateOf(r.deviceId).coveredFrom : -Infinity;
      if (!device || coveredFrom === -Infinity) continue;
      const ts = timestampOf(r.ts, device, r.deviceId);
      if (!ts.ok || ts.ms >= coveredFrom) continue;
      const request = requests.get(r.deviceId) ?? { ids: [], from: ts.ms, to: ts.ms };
      const idPrefix = readingIdPrefix(r.deviceId, ts.ms);
      for (const metric of Object.keys(r.metrics)) {
        if (device.metricSpecs.has(metric)) request.ids.push(readingId(r.deviceId, ts.ms, metric, idPrefix));
      }
      request.from = Math.min(request.from, ts.ms);
      request.to = Math.max(request.to, ts.ms);
      requests.set(r.deviceId, request);
    }
    return requests;
  }

  clean(readings: readonly unknown[], ctx: MessageContext, stateOf: (deviceId: string) => DeviceState): CleanResult {
    const result: CleanResult = { rows: [], rejected: [], redelivered: [] };
    const receivedIso = new Date(ctx.receivedAt).toISOString();
    // The first rejection of a reading keeps its payload; later ones point to it, so that one reading
    // rejected metric by metric does not store its payload 64 times.
    const payloadHolder = new Map<number, string>();
    const reject: Reject = (index, reason, detail, payload, extra = {}) => {
      const rejectedId = rejectionId(ctx.messageId, index, extra.metric ?? null);
      const holder = payloadHolder.get(index);
      if (holder === undefined) payloadHolder.set(index, rejectedId);
      result.rejected.push({
        rejected_id: rejectedId,
        message_id: ctx.messageId,
        reading_index: index,
        device_id: null,
        ts: null,
        metric: null,
        reason,
        detail,
        payload: holder === undefined ? safeJson(payload) : JSON.stringify({ payloadIn: holder }),
        received_at: receivedIso,
        ...extra,
      });
    };
    // The entries of the device states this delivery stored or found redelivered so far, with their reading:
    // a repeat inside one message is a duplicate or a conflict, not a redelivery.
    const seenHere = new Map<KnownReading, number>();
    // Trimmed once the message is cleaned: a time it repeats stays known meanwhile (DeviceState.trim).
    const touched = new Set<DeviceState>();

    for (const [index, raw] of readings.entries()) {
      const parsed = parseWireReading(raw);
      if (!parsed.success) {
        reject(index, 'invalid_reading', describeIssues(parsed.error), raw);
        continue;
      }
      const reading = parsed.data;
      const device = this.registry.get(reading.deviceId);
      if (!device) {
        reject(
          index,
          'unknown_device',
          `deviceId: '${reading.deviceId}' is not in the device registry; register it first`,
          raw,
          {
            device_id: reading.deviceId,
          },
        );
        continue;
      }
      if (ctx.binding && device.site !== ctx.binding.site) {
        reject(index, 'forbidden_device', this.forbidden(reading.deviceId, ctx.binding), raw, {
          device_id: reading.deviceId,
        });
        continue;
      }
      const ts = timestampOf(reading.ts, device, reading.deviceId);
      if (!ts.ok) {
        reject(index, ts.code, `ts: ${ts.reason}`, raw, { device_id: reading.deviceId });
        continue;
      }
      const tsIso = new Date(ts.ms).toISOString();
      const ahead = (ts.ms - ctx.receivedAt) / 1000;
      if (ahead > this.limits.futureRejectS) {
        reject(
          index,
          'future_ts',
          `ts: ${tsIso} is ${Math.round(ahead)} s in the future; at most ${this.limits.futureRejectS} s is accepted`,
          raw,
          {
            device_id: reading.deviceId,
            ts: tsIso,
          },
        );
        continue;
      }
      const state = stateOf(reading.deviceId);
      touched.add(state);
      const values = this.pendingValues(reading, device, ts.ms, index, raw, reject, tsIso);
      this.applyRules(values, device, state, ts.ms, ahead > this.limits.futureToleranceS);
      for (const v of values) {
        const row: ReadingRow = {
          reading_id: v.id,
          device_id: reading.deviceId,
          ts: tsIso,
          metric: v.metric,
          value: v.value,
          unit: v.spec.unit,
          original_value: v.originalValue,
          original_unit: v.originalUnit,
          status: v.status,
          flags: v.flags,
          message_id: ctx.messageId,
          seq: reading.seq ?? null,
          ingested_at: receivedIso,
        };
        const known = state.lookup(ts.ms, v.metric);
        if (!known) {
          const entry = { sent: v.sent, messageId: ctx.messageId, ts: ts.ms, write: ctx.write };
          state.remember(entry, v.metric, v.value, v.flags);
          seenHere.set(entry, index);
          result.rows.push(row);
          continue;
        }
        const earlier = seenHere.get(known);
        if (known.write && known.write !== ctx.write && !known.write.isStored)
          (result.judgedAgainst ??= new Set()).add(known.write);
        if (known.messageId === ctx.messageId && earlier === undefined && sameValue(known.sent, v.sent)) {
          seenHere.set(known, index);
          result.redelivered.push(row);
          continue;
        }
        const first = earlier === undefined ? `message ${known.messageId}` : `reading ${earlier} of this message`;
        const where = { device_id: reading.deviceId, ts: tsIso, metric: v.metric };
        if (!sameValue(known.sent, v.sent)) {
          reject(
            index,
            'conflict',
            `${v.metric}: ${v.sent} differs from ${known.sent} stored first (${first}); the first is kept`,
            raw,
            where,
          );
        } else {
          reject(index, 'duplicate', `${v.metric}: same device, time, metric and value as ${first}`, raw, where);
        }
      }
    }
    for (const state of touched) state.trim();
    return result;
  }

  private forbidden(deviceId: string, binding: SiteBinding): string {
    if (binding.site === undefined)
      return `deviceId: '${deviceId}' came through topic ${binding.topic}, which belongs to no registered site`;
    return (
      `deviceId: '${deviceId}' is not a device of site ${binding.site}, whose topic ${binding.topic} this message came through; ` +
      `its devices: ${this.registry.devicesOf(binding.site).join(', ')}`
    );
  }

  private pendingValues(
    reading: ParsedReading,
    device: Device,
    tsMs: number,
    index: number,
    raw: unknown,
    reject: Reject,
    tsIso: string,
  ): PendingValue[] {
    const values: PendingValue[] = [];
    const unknown: string[] = [];
    const idPrefix = readingIdPrefix(reading.deviceId, tsMs);
    for (const [metric, sentValue] of reading.metrics) {
      const spec = device.metricSpecs.get(metric);
      if (!spec) {
        unknown.push(metric);
        continue;
      }
      const unit = reading.units?.get(metric);
      const conversion = conversionTo(spec.unit, unit);
      if (!conversion.ok) {
        const why = conversion.ambiguous
          ? `is ambiguous (${conversion.ambiguous.join(' or ')}): write the unit in SI case`
          : `cannot be converted to ${spec.unit}; accepted: ${conversion.accepted.join(', ')}`;
        reject(index, 'unit_mismatch', `units.${metric}: '${unit}' ${why}`, raw, {
          device_id: reading.deviceId,
          ts: tsIso,
          metric,
        });
        continue;
      }
      const value = sentValue === null ? null : conversion.convert(sentValue);
      if (value !== null && !Number.isFinite(value)) {
        reject(
          index,
          'invalid_reading',
          `metrics.${metric}: ${sentValue} ${unit} is beyond the largest number a float holds in ${spec.unit}`,
          raw,
          { device_id: reading.deviceId, ts: tsIso, metric },
        );
        continue;
      }
      const flags: Flag[] = conversion.converted ? ['unit_converted'] : NO_FLAGS;
      values.push({
        metric,
        spec,
        id: readingId(reading.deviceId, tsMs, metric, idPrefix),
        sent: value,
        value,
        originalValue: sentValue,
        originalUnit: unit !== undefined && unit !== spec.unit ? unit : null,
        status: 'accepted',
        flags,
      });
    }
    if (unknown.length > 0) {
      const quoted = unknown.slice(0, NAMES_QUOTED).map(quote).join(', ');
      const more = unknown.length > NAMES_QUOTED ? ` and ${unknown.length - NAMES_QUOTED} more` : '';
      const detail = `metrics: ${quoted}${more} ${unknown.length === 1 ? 'is not a metric' : 'are not metrics'} of ${reading.deviceId}; accepted: ${[...device.metricSpecs.keys()].join(', ')}`;
      reject(index, 'unknown_metric', detail, raw, {
        device_id: reading.deviceId,
        ts: tsIso,
        metric: unknown.length === 1 ? quote(unknown[0]!) : null,
      });
    }
    return values;
  }

  private applyRules(values: PendingValue[], device: Device, state: DeviceState, tsMs: number, future: boolean): void {
    const outOfOrder = tsMs < state.latestTs;
    let offCount = 0;
    let zeroCount = 0;
    for (const v of values) {
      if (future) addFlag(v, 'future_ts');
      if (outOfOrder) addFlag(v, 'out_of_order');
      if (v.value === null) {
        addFlag(v, 'missing');
        continue;
      }
      if (v.spec.zeroWhenOff) {
        offCount++;
        if (v.value === 0) zeroCount++;
      }
    }
    // Everything off at zero: at least two such metrics, and at least half of the device's, must be there to say so.
    const shutdown = offCount >= Math.max(2, device.offMetricCount / 2) && zeroCount === offCount;
    const corroborated = device.type === 'energy-meter' ? checkEnergyMeter(values) : NONE;
    for (const v of values) {
      if (shutdown) {
        addFlag(v, 'shutdown');
        continue;
      }
      if (v.value === null) continue;
      if (v.value < v.spec.min || v.value > v.spec.max) {
        addFlag(v, 'out_of_range');
        continue;
      }
      // A value the physics of the other metrics confirms is real, however unusual it looks alone.
      if (corroborated.has(v.metric)) continue;
      const series = state.seriesOf(v.metric);
      // A run of zeros is an idle metric, not a frozen meter: shutdown covers a machine that is off.
      if (v.spec.stuckAfter !== undefined && v.value !== 0 && series.runWith(v.value, tsMs) >= v.spec.stuckAfter) {
        addFlag(v, 'stuck');
      }
      // Cached statistics screen the value; a suspect one is judged on fresh statistics.
      const cached = series.stats(SPIKE_MIN_HISTORY);
      if (cached && isSpike(v.value, v.spec, cached, SCREEN_MARGIN)) {
        if (isSpike(v.value, v.spec, series.stats(SPIKE_MIN_HISTORY, true) as Stats, 1)) addFlag(v, 'spike');
      }
    }
  }
}

const NONE: ReadonlySet<string> = new Set();
const M = ENERGY_METER_METRICS;
const SIDES = [
  [M.laggingKvarh, M.laggingPf],
  [M.leadingKvarh, M.leadingPf],
] as const;

/**
 * Energy against reactive energy and power factor: flags a mismatch, recovers a missing energy value,
 * and returns the metrics whose values the relation confirms.
 */
function checkEnergyMeter(values: PendingValue[]): ReadonlySet<string> {
  const by = new Map(values.map((v) => [v.metric, v]));
  const energy = by.get(M.energy);
  if (!energy) return NONE;
  const valueOf = (name: string) => by.get(name)?.value ?? null;
  const estimate = estimateEnergy({
    laggingKvarh: valueOf(M.laggingKvarh),
    laggingPf: valueOf(M.laggingPf),
    leadingKvarh: valueOf(M.leadingKvarh),
    leadingPf: valueOf(M.leadingPf),
  });
  if (!estimate) return NONE;
  if (energy.value === null) {
    energy.value = Math.round(estimate.kwh * 1000) / 1000;
    energy.status = 'repaired';
    addFlag(energy, 'imputed');
    return NONE;
  }
  if (Math.abs(energy.value - estimate.kwh) > consistencyTolerance(estimate)) {
    addFlag(energy, 'inconsistent');
    return NONE;
  }
  const confirmed = new Set<string>([M.energy]);
  for (const [q, pf] of SIDES) {
    const side = fromSide(valueOf(q), valueOf(pf));
    if (side && Math.abs(energy.value - side.kwh) <= consistencyTolerance(side)) {
      confirmed.add(q);
      confirmed.add(pf);
    }
  }
  return confirmed;
}

function sameValue(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function safeJson(payload: unknown): string {
  try {
    return payload === undefined ? 'null' : JSON.stringify(payload);
  } catch {
    return JSON.stringify({ unserialisable: String(payload).slice(0, 1000) });
  }
}
