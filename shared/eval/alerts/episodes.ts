import type { FaultLabel, FaultType } from '../../simulate/faults.js';

/** One labelled fault of one machine: a stretch (overheating, drift, stuck, shutdown) or a single value. */
export interface FaultEpisode {
  readonly deviceId: string;
  readonly fault: FaultType;
  readonly metrics: ReadonlySet<string>;
  readonly startMs: number;
  readonly endMs: number;
}

/** The simulator's labels (one per affected value) grouped into episodes. */
export function episodesOf(labels: Iterable<FaultLabel>): FaultEpisode[] {
  const byKey = new Map<
    string,
    { deviceId: string; fault: FaultType; metrics: Set<string>; startMs: number; endMs: number }
  >();
  for (const l of labels) {
    const startMs = Date.parse(l.start ?? l.ts);
    const endMs = Date.parse(l.end ?? l.ts);
    // Stretches share their bounds; single-value faults are their own episode per metric.
    const key = `${l.deviceId}\u0000${l.fault}\u0000${startMs}\u0000${l.start === undefined ? l.metric : ''}`;
    const held = byKey.get(key);
    if (held) held.metrics.add(l.metric);
    else byKey.set(key, { deviceId: l.deviceId, fault: l.fault, metrics: new Set([l.metric]), startMs, endMs });
  }
  return [...byKey.values()].sort((a, b) => a.startMs - b.startMs);
}
