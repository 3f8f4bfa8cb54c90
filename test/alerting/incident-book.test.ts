import { describe, expect, it } from 'vitest';
import { IncidentBook, IncidentNotFound, type Anomaly } from '../../shared/alerting/incident-book.js';
import { TEST_ALERT_SETTINGS } from '../support/alert-settings.js';
import type { IncidentRow } from '../../shared/warehouse/schema/tables.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 1, 8);
const SETTINGS = TEST_ALERT_SETTINGS;
const NOW = '2024-03-01T12:00:00.000Z';

let n = 0;
function anomaly(minute: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    alertId: `a${n++}`,
    deviceId: 'plant-a/m1',
    ts: new Date(T0 + minute * MIN).toISOString(),
    metric: 'temperature_c',
    kind: 'anomaly',
    score: 0.6,
    message: 'temperature_c is anomalous',
    ...over,
  };
}

/** Every row of a run of anomalies, in order. */
function feed(book: IncidentBook, anomalies: Anomaly[]): IncidentRow[] {
  return anomalies.flatMap((a) => book.observe(a, NOW));
}

const until = (ms: number) => () => ms;

describe('IncidentBook', () => {
  it('keeps one incident per episode: repeated anomalies extend it, written at most every checkpoint', () => {
    const book = new IncidentBook(SETTINGS);
    const rows = feed(
      book,
      Array.from({ length: 20 }, (_, i) => anomaly(i)),
    );
    expect(rows.filter((r) => r.change === 'opened')).toHaveLength(1);
    expect(new Set(rows.map((r) => r.incident_id)).size).toBe(1);
    // Minutes 0..19: a checkpoint every 5 minutes of anomalies, and escalations as it lasts.
    expect(rows.length).toBeLessThanOrEqual(5);
    const last = rows[rows.length - 1] as IncidentRow;
    expect(last.last_seen_at).toBe(new Date(T0 + 15 * MIN).toISOString());
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
  });

  it('resolves after the normal stretch only once the series was scored that far, then holds a cooldown', () => {
    const book = new IncidentBook(SETTINGS);
    const [opened] = feed(book, [anomaly(0), anomaly(1)]);
    // Scores reach minute 20 only: 19 normal minutes are not 30.
    expect(book.sweep(until(T0 + 20 * MIN), NOW)).toEqual([]);
    // No scores at all (a data outage) resolves nothing either.
    expect(book.sweep(() => undefined, NOW)).toEqual([]);
    const [resolved] = book.sweep(until(T0 + 31 * MIN), NOW);
    expect(resolved).toMatchObject({
      incident_id: opened?.incident_id,
      state: 'resolved',
      change: 'auto_resolved',
      actor: 'kilowatch',
    });
    expect(resolved?.resolved_at).toBe(new Date(T0 + 31 * MIN).toISOString());
    // Within the cooldown (until minute 61): nothing; after it: a new episode.
    expect(feed(book, [anomaly(45), anomaly(60)])).toEqual([]);
    expect(book.suppressed).toBe(2);
    const again = feed(book, [anomaly(62)]);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ change: 'opened', state: 'open' });
    expect(again[0]?.incident_id).not.toBe(opened?.incident_id);
  });

  it('an anomaly after the normal stretch closes the old episode before opening the next', () => {
    const book = new IncidentBook({ ...SETTINGS, cooldownMs: 0 });
    feed(book, [anomaly(0)]);
    const rows = feed(book, [anomaly(40)]);
    expect(rows.map((r) => r.change)).toEqual(['auto_resolved', 'opened']);
  });

  it('drops a redelivered anomaly', () => {
    const book = new IncidentBook(SETTINGS);
    const a = anomaly(0);
    expect(feed(book, [a])).toHaveLength(1);
    feed(book, [a, a, a]);
    const [row] = book.sweep(until(T0 + 60 * MIN), NOW);
    expect(row?.anomalies).toBe(1);
  });

  it('keeps (device, metric, kind) apart and rates several metrics of a device higher', () => {
    const book = new IncidentBook(SETTINGS);
    const first = feed(book, [anomaly(0, { score: 0.95 })]);
    expect(first[0]?.severity).toBe('warning');
    const rows = feed(book, [anomaly(1, { metric: 'power_kw', score: 0.95 }), anomaly(1, { kind: 'forecast_breach' })]);
    expect(rows.filter((r) => r.change === 'opened')).toHaveLength(2);
    // The temperature incident has company on its device now: escalated, not reopened.
    expect(rows.find((r) => r.change === 'escalated')?.incident_id).toBe(first[0]?.incident_id);
  });

  it('rates by likelihood and duration: a borderline blip is info, a long unlikely episode critical', () => {
    const book = new IncidentBook(SETTINGS);
    expect(feed(book, [anomaly(0, { deviceId: 'p/x', score: 0.55 })])[0]?.severity).toBe('info');
    const rows = feed(
      book,
      Array.from({ length: 130 }, (_, i) => anomaly(i, { score: 0.995 })),
    );
    expect(rows.filter((r) => r.change === 'escalated').map((r) => r.severity)).toEqual(['critical']);
    expect(rows[0]?.severity).toBe('warning');
  });

  it('storm control: a plant-wide event is one incident, not one per device', () => {
    const book = new IncidentBook(SETTINGS);
    const rows: IncidentRow[] = [];
    for (let minute = 0; minute < 30; minute++) {
      for (let d = 1; d <= 40; d++) {
        for (const metric of ['power_kw', 'temperature_c', 'vibration_mm_s']) {
          rows.push(...book.observe(anomaly(minute, { deviceId: `plant-a/m${d}`, metric }), NOW));
        }
      }
    }
    const opened = rows.filter((r) => r.change === 'opened');
    // The incidents of the first two devices (one per metric) before the third device made it a storm, then the storm:
    // 7 incidents for 40 devices x 3 metrics.
    expect(opened.map((r) => r.kind)).toEqual([...Array<string>(6).fill('anomaly'), 'storm']);
    const storm = opened[6] as IncidentRow;
    expect(storm).toMatchObject({ device_id: 'plant-a/*', metric: null });
    expect(rows.filter((r) => r.change === 'grouped').map((r) => r.group_id)).toEqual(
      Array<string>(6).fill(storm.incident_id),
    );
    // Only the storm is notified: the grouped incidents' changes still owed are dropped.
    const nowMs = Date.parse(NOW);
    expect(rows.filter((r) => book.notifiable(r, nowMs) === 'send' && r.change === 'opened')).toEqual([storm]);
    expect(opened.slice(0, 6).map((r) => book.notifiable(r, nowMs))).toEqual(Array<string>(6).fill('drop'));
    const latest = rows.filter((r) => r.incident_id === storm.incident_id).at(-1) as IncidentRow;
    expect(latest.devices).toHaveLength(40);
    expect(latest.severity).toBe('critical');
    // Another plant is not part of it.
    expect(book.observe(anomaly(5, { deviceId: 'plant-b/m1' }), NOW)[0]).toMatchObject({
      change: 'opened',
      kind: 'anomaly',
    });
    // The storm resolves once its devices were scored normal for the stretch.
    const resolved = book.sweep((device) => (device.startsWith('plant-a/') ? T0 + 60 * MIN : undefined), NOW);
    expect(resolved.map((r) => [r.kind, r.change])).toEqual([['storm', 'auto_resolved']]);
  });

  it("group wait: a device incident is notified once the site's data (or the clock) moved past the wait", () => {
    const book = new IncidentBook(SETTINGS);
    const [opened] = feed(book, [anomaly(0, { deviceId: 'plant-w/m1' })]);
    const changedMs = Date.parse(NOW);
    expect(book.notifiable(opened as IncidentRow, changedMs)).toBe('hold');
    // Data of the site one minute later: still within the wait.
    feed(book, [anomaly(1, { deviceId: 'plant-w/m1' })]);
    expect(book.notifiable(opened as IncidentRow, changedMs)).toBe('hold');
    // Two minutes of wall time since the change release it, so does data past the wait.
    expect(book.notifiable(opened as IncidentRow, changedMs + 2 * MIN)).toBe('send');
    feed(book, [anomaly(2, { deviceId: 'plant-w/m2', metric: 'power_kw' })]);
    expect(book.notifiable(opened as IncidentRow, changedMs)).toBe('send');
  });

  it('open → acknowledged → resolved with who and when; repeats change nothing; unknown ids are refused', () => {
    const book = new IncidentBook(SETTINGS);
    const [opened] = feed(book, [anomaly(0)]);
    const id = opened?.incident_id as string;
    const [acked] = book.acknowledge(id, 'ana', '2024-03-01T08:05:00.000Z');
    expect(acked).toMatchObject({
      state: 'acknowledged',
      change: 'acknowledged',
      actor: 'ana',
      changed_at: '2024-03-01T08:05:00.000Z',
      version: 2,
    });
    expect(book.acknowledge(id, 'bo', NOW)).toEqual([]);
    // Acknowledged incidents still gather their anomalies.
    feed(book, [anomaly(7)]);
    const [resolved] = book.resolve(id, 'bo', '2024-03-01T08:20:00.000Z');
    expect(resolved).toMatchObject({
      state: 'resolved',
      change: 'resolved',
      actor: 'bo',
      resolved_at: '2024-03-01T08:20:00.000Z',
    });
    expect(book.resolve(id, 'bo', NOW)).toEqual([]);
    expect(() => book.acknowledge('0'.repeat(32), 'ana', NOW)).toThrow(IncidentNotFound);
    // The cooldown runs from the person's resolution.
    expect(feed(book, [anomaly(40)])).toEqual([]);
  });

  it('a book restored from the rows carries on where the last one stopped', () => {
    const book = new IncidentBook(SETTINGS);
    const rows = feed(
      book,
      Array.from({ length: 11 }, (_, i) => anomaly(i)),
    );
    const restored = new IncidentBook(SETTINGS);
    restored.restore([...rows].reverse());
    expect(feed(restored, [anomaly(12)])).toEqual([]);
    const [resolved] = restored.sweep(until(T0 + 60 * MIN), NOW);
    expect(resolved).toMatchObject({
      incident_id: rows[0]?.incident_id,
      version: (rows.at(-1)?.version ?? 0) + 1,
      change: 'auto_resolved',
    });
  });
});
