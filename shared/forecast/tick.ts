import { DateTime } from 'luxon';
import { z } from 'zod';
import type { VerifiedModel } from '../models/runtime.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { forecasts, type ForecastRow } from '../warehouse/schema/tables.js';
import { forecastParamsOf } from './params.js';
import { forecastAt, historyStepsNeeded } from './serve.js';
import type { ForecastTarget } from './targets.js';

export interface ForecastTickDeps {
  readonly warehouse: Pick<Warehouse, 'insert' | 'readingsBetween' | 'recentReadings'>;
  readonly targets: readonly ForecastTarget[];
  /** The champion forecaster of a registry name. */
  readonly model: (name: string) => Promise<VerifiedModel>;
  readonly now?: () => number;
}

/** A forecast-tick message: Cloud Scheduler sends `{}`; an operator may name the origin (a backfill). */
export const forecastTick = z.strictObject({ origin: z.iso.datetime({ offset: true }).optional() });
export type ForecastTick = z.infer<typeof forecastTick>;

export interface TargetOutcome {
  readonly deviceId: string;
  readonly metric: string;
  readonly model: string;
  readonly origin?: string;
  readonly rows: number;
  /** Why the target produced no forecast (no data, no model), when it did not. */
  readonly skipped?: string;
}

/** Values a cleaning flag says are not the process: left out of a forecast's history. */
const UNTRUSTED = new Set(['missing', 'out_of_range', 'spike', 'stuck', 'inconsistent']);

/**
 * On each tick, forecasts every configured series: from the tick's origin, or else from the last plant-local
 * midnight its data reaches, with only readings stamped before the origin; writes p10/p50/p90 for
 * the model's horizon to `forecasts` (idempotent per series, origin, target and model version).
 */
export async function runForecastTick(deps: ForecastTickDeps, tick: ForecastTick): Promise<TargetOutcome[]> {
  const issuedAt = new Date((deps.now ?? Date.now)()).toISOString();
  return Promise.all(
    deps.targets.map(async (t): Promise<TargetOutcome> => {
      const model = await deps.model(t.model);
      const params = forecastParamsOf(model.card);
      const stepMs = params.stepSeconds * 1000;
      let originMs: number;
      if (tick.origin) {
        originMs = Math.floor(Date.parse(tick.origin) / stepMs) * stepMs;
      } else {
        // Day-ahead from the end of the data: the last plant-local midnight its readings reach.
        const latest = (await deps.warehouse.recentReadings(t.deviceId, 1)).find((r) => r.metric === t.metric);
        if (!latest) return { ...t, rows: 0, skipped: 'no readings yet' };
        originMs = DateTime.fromMillis(Date.parse(latest.ts) + stepMs, { zone: params.timezone })
          .startOf('day')
          .toMillis();
      }
      const from = new Date(originMs - historyStepsNeeded(model) * stepMs).toISOString();
      const history = await deps.warehouse.readingsBetween(
        t.deviceId,
        [t.metric],
        from,
        new Date(originMs).toISOString(),
      );
      const usable = history
        .filter((r) => r.value !== null && !r.flags.some((f) => UNTRUSTED.has(f)))
        .map((r) => ({ tsMs: Date.parse(r.ts), value: r.value }));
      const origin = new Date(originMs).toISOString();
      if (usable.length === 0) return { ...t, origin, rows: 0, skipped: `no usable readings before ${origin}` };
      const points = await forecastAt(model, usable, originMs);
      const rows: ForecastRow[] = points.map((p) => {
        const target = new Date(p.targetMs).toISOString();
        return {
          forecast_id: stableId('forecast', t.deviceId, t.metric, origin, target, model.name, model.version),
          device_id: t.deviceId,
          metric: t.metric,
          issued_at: issuedAt,
          origin,
          target_ts: target,
          p10: p.p10,
          p50: p.p50,
          p90: p.p90,
          model: model.name,
          model_version: model.version,
        };
      });
      await deps.warehouse.insert(forecasts, rows);
      return { ...t, origin, rows: rows.length };
    }),
  );
}
