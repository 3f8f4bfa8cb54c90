import { describe, expect, it } from 'vitest';
import { IncidentBook } from '../../shared/alerting/incident-book.js';
import type { AlertSettings } from '../../shared/alerting/settings.js';
import { silentAnomalies, stillSilent } from '../../shared/alerting/silence.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const NOW_MS = Date.UTC(2024, 2, 1, 12);
const NOW = new Date(NOW_MS).toISOString();
const SETTINGS: AlertSettings = {
  resolveAfterMs: 30 * MIN,
  cooldownMs: 30 * MIN,
  stormDevices: 3,
  stormWindowMs: 10 * MIN,
  groupWaitMs: 2 * MIN,
  checkpointMs: 5 * MIN,
  silentAfterMs: 15 * MIN,
  silentLookbackMs: 7 * DAY,
};
const noScores = () => undefined;

describe('silence rule', () => {
  it('a device silent past the threshold is one `silent` alert; one still reporting, one gone for 8 days, one never heard of: none', () => {
    const last = [
      { deviceId: 'plant-a/quiet', tsMs: NOW_MS - 20 * MIN },
      { deviceId: 'plant-a/chatty', tsMs: NOW_MS - 5 * MIN },
      { deviceId: 'plant-a/decommissioned', tsMs: NOW_MS - 8 * DAY },
    ];
    const found = silentAnomalies(last, NOW_MS, SETTINGS);
    expect(found).toMatchObject([
      { deviceId: 'plant-a/quiet', kind: 'silent', metric: null, ts: new Date(NOW_MS - 20 * MIN).toISOString() },
    ]);
    // 'plant-a/never' has no reading at all: it is not among the devices last heard from, so it raises nothing.
    expect(found.map((a) => a.deviceId)).not.toContain('plant-a/never');
    expect(silentAnomalies(last, NOW_MS, { ...SETTINGS, silentAfterMs: 0 })).toEqual([]);
  });

  it('an outage ends only with a new reading: one silent past the lookback (no longer read) stays open', () => {
    expect(stillSilent(NOW_MS - 20 * MIN, NOW_MS, SETTINGS)).toBe(true);
    expect(stillSilent(undefined, NOW_MS, SETTINGS)).toBe(true);
    expect(stillSilent(NOW_MS - 2 * MIN, NOW_MS, SETTINGS)).toBe(false);
  });

  it('opens one incident per silent device, once over repeated sweeps, resolved when it reports again', () => {
    const book = new IncidentBook(SETTINGS);
    const last = [{ deviceId: 'plant-a/quiet', tsMs: NOW_MS - 20 * MIN }];
    const opened = book.observeAll(silentAnomalies(last, NOW_MS, SETTINGS), NOW);
    expect(opened.map((r) => [r.kind, r.change, r.device_id])).toEqual([['silent', 'opened', 'plant-a/quiet']]);
    // The next sweep finds the same silence: nothing new, and nothing resolved while it lasts.
    const later = NOW_MS + 5 * MIN;
    expect(book.observeAll(silentAnomalies(last, later, SETTINGS), NOW)).toEqual([]);
    expect(book.sweep(noScores, NOW, () => true)).toEqual([]);
    const back = book.sweep(noScores, new Date(later).toISOString(), () => false);
    expect(back.map((r) => [r.kind, r.change, r.resolved_at])).toEqual([
      ['silent', 'auto_resolved', new Date(later).toISOString()],
    ]);
  });

  it('devices of a site silent together are one `storm:silent` incident naming them all', () => {
    const book = new IncidentBook(SETTINGS);
    const last = Array.from({ length: 5 }, (_, i) => ({ deviceId: `plant-a/m${i}`, tsMs: NOW_MS - 16 * MIN }));
    const rows = book.observeAll(silentAnomalies(last, NOW_MS, SETTINGS), NOW);
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
