import { simulate, type SimulationInput } from '../../shared/simulate/generator.js';

/** The multivariate detectors' features for a simulated machine: its physical metrics, canonical units. */
export const MACHINE_FEATURES = ['power_kw', 'temperature_c', 'vibration_mm_s'] as const;

/** Faults the anomaly detectors are meant to catch (cleaning flags the rest: spikes, stuck, shutdown, ...). */
export const DETECTOR_FAULTS = ['overheating', 'drift'] as const;

export interface MachineSeries {
  readonly deviceId: string;
  readonly timestamps: string[];
  /** rows × MACHINE_FEATURES */
  readonly rows: number[][];
  /** 1 where a detector fault (overheating, drift) affects any feature. */
  readonly labels: Uint8Array;
  /** Fault stretches: [first row, last row]. */
  readonly events: [number, number][];
}

const NO_FAULTS = { missing: 0, outlier: 0, spike: 0, dip: 0, stuck: 0, shutdown: 0, overheating: 0, drift: 0 };

/**
 * One series per simulated machine. `withFaults` keeps the simulator's overheating and drift rates and turns
 * the faults the cleaner handles off, so the labels are what the detectors are judged on.
 */
export function machineSeries(input: Omit<SimulationInput, 'faults'>, withFaults: boolean): MachineSeries[] {
  const faults = withFaults ? { ...NO_FAULTS, overheating: 0.2, drift: 0.15 } : NO_FAULTS;
  const byDevice = new Map<string, { timestamps: string[]; rows: number[][]; labels: number[] }>();
  for (const item of simulate({ ...input, faults })) {
    const id = item.reading.deviceId;
    let s = byDevice.get(id);
    if (!s) {
      s = { timestamps: [], rows: [], labels: [] };
      byDevice.set(id, s);
    }
    s.timestamps.push(new Date(item.tsMs).toISOString());
    s.rows.push(MACHINE_FEATURES.map((m) => item.reading.metrics[m] ?? Number.NaN));
    s.labels.push(
      item.labels.some(
        (l) =>
          (DETECTOR_FAULTS as readonly string[]).includes(l.fault) &&
          (MACHINE_FEATURES as readonly string[]).includes(l.metric),
      )
        ? 1
        : 0,
    );
  }
  return [...byDevice.entries()].map(([deviceId, s]) => {
    const labels = Uint8Array.from(s.labels);
    const events: [number, number][] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] && (i === 0 || !labels[i - 1])) events.push([i, i]);
      if (labels[i]) (events[events.length - 1] as [number, number])[1] = i;
    }
    return { deviceId, timestamps: s.timestamps, rows: s.rows, labels, events };
  });
}
