import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, OutgoingMessage } from '../../shared/bus/port.js';
import { loadSteel } from '../../shared/demo/steel.js';
import { ks, psi, referenceOf } from '../../shared/drift/statistics.js';
import { watchDrift, type DriftDeps } from '../../shared/drift/watch.js';
import { modelCard } from '../../shared/models/card.js';
import type { ModelHealthMark } from '../../shared/models/registry.js';
import { stableId } from '../../shared/readings/ids.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { forecasts, readings, type ForecastRow, type ReadingRow } from '../../shared/warehouse/schema/tables.js';

const card = modelCard.parse(JSON.parse(readFileSync('models/steel-forecast/card.json', 'utf8')));
const DAY = 86_400_000;
/** The shift injected into one copy of the series: the plant's load grows by half from this day on. */
const SHIFT = Date.parse('2018-11-15T00:00:00Z');

describe('drift statistics', () => {
  it('PSI and KS are near zero on a sample of the reference and large on a shifted one', () => {
    const values = Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 10 + (i % 7));
    const ref = referenceOf(values);
    expect(ref.quantiles).toHaveLength(101);
    const same = values.filter((_, i) => i % 5 === 0);
    expect(psi(ref, same)).toBeLessThan(0.02);
    expect(ks(ref, same)).toBeLessThan(0.03);
    const shifted = same.map((v) => v + 8);
    expect(psi(ref, shifted)).toBeGreaterThan(0.25);
    expect(ks(ref, shifted)).toBeGreaterThan(0.25);
  });

  it('the committed steel forecaster carries the reference of its training inputs', () => {
    expect(card.reference?.usage_kwh?.n).toBe(card.training.rows);
  });
});

describe('drift watch: a replay of the steel plant with an injected shift', () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  const published: OutgoingMessage[] = [];
  const marks: Array<[string, ModelHealthMark]> = [];
  let deps: DriftDeps;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-drift-'));
    warehouse = await DuckDbWarehouse.open(join(dir, 'w.duckdb'));
    await warehouse.init();
    // The test part of the year (after the card's training window), as two devices: as it was, and shifted.
    const rows = loadSteel().filter((r) => r.tsMs > Date.parse(card.training.to));
    const stored: ReadingRow[] = [];
    const forecasted: ForecastRow[] = [];
    for (const device of ['steel/unshifted', 'steel/shifted']) {
      for (const [i, r] of rows.entries()) {
        const ts = new Date(r.tsMs).toISOString();
        const original = r.metrics.usage_kwh;
        const value = device === 'steel/shifted' && r.tsMs >= SHIFT ? original * 1.5 + 10 : original;
        stored.push({
          reading_id: stableId('r', device, ts),
          device_id: device,
          ts,
          metric: 'usage_kwh',
          value,
          unit: 'kWh',
          original_value: null,
          original_unit: null,
          status: 'accepted',
          flags: [],
          message_id: 'm',
          seq: null,
          ingested_at: ts,
        });
        // A forecaster that keeps forecasting the plant as it was, to within its card's error.
        forecasted.push({
          forecast_id: stableId('f', device, ts),
          device_id: device,
          metric: 'usage_kwh',
          issued_at: ts,
          origin: ts,
          target_ts: ts,
          p10: original * 0.8,
          p50: original + (i % 2 === 0 ? 4 : -4),
          p90: original * 1.2,
          model: card.name,
          model_version: card.version,
        });
      }
    }
    await warehouse.insert(readings, stored);
    await warehouse.insert(forecasts, forecasted);
    const bus: Bus = {
      publish: async (_topic, messages) => (published.push(...messages), messages.map(() => 'id')),
      deadLetter: async () => undefined,
      close: async () => undefined,
    };
    deps = {
      warehouse,
      bus,
      card: async () => card,
      markHealth: async (model, mark) => void marks.push([model, mark]),
      targets: ['steel/unshifted', 'steel/shifted'].map((deviceId) => ({
        deviceId,
        metric: 'usage_kwh',
        model: card.name,
      })),
      now: () => Date.parse('2019-01-01T00:00:00Z'),
    };
  }, 120_000);

  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('daily weekly windows: drift on the shifted series within the first window after the shift, none on the unshifted one', async () => {
    const flagged = { 'steel/unshifted': [] as number[], 'steel/shifted': [] as number[] };
    for (let asOf = Date.parse('2018-10-08T00:00:00Z'); asOf <= Date.parse('2018-12-31T00:00:00Z'); asOf += DAY) {
      for (const row of await watchDrift(deps, { asOf: new Date(asOf).toISOString(), windowDays: 7, store: false })) {
        expect(row.n).toBeGreaterThan(600);
        if (row.retrain_recommended) flagged[row.device_id as keyof typeof flagged].push(asOf);
      }
    }
    expect(flagged['steel/unshifted']).toEqual([]);
    const first = flagged['steel/shifted'][0] as number;
    // Found while the first window after the shift is filling, at the latest when it is full; never before it.
    expect(first).toBeGreaterThan(SHIFT);
    expect(first).toBeLessThanOrEqual(SHIFT + 7 * DAY);
    expect(flagged['steel/shifted'].filter((t) => t >= SHIFT + 7 * DAY)).toHaveLength(
      Math.floor((Date.parse('2018-12-31T00:00:00Z') - SHIFT) / DAY) - 6,
    );
  }, 120_000);

  it('stored: model_health rows, one model_drift alert for the drifting series, the registry mark says retrain recommended', async () => {
    const rows = await watchDrift(deps, { asOf: '2018-12-01T00:00:00Z', store: true });
    const shifted = rows.find((r) => r.device_id === 'steel/shifted');
    expect(shifted).toMatchObject({ input_drift: true, performance_drift: true, retrain_recommended: true });
    expect(shifted?.psi).toBeGreaterThan(0.25);
    expect(rows.find((r) => r.device_id === 'steel/unshifted')).toMatchObject({ retrain_recommended: false });
    expect(await warehouse.query(`SELECT device_id, kind FROM alerts`)).toEqual([
      { device_id: 'steel/shifted', kind: 'model_drift' },
    ]);
    expect(published.map((m) => (JSON.parse(String(m.data)) as { kind: string }).kind)).toEqual(['model_drift']);
    expect(marks.at(-1)).toMatchObject([
      card.name,
      { version: card.version, retrainRecommended: true, reasons: [expect.stringContaining('steel/shifted')] },
    ]);
    expect((await warehouse.query(`SELECT count(*)::INT AS n FROM model_health`))[0]).toEqual({ n: 2 });
    await expect(watchDrift(deps, { model: 'nope', store: false })).rejects.toThrow(/nope/);
  });
});
