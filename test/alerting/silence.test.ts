import { describe, expect, it } from 'vitest';
import { IncidentBook } from '../../shared/alerting/incident-book.js';
import { TEST_ALERT_SETTINGS } from '../support/alert-settings.js';
import { silenceRule, silentAnomalies, stillSilent } from '../../shared/alerting/silence.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const NOW_MS = Date.UTC(2024, 2, 1, 12);
const NOW = new Date(NOW_MS).toISOString();
const SETTINGS = TEST_ALERT_SETTINGS;
const noScores = () => undefined;
/** Every device reports each minute unless named here. */
const INTERVALS: Record<string, number> = { 'plant-a/meter-15min': 900, 'plant-a/daily-tank': 86_400 };
const RULE = silenceRule(SETTINGS, (deviceId) => INTERVALS[deviceId] ?? 60);

describe('silence rule', () => {
  it('a device silent past the threshold is one `silent` alert; one still reporting, one gone for 8 days, one never heard of: none', () => {
    const last = [
      { deviceId: 'plant-a/quiet', tsMs: NOW_MS - 20 * MIN },
      { deviceId: 'plant-a/chatty', tsMs: NOW_MS - 5 * MIN },
      { deviceId: 'plant-a/decommissioned', tsMs: NOW_MS - 8 * DAY },
    ];
    const found = silentAnomalies(last, NOW_MS, RULE);
    expect(found).toMatchObject([
      { deviceId: 'plant-a/quiet', kind: 'silent', metric: null, ts: new Date(NOW_MS - 20 * MIN).toISOString() },
    ]);
    // 'plant-a/never' has no reading at all: it is not among the devices last heard from, so it raises nothing.
    expect(found.map((a) => a.deviceId)).not.toContain('plant-a/never');
    expect(
      silentAnomalies(
        last,
        NOW_MS,
        silenceRule({ ...SETTINGS, silentAfterMs: 0 }, () => 60),
      ),
    ).toEqual([]);
  });

  it('judges each device against three of its own intervals when they are longer than the configured minimum', () => {
    // A 15-minute meter 20 min after its last reading is between two readings, not silent; after 46 min it is.
    const at = (deviceId: string, quietMin: number) => [{ deviceId, tsMs: NOW_MS - quietMin * MIN }];
    expect(silentAnomalies(at('plant-a/meter-15min', 20), NOW_MS, RULE)).toEqual([]);
    expect(silentAnomalies(at('plant-a/meter-15min', 44), NOW_MS, RULE)).toEqual([]);
    expect(silentAnomalies(at('plant-a/meter-15min', 46), NOW_MS, RULE)).toHaveLength(1);
    expect(stillSilent('plant-a/meter-15min', NOW_MS - 20 * MIN, NOW_MS, RULE)).toBe(false);
    // A daily reading is late after three days; a minute device after the configured 15 min.
    expect(silentAnomalies(at('plant-a/daily-tank', 2 * 1440), NOW_MS, RULE)).toEqual([]);
    expect(silentAnomalies(at('plant-a/daily-tank', 3 * 1440 + 1), NOW_MS, RULE)).toHaveLength(1);
    expect(silentAnomalies(at('plant-a/minutely', 14), NOW_MS, RULE)).toEqual([]);
    expect(silentAnomalies(at('plant-a/minutely', 15), NOW_MS, RULE)).toHaveLength(1);
  });

  it('an outage ends only with a new reading: one silent past the lookback (no longer read) stays open', () => {
    expect(stillSilent('plant-a/quiet', NOW_MS - 20 * MIN, NOW_MS, RULE)).toBe(true);
    expect(stillSilent('plant-a/quiet', undefined, NOW_MS, RULE)).toBe(true);
    expect(stillSilent('plant-a/quiet', NOW_MS - 2 * MIN, NOW_MS, RULE)).toBe(false);
  });

  it('opens one incident per silent device, once over repeated sweeps, resolved when it reports again', () => {
    const book = new IncidentBook(SETTINGS);
    const last = [{ deviceId: 'plant-a/quiet', tsMs: NOW_MS - 20 * MIN }];
    const opened = book.observeAll(silentAnomalies(last, NOW_MS, RULE), NOW);
    expect(opened.map((r) => [r.kind, r.change, r.device_id])).toEqual([['silent', 'opened', 'plant-a/quiet']]);
    // The next sweep finds the same silence: nothing new, and nothing resolved while it lasts.
    const later = NOW_MS + 5 * MIN;
    expect(book.observeAll(silentAnomalies(last, later, RULE), NOW)).toEqual([]);
    expect(book.sweep(noScores, NOW, () => true)).toEqual([]);
    const back = book.sweep(noScores, new Date(later).toISOString(), () => false);
    expect(back.map((r) => [r.kind, r.change, r.resolved_at])).toEqual([
      ['silent', 'auto_resolved', new Date(later).toISOString()],
    ]);
  });

  it('devices of a site silent together are one `storm:silent` incident naming them all', () => {
    const book = new IncidentBook(SETTINGS);
    const last = Array.from({ length: 5 }, (_, i) => ({ deviceId: `plant-a/m${i}`, tsMs: NOW_MS - 16 * MIN }));
    const rows = book.observeAll(silentAnomalies(last, NOW_MS, RULE), NOW);
    const storms = rows.filter((r) => r.kind === 'storm:silent');
    expect(storms.map((r) => r.change)).toEqual(['opened']);
    expect(storms[0]?.devices).toEqual(last.map((d) => d.deviceId));
    // The two opened before the storm formed are folded into it, and their notifications dropped.
    const members = rows.filter((r) => r.kind === 'silent');
    expect(members.map((r) => r.change).sort()).toEqual(['grouped', 'grouped', 'opened', 'opened']);
    for (const m of members) expect(book.notifiable(m, NOW_MS)).toBe('drop');
    // One device back is not the plant back.
    expect(book.sweep(noScores, NOW, (d) => d !== 'plant-a/m0')).toEqual([]);
    expect(book.sweep(noScores, NOW, () => false).map((r) => [r.kind, r.change])).toEqual([
      ['storm:silent', 'auto_resolved'],
    ]);
  });
});
