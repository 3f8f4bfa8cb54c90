import { stableId } from '../readings/ids.js';
import type { AlertRow, ReadingRow } from '../warehouse/schema/tables.js';
import type { CleanReading } from './clean-message.js';
import { LOAD_RESIDUAL_PARAMS, LoadResidualState, type LoadInput, type LoadJudgement } from './load-residual.js';
import type { SeriesCache } from './series-cache.js';

type LoadReading = LoadInput & { readonly reading: CleanReading };

/** A machine's values to alert on against its load models (load-residual.ts), its state rebuilt from its stored
 * readings older than the message when this instance does not hold it. */
export async function loadAlarms(
  series: SeriesCache,
  deviceId: string,
  readings: readonly CleanReading[],
  storedRows: () => Promise<ReadingRow[]>,
): Promise<LoadJudgement<LoadReading>[]> {
  const inputs = readings.flatMap((reading): LoadReading[] =>
    reading.value === null
      ? []
      : [{ reading, tsMs: Date.parse(reading.ts), metric: reading.metric, value: reading.value, flags: reading.flags }],
  );
  if (inputs.length === 0) return [];
  let state = series.loadState(deviceId);
  if (!state) {
    state = new LoadResidualState();
    const first = Math.min(...inputs.map((r) => r.tsMs));
    state.step(
      (await storedRows()).flatMap((r): LoadInput[] =>
        r.value === null || Date.parse(r.ts) >= first
          ? []
          : [{ tsMs: Date.parse(r.ts), metric: r.metric, value: r.value, flags: r.flags }],
      ),
    );
    series.setLoadState(deviceId, state);
  }
  return state.step(inputs).filter((j) => j.alert);
}

/**
 * The alert of a value its load model does not explain. Kind `anomaly`: an overheating the univariate detector
 * also flags stays one incident of its (device, metric); the message names the channel. Its score grows with
 * the CUSUM: 0.5 at the alarm level.
 */
export function loadAlert(j: LoadJudgement<LoadReading>, createdAt: string): AlertRow {
  const { reading } = j.input;
  const score = j.cusum / (j.cusum + LOAD_RESIDUAL_PARAMS.cusumH);
  const side = j.value >= j.expected ? 'above' : 'below';
  return {
    alert_id: stableId('alert', 'load_residual', reading.readingId),
    device_id: reading.deviceId,
    ts: reading.ts,
    metric: reading.metric,
    kind: 'anomaly',
    severity: 'warning',
    message:
      `${reading.deviceId} ${reading.metric} = ${fmt(j.value)} ${reading.unit} at ${reading.ts} is ${fmt(Math.abs(j.value - j.expected))} ` +
      `${reading.unit} ${side} what its ${j.against} explains (${fmt(j.expected)}): residual CUSUM ${fmt(j.cusum)} ≥ ${LOAD_RESIDUAL_PARAMS.cusumH} (load residual)`,
    score,
    created_at: createdAt,
  };
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
