import { alertPublication } from '../alerting/alert-message.js';
import type { Bus } from '../bus/port.js';
import type { ForecastTarget } from '../forecast/targets.js';
import type { ModelCard } from '../models/card.js';
import type { ModelHealthMark } from '../models/registry.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { alerts, modelHealth, type AlertRow, type ModelHealthRow } from '../warehouse/schema/tables.js';
import { ks, psi } from './statistics.js';

/**
 * Input drift needs both: PSI above 0.25 (the usual "significant shift") and a KS gap of 0.3 (an effect size,
 * not a p-value: a week of 15-minute values is far from independent). Either alone flagged 82 of 358 daily checks
 * of the steel plant's own 2018 year, both 35 (docs/architecture.md, drift watch); errors: MAE 1.5 x the card's,
 * or a 15 % bias.
 */
export const DRIFT_THRESHOLDS = { psi: 0.25, ks: 0.3, maeRatio: 1.5, bias: 0.15 } as const;

export interface DriftDeps {
  readonly warehouse: Warehouse;
  readonly bus: Bus;
  /** The served version of a model: its card. */
  readonly card: (model: string) => Promise<ModelCard>;
  readonly markHealth: (model: string, mark: ModelHealthMark) => Promise<void>;
  /** The series each forecast model serves (KILOWATCH_FORECAST_TARGETS). */
  readonly targets: readonly ForecastTarget[];
  readonly now: () => number;
}

export interface DriftOptions {
  readonly model?: string;
  /** End of the window (ISO); default now. */
  readonly asOf?: string;
  /** Window length; a week covers a plant's weekly cycle, which a shorter window would read as drift. */
  readonly windowDays?: number;
  readonly store: boolean;
}

/** Values the statistics leave out, as the forecast function leaves them out of its inputs. */
const UNTRUSTED = new Set(['missing', 'out_of_range', 'spike', 'stuck', 'inconsistent']);

/**
 * Drift watch of the served forecast models, per series: the window's inputs against the card's reference
 * (PSI, KS) and its forecasts against what happened (MAE vs the card's, residual bias). Rows go to model_health;
 * a drift raises an alert (kind model_drift) and marks the model "retrain recommended" in the registry.
 */
export async function watchDrift(deps: DriftDeps, options: DriftOptions): Promise<ModelHealthRow[]> {
  const asOfMs = options.asOf === undefined ? deps.now() : Date.parse(options.asOf);
  if (!Number.isFinite(asOfMs)) throw new Error(`asOf: '${options.asOf}' is not an ISO 8601 time`);
  const targets = deps.targets.filter((t) => options.model === undefined || t.model === options.model);
  if (options.model !== undefined && targets.length === 0)
    throw new Error(`model ${options.model} serves no series (KILOWATCH_FORECAST_TARGETS)`);
  const from = new Date(asOfMs - (options.windowDays ?? 7) * 86_400_000).toISOString();
  const to = new Date(asOfMs).toISOString();
  const checkedAt = new Date(deps.now()).toISOString();
  const rows: ModelHealthRow[] = [];
  for (const target of targets) {
    const card = await deps.card(target.model);
    const stored = await deps.warehouse.readingsBetween(target.deviceId, [target.metric], from, to);
    const values = stored.filter((r) => r.value !== null && !r.flags.some((f) => UNTRUSTED.has(f)));
    const reference = card.reference?.[target.metric];
    const p =
      reference && values.length >= 50
        ? psi(
            reference,
            values.map((r) => r.value as number),
          )
        : null;
    const k =
      reference && values.length >= 50
        ? ks(
            reference,
            values.map((r) => r.value as number),
          )
        : null;
    const forecasts = new Map(
      (await deps.warehouse.latestForecasts(target.deviceId, target.metric, from, to)).map((f) => [f.target_ts, f.p50]),
    );
    const pairs = values.flatMap((r) => {
      const p50 = forecasts.get(r.ts);
      return p50 === undefined ? [] : [{ value: r.value as number, p50 }];
    });
    const mae = pairs.length >= 24 ? pairs.reduce((s, x) => s + Math.abs(x.value - x.p50), 0) / pairs.length : null;
    const scale = pairs.reduce((s, x) => s + Math.abs(x.value), 0) / Math.max(1, pairs.length);
    const bias =
      mae !== null && scale > 0 ? pairs.reduce((s, x) => s + x.value - x.p50, 0) / pairs.length / scale : null;
    const cardMae = card.metrics.values.mae ?? null;
    const inputDrift = p !== null && k !== null && p >= DRIFT_THRESHOLDS.psi && k >= DRIFT_THRESHOLDS.ks;
    const performanceDrift =
      (mae !== null && cardMae !== null && mae >= DRIFT_THRESHOLDS.maeRatio * cardMae) ||
      (bias !== null && Math.abs(bias) >= DRIFT_THRESHOLDS.bias);
    const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
    const detail = [
      reference
        ? `inputs: PSI ${f(p)}, KS ${f(k)} over ${values.length} values`
        : `inputs: the card carries no reference for ${target.metric}`,
      `forecasts: MAE ${f(mae)} (card ${f(cardMae)}), bias ${f(bias)} over ${pairs.length} values`,
    ].join('; ');
    rows.push({
      health_id: stableId('model-health', card.name, card.version, target.deviceId, target.metric, to),
      model: card.name,
      model_version: card.version,
      device_id: target.deviceId,
      metric: target.metric,
      as_of: to,
      window_from: from,
      n: values.length,
      psi: p,
      ks: k,
      mae,
      card_mae: cardMae,
      bias,
      input_drift: inputDrift,
      performance_drift: performanceDrift,
      retrain_recommended: inputDrift || performanceDrift,
      detail,
      checked_at: checkedAt,
    });
  }
  if (options.store) await record(deps, rows);
  return rows;
}

/** Stores the rows, raises an alert per drifting series and marks each model checked. */
async function record(deps: DriftDeps, rows: readonly ModelHealthRow[]): Promise<void> {
  await deps.warehouse.insert(modelHealth, rows);
  const drifting = rows.filter((r) => r.retrain_recommended);
  const alertRows: AlertRow[] = drifting.map((r) => ({
    alert_id: stableId('alert', 'model_drift', r.health_id),
    device_id: r.device_id,
    ts: r.as_of,
    metric: r.metric,
    kind: 'model_drift',
    severity: 'warning',
    message: `${r.model} ${r.model_version} on ${r.device_id} ${r.metric}: retrain recommended (${r.detail})`,
    score: null,
    created_at: r.checked_at,
  }));
  await deps.warehouse.insert(alerts, alertRows);
  if (alertRows.length > 0) {
    await deps.bus.publish('alerts', alertRows.map(alertPublication));
  }
  for (const model of new Set(rows.map((r) => r.model))) {
    const mine = rows.filter((r) => r.model === model);
    await deps.markHealth(model, {
      version: (mine[0] as ModelHealthRow).model_version,
      asOf: (mine[0] as ModelHealthRow).as_of,
      retrainRecommended: mine.some((r) => r.retrain_recommended),
      reasons: mine.filter((r) => r.retrain_recommended).map((r) => `${r.device_id} ${r.metric}: ${r.detail}`),
    });
  }
}
