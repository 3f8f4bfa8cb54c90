import type { Device } from '../devices/registry.js';
import type { SeriesPoint } from '../warehouse/read-port.js';
import type { QueryDeps } from './deps.js';
import { notFound, overLimit } from './errors.js';
import { DAY_MS, resolveRange, type RangeInput } from './time-range.js';

export const SERIES_RANGE = { defaultMs: DAY_MS, maxMs: 400 * DAY_MS };
export const SERIES_MAX_POINTS = 10_000;
export const SERIES_DEFAULT_POINTS = 2_000;
/** Readings M4 keeps per bucket: first, last, lowest, highest. */
const PER_BUCKET = 4;

export interface SeriesInput extends RangeInput {
  readonly deviceId: string;
  readonly metric: string;
  readonly maxPoints?: number;
}

export interface SeriesView {
  readonly deviceId: string;
  readonly metric: string;
  readonly unit: string;
  readonly from: string;
  readonly to: string;
  /** Readings in the range before downsampling. */
  readonly totalPoints: number;
  /** null: every reading is returned; else M4 over `buckets` equal time buckets, flagged and anomalous readings kept. */
  readonly downsampling: { readonly method: 'm4'; readonly buckets: number } | null;
  readonly points: SeriesPoint[];
}

/** The registered device and metric of a request, or a 404 naming which one is unknown. */
export function registeredMetric(deps: QueryDeps, deviceId: string, metric: string): { device: Device; unit: string } {
  const device = deps.devices.get(deviceId);
  if (!device)
    throw notFound('deviceId', `no registered device ${JSON.stringify(deviceId)}; GET /v1/devices lists them`);
  const spec = device.metricSpecs.get(metric);
  if (!spec) {
    throw notFound(
      'metric',
      `device ${deviceId} has no metric ${JSON.stringify(metric)}; it has ${[...device.metricSpecs.keys()].join(', ')}`,
    );
  }
  return { device, unit: spec.unit };
}

/**
 * One device's metric over [from, to) (default: the last day), every reading when there are at most
 * `maxPoints`, else reduced on the warehouse side with M4 buckets that keep every flagged or anomalous reading.
 */
export async function getSeries(deps: QueryDeps, input: SeriesInput): Promise<SeriesView> {
  const maxPoints = input.maxPoints ?? SERIES_DEFAULT_POINTS;
  if (maxPoints > SERIES_MAX_POINTS) throw overLimit('maxPoints', `maxPoints may be at most ${SERIES_MAX_POINTS}`);
  const { device, unit } = registeredMetric(deps, input.deviceId, input.metric);
  const range = resolveRange(input, SERIES_RANGE, deps.now());
  const query = { deviceId: input.deviceId, metric: input.metric, range };
  const base = { deviceId: input.deviceId, metric: input.metric, unit, ...range };
  // A range the device's interval fills with fewer than maxPoints is read in one query; only a device that
  // sent more than its interval suggests needs the count and the buckets after it.
  const expected = (Date.parse(range.to) - Date.parse(range.from)) / (device.intervalSeconds * 1000);
  if (expected <= maxPoints) {
    const points = await deps.reader.series(query, maxPoints + 1);
    if (points.length <= maxPoints) return { ...base, totalPoints: points.length, downsampling: null, points };
  }
  const summary = await deps.reader.seriesSummary(query);
  if (summary.points <= maxPoints)
    return { ...base, totalPoints: summary.points, downsampling: null, points: await deps.reader.series(query) };
  const buckets = Math.floor((maxPoints - summary.marked) / PER_BUCKET);
  if (buckets < 1) {
    throw overLimit(
      'maxPoints',
      `the range holds ${summary.marked} flagged or anomalous readings, which are always kept, and maxPoints=${maxPoints} leaves no room ` +
        `for the rest; raise maxPoints (at most ${SERIES_MAX_POINTS}) or narrow the range`,
    );
  }
  return {
    ...base,
    totalPoints: summary.points,
    downsampling: { method: 'm4', buckets },
    points: await deps.reader.seriesBuckets(query, buckets),
  };
}
