import { describe, expect, it } from 'vitest';
import { DeviceRegistry, type MetricSpec } from '../../shared/devices/registry.js';
import { FLAGS } from '../../shared/readings/flags.js';
import { parseTimestamp } from '../../shared/readings/timestamps.js';
import { conversionTo } from '../../shared/readings/units.js';
import { wireReading, type WireReading } from '../../shared/readings/wire.js';
import { PlantClock } from '../../shared/simulate/calendar.js';
import {
  EXPECTED_FLAG,
  FAULT_TYPES,
  faultRates,
  type FaultLabel,
  type FaultType,
} from '../../shared/simulate/faults.js';
import { generate, simulate } from '../../shared/simulate/generator.js';
import { DEFAULT_LIMITS, limitsFromSpecs, MACHINE_METRICS, type MachineMetric } from '../../shared/simulate/metrics.js';
import { Rng } from '../../shared/simulate/prng.js';

const registry = DeviceRegistry.fromFile('data/devices.json');
const specOf = (deviceId: string, metric: string): MetricSpec => {
  const spec = registry.get(deviceId)?.metricSpecs.get(metric);
  if (!spec) throw new Error(`no spec for ${deviceId} ${metric}`);
  return spec;
};

// A Monday, two weeks, five machines: 100,800 readings, 504,000 values.
const START = Date.parse('2026-03-02T00:00:00Z');
const DAYS = 14;
const MACHINES = 5;
const INTERVAL = 60;
const base = { machines: MACHINES, intervalS: INTERVAL, startMs: START, durationS: DAYS * 86_400, seed: 1 };
const run = generate(base);
const VALUES = run.readings.length * MACHINE_METRICS.length;
const rates = faultRates.parse({});

/** Readings of one machine, indexed by tick (seq). */
const byDevice = new Map<string, WireReading[]>();
for (const r of run.readings) {
  const list = byDevice.get(r.deviceId) ?? [];
  list.push(r);
  byDevice.set(r.deviceId, list);
}
const tickOf = (ts: string) => (Date.parse(ts) - START) / (INTERVAL * 1000);
const valueAt = (deviceId: string, tick: number, metric: MachineMetric) =>
  byDevice.get(deviceId)?.[tick]?.metrics[metric];
const labelKey = (deviceId: string, ts: string, metric: string) => `${deviceId}|${ts}|${metric}`;
const labelled = new Map<string, FaultLabel>(run.labels.map((l) => [labelKey(l.deviceId, l.ts, l.metric), l]));

interface StretchSeen {
  deviceId: string;
  metric: MachineMetric;
  fault: FaultType;
  first: number;
  last: number;
  labels: FaultLabel[];
}
function stretches(fault: FaultType): StretchSeen[] {
  const out = new Map<string, StretchSeen>();
  for (const l of run.labels) {
    if (l.fault !== fault) continue;
    const key = `${l.deviceId}|${l.metric}|${l.start}`;
    const s = out.get(key) ?? {
      deviceId: l.deviceId,
      metric: l.metric,
      fault,
      first: tickOf(l.start as string),
      last: tickOf(l.end as string),
      labels: [],
    };
    s.labels.push(l);
    out.set(key, s);
  }
  return [...out.values()];
}

describe('simulate: the generator', () => {
  it('is deterministic for a seed, and a different seed gives other data', () => {
    const small = { ...base, durationS: 6 * 3600, unitVariants: 0.2, tsVariants: 0.2 };
    const a = generate(small);
    const b = generate(small);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = generate({ ...small, seed: 2 });
    expect(JSON.stringify(c.readings)).not.toBe(JSON.stringify(a.readings));
    // Streams are per machine and purpose: the physics does not move when only the faults change.
    const clean = generate({
      ...small,
      unitVariants: 0,
      tsVariants: 0,
      faults: { missing: 0, outlier: 0, spike: 0, dip: 0, stuck: 0, shutdown: 0, overheating: 0, drift: 0 },
    });
    expect(clean.labels).toEqual([]);
    // Shutdowns and overheating change the physics itself; sensor faults leave every other value as it was.
    const plain = generate({ ...small, unitVariants: 0, tsVariants: 0, faults: { shutdown: 0, overheating: 0 } });
    const untouched = plain.readings.flatMap((r) =>
      MACHINE_METRICS.filter((m) => !labelledIn(plain.labels, r, m)).map((m) => [r, m] as const),
    );
    expect(untouched.length).toBeGreaterThan(0.9 * plain.readings.length * 5);
    const cleanAt = new Map(clean.readings.map((r) => [`${r.deviceId}|${r.ts}`, r]));
    for (const [r, m] of untouched) expect(cleanAt.get(`${r.deviceId}|${r.ts}`)?.metrics[m]).toBe(r.metrics[m]);
  });

  it('emits valid wire readings in time order across machines, ISO UTC timestamps and a seq per machine', () => {
    const ids = [...byDevice.keys()];
    expect(ids).toEqual([
      'sim-plant/machine-01',
      'sim-plant/machine-02',
      'sim-plant/machine-03',
      'sim-plant/machine-04',
      'sim-plant/machine-05',
    ]);
    let previous = -Infinity;
    const problems: string[] = [];
    for (const r of run.readings) {
      const ms = Date.parse(r.ts as string);
      if (!wireReading.safeParse(r).success) problems.push(`invalid: ${JSON.stringify(r)}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/.test(r.ts as string)) problems.push(`ts: ${r.ts}`);
      if (ms < previous) problems.push(`out of order: ${r.ts}`);
      if (Object.keys(r.metrics).join() !== MACHINE_METRICS.join())
        problems.push(`metrics: ${Object.keys(r.metrics).join()}`);
      previous = ms;
    }
    expect(problems.slice(0, 5)).toEqual([]);
    for (const id of ids) expect(registry.get(id)?.deviceId).toBe('sim-plant/machine-*');
    for (const list of byDevice.values()) {
      expect(list.map((r) => r.seq)).toEqual(list.map((_, i) => i));
      expect(list).toHaveLength(DAYS * 1440);
    }
  });

  it('labels each affected value once, with counts near the configured rates', () => {
    expect(labelled.size).toBe(run.labels.length);
    const share = (f: FaultType) => run.counts[f] / VALUES;
    expect(share('missing')).toBeGreaterThan(0.045);
    expect(share('missing')).toBeLessThan(0.055);
    expect(share('outlier')).toBeGreaterThan(0.0007);
    expect(share('outlier')).toBeLessThan(0.0013);
    const jumpValues = (VALUES * 4) / 5; // runtime never jumps
    expect(run.counts.spike / jumpValues).toBeGreaterThan(0.7 * rates.spike);
    expect(run.counts.spike / jumpValues).toBeLessThan(1.3 * rates.spike);
    expect(run.counts.dip / jumpValues).toBeGreaterThan(0.7 * rates.dip);
    expect(run.counts.dip / jumpValues).toBeLessThan(1.3 * rates.dip);
    const machineDays = MACHINES * DAYS;
    for (const fault of ['stuck', 'shutdown', 'overheating', 'drift'] as const) {
      const events = new Set(stretches(fault).map((s) => `${s.deviceId}|${s.first}`)).size;
      expect(events, fault).toBeGreaterThan(0.4 * rates[fault] * machineDays);
      expect(events, fault).toBeLessThan(1.8 * rates[fault] * machineDays);
    }
  });

  it('maps every fault type to the flag cleaning should raise, or none for process anomalies', () => {
    expect(Object.keys(EXPECTED_FLAG).sort()).toEqual([...FAULT_TYPES].sort());
    for (const flag of Object.values(EXPECTED_FLAG)) if (flag !== null) expect(FLAGS).toContain(flag);
    expect(EXPECTED_FLAG.dip).toBe('spike');
    expect(EXPECTED_FLAG.overheating).toBeNull();
    expect(EXPECTED_FLAG.drift).toBeNull();
  });

  it('sends about 5 % of values as null, each labelled missing, and no other nulls', () => {
    let nulls = 0;
    for (const r of run.readings) {
      for (const m of MACHINE_METRICS) {
        if (r.metrics[m] !== null) continue;
        nulls++;
        expect(labelled.get(labelKey(r.deviceId, r.ts as string, m))?.fault).toBe('missing');
      }
    }
    expect(nulls).toBe(run.counts.missing);
    expect(nulls / VALUES).toBeCloseTo(0.05, 2);
  });

  it('puts outliers outside the registry range and every other value inside it', () => {
    let outliers = 0;
    const problems: string[] = [];
    for (const r of run.readings) {
      for (const m of MACHINE_METRICS) {
        const v = r.metrics[m];
        if (v === null || v === undefined) continue;
        const spec = specOf(r.deviceId, m);
        const outside = v < spec.min || v > spec.max;
        const fault = labelled.get(labelKey(r.deviceId, r.ts as string, m))?.fault;
        if (outside !== (fault === 'outlier')) problems.push(`${r.deviceId} ${r.ts} ${m}=${v} (${fault ?? 'clean'})`);
        if (outside) outliers++;
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(outliers).toBe(run.counts.outlier);
    expect(outliers).toBeGreaterThan(300);
  });

  it('freezes a stuck sensor at its last good value, exactly, for 10 to 60 readings', () => {
    const stuck = stretches('stuck');
    expect(stuck.length).toBeGreaterThan(10);
    for (const s of stuck) {
      const length = s.last - s.first + 1;
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThanOrEqual(60);
      expect(s.labels).toHaveLength(length);
      expect(specOf(s.deviceId, s.metric).stuckAfter).toBeDefined();
      const good = valueAt(s.deviceId, s.first - 1, s.metric);
      expect(typeof good).toBe('number');
      expect(labelled.has(labelKey(s.deviceId, new Date(START + (s.first - 1) * 60_000).toISOString(), s.metric))).toBe(
        false,
      );
      for (let t = s.first; t <= s.last; t++) expect(valueAt(s.deviceId, t, s.metric)).toBe(good);
      // The real value moved on meanwhile.
      expect(s.labels.some((l) => l.clean !== good)).toBe(true);
    }
  });

  it('shuts a machine down: power, vibration and production exactly 0, runtime frozen, temperature cooling', () => {
    const shutdowns = stretches('shutdown').filter((s) => s.metric === 'power_kw');
    expect(shutdowns.length).toBeGreaterThan(10);
    for (const s of shutdowns) {
      const before = byDevice.get(s.deviceId)?.[s.first - 1]?.metrics as Record<MachineMetric, number>;
      for (let t = s.first; t <= s.last; t++) {
        const m = byDevice.get(s.deviceId)?.[t]?.metrics as Record<MachineMetric, number>;
        expect([m.power_kw, m.vibration_mm_s, m.production_units]).toEqual([0, 0, 0]);
        expect(m.runtime_h).toBe(before.runtime_h);
        for (const metric of MACHINE_METRICS)
          expect(labelled.get(labelKey(s.deviceId, new Date(START + t * 60_000).toISOString(), metric))?.fault).toBe(
            'shutdown',
          );
      }
      const first = valueAt(s.deviceId, s.first, 'temperature_c') as number;
      const last = valueAt(s.deviceId, s.last, 'temperature_c') as number;
      expect(last).toBeLessThan(first + 1);
      const after = byDevice.get(s.deviceId)?.[s.last + 1];
      if (after) expect(after.metrics.power_kw).not.toBe(0);
    }
    // Outside shutdowns a machine never reports all of power, vibration and production at zero.
    for (const r of run.readings) {
      const m = r.metrics;
      if (m.power_kw === 0 && m.vibration_mm_s === 0 && m.production_units === 0) {
        expect(labelled.get(labelKey(r.deviceId, r.ts as string, 'power_kw'))?.fault).toBe('shutdown');
      }
    }
  });

  it('cools a shut-down machine toward ambient over a long stop', () => {
    const long = stretches('shutdown').filter((s) => s.metric === 'temperature_c' && s.last - s.first >= 90);
    expect(long.length).toBeGreaterThan(0);
    for (const s of long) {
      const first = valueAt(s.deviceId, s.first, 'temperature_c') as number;
      const last = valueAt(s.deviceId, s.last, 'temperature_c') as number;
      expect(last).toBeLessThan(first);
    }
  });

  it('makes spikes and dips single values far from the recent level, inside the physical range, dips above zero', () => {
    for (const l of run.labels.filter((x) => x.fault === 'spike' || x.fault === 'dip')) {
      const tick = tickOf(l.ts);
      const history: number[] = [];
      for (let t = tick - 1; t >= 0 && history.length < 96; t--) {
        const v = valueAt(l.deviceId, t, l.metric);
        const ts = new Date(START + t * 60_000).toISOString();
        if (typeof v === 'number' && !labelled.has(labelKey(l.deviceId, ts, l.metric))) history.push(v);
      }
      const { median, scale } = robust(history);
      const v = valueAt(l.deviceId, tick, l.metric) as number;
      const spec = specOf(l.deviceId, l.metric);
      expect(Math.abs(v - median) / scale, `${l.fault} ${l.deviceId} ${l.ts} ${l.metric}`).toBeGreaterThanOrEqual(6);
      expect(Math.abs(v - median)).toBeGreaterThanOrEqual(spec.spikeMinDelta);
      expect(v).toBeGreaterThanOrEqual(spec.min);
      expect(v).toBeLessThanOrEqual(spec.max);
      if (l.fault === 'spike') expect(v).toBeGreaterThan(median);
      else {
        expect(v).toBeLessThan(median);
        expect(v).toBeGreaterThan(0);
      }
      expect(l.metric).not.toBe('runtime_h');
    }
  });

  it('overheats: temperature climbs well above what it would have been, then recovers', () => {
    const episodes = stretches('overheating');
    expect(episodes.length).toBeGreaterThan(3);
    for (const s of episodes) {
      expect(s.metric).toBe('temperature_c');
      const excess = s.labels.map(
        (l) => (valueAt(l.deviceId, tickOf(l.ts), 'temperature_c') as number) - (l.clean as number),
      );
      for (const e of excess) expect(e).toBeGreaterThanOrEqual(0.499);
      expect(Math.max(...excess)).toBeGreaterThan(10);
    }
  });

  it('drifts a sensor slowly: a small bias growing over hours, then recalibrated without a step', () => {
    const drifts = stretches('drift');
    expect(drifts.length).toBeGreaterThan(3);
    for (const s of drifts) {
      expect(s.last - s.first + 1).toBeGreaterThanOrEqual(4 * 60);
      const bias = s.labels.map((l) => (valueAt(l.deviceId, tickOf(l.ts), l.metric) as number) - (l.clean as number));
      const peak = Math.max(...bias.map(Math.abs));
      expect(peak).toBeGreaterThan(0);
      // Consecutive steps of the bias are a small part of its peak.
      for (let i = 1; i < bias.length; i++)
        expect(Math.abs((bias[i] as number) - (bias[i - 1] as number))).toBeLessThan(peak / 20 + 0.01);
      expect(Math.abs(bias[0] as number)).toBeLessThan(peak / 10 + 0.01);
      expect(Math.abs(bias[bias.length - 1] as number)).toBeLessThan(peak / 10 + 0.01);
    }
  });

  it('keeps healthy continuous values from repeating, so that only stuck sensors repeat', () => {
    let pairs = 0;
    let equal = 0;
    for (const list of byDevice.values()) {
      for (const m of ['power_kw', 'temperature_c', 'vibration_mm_s'] as const) {
        for (let t = 1; t < list.length; t++) {
          const a = list[t - 1]?.metrics[m];
          const b = list[t]?.metrics[m];
          const ts = list[t]?.ts as string;
          const tsBefore = list[t - 1]?.ts as string;
          if (typeof a !== 'number' || typeof b !== 'number') continue;
          if (
            labelled.has(labelKey(list[t]?.deviceId as string, ts, m)) ||
            labelled.has(labelKey(list[t]?.deviceId as string, tsBefore, m))
          )
            continue;
          pairs++;
          if (a === b) equal++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(200_000);
    expect(equal / pairs).toBeLessThan(0.002);
  });

  it('follows the shifts: weekday days above nights, Sundays below weekdays (plant-local time)', () => {
    const clock = new PlantClock('Europe/Berlin');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [deviceId, list] of byDevice) {
      const day: number[] = [];
      const night: number[] = [];
      const sunday: number[] = [];
      for (const r of list) {
        const v = r.metrics.power_kw;
        if (typeof v !== 'number' || labelled.has(labelKey(deviceId, r.ts as string, 'power_kw'))) continue;
        const local = clock.at(Date.parse(r.ts as string));
        const weekday = Math.floor(local.weekHour / 24);
        if (weekday <= 4 && local.dayHour >= 9 && local.dayHour < 14) day.push(v);
        if (weekday <= 4 && local.dayHour >= 1 && local.dayHour < 4) night.push(v);
        if (weekday === 6 && local.dayHour >= 9 && local.dayHour < 14) sunday.push(v);
      }
      expect(mean(day), deviceId).toBeGreaterThan(1.3 * mean(night));
      expect(mean(sunday), deviceId).toBeLessThan(0.7 * mean(day));
    }
  });

  it('correlates the metrics: temperature and vibration follow power, production is proportional to load', () => {
    for (const [deviceId, list] of byDevice) {
      const rows = list.filter((r) =>
        MACHINE_METRICS.every(
          (m) => typeof r.metrics[m] === 'number' && !labelled.has(labelKey(deviceId, r.ts as string, m)),
        ),
      );
      const col = (m: MachineMetric) => rows.map((r) => r.metrics[m] as number);
      expect(correlation(col('power_kw'), col('vibration_mm_s')), deviceId).toBeGreaterThan(0.8);
      expect(correlation(col('power_kw'), col('production_units')), deviceId).toBeGreaterThan(0.8);
      expect(correlation(col('power_kw'), col('temperature_c')), deviceId).toBeGreaterThan(0.6);
      // Thermal lag: temperature matches power of half an hour ago better than power now.
      const power = list.map((r) => r.metrics.power_kw);
      const temperature = list.map((r) => r.metrics.temperature_c);
      const lagged = (lag: number) => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let t = lag; t < list.length; t++) {
          const p = power[t - lag];
          const c = temperature[t];
          if (typeof p === 'number' && typeof c === 'number' && p >= 0 && p <= 2000 && c > -40 && c < 250) {
            xs.push(p);
            ys.push(c);
          }
        }
        return correlation(xs, ys);
      };
      expect(lagged(30), deviceId).toBeGreaterThan(lagged(0));
      // Runtime only ever grows.
      let last = -Infinity;
      let backwards = 0;
      for (const r of list) {
        const v = r.metrics.runtime_h;
        if (typeof v !== 'number' || labelled.get(labelKey(deviceId, r.ts as string, 'runtime_h'))?.fault === 'outlier')
          continue;
        if (v < last) backwards++;
        last = v;
      }
      expect(backwards, deviceId).toBe(0);
    }
  });

  it('sends unit variants that convert back to the same canonical values', () => {
    const small = { ...base, durationS: 12 * 3600 };
    const plain = generate(small).readings;
    const varied = generate({ ...small, unitVariants: 0.3 }).readings;
    let converted = 0;
    varied.forEach((r, i) => {
      const p = plain[i] as WireReading;
      expect(wireReading.safeParse(r).success).toBe(true);
      for (const m of MACHINE_METRICS) {
        const unit = r.units?.[m];
        const conversion = conversionTo(specOf(r.deviceId, m).unit, unit);
        expect(conversion.ok, `${m} in ${unit}`).toBe(true);
        const sent = r.metrics[m];
        const expected = p.metrics[m];
        if (sent === null || sent === undefined || expected === null || expected === undefined || !conversion.ok) {
          expect(sent).toBe(expected);
          continue;
        }
        if (conversion.converted) converted++;
        expect(Math.abs(conversion.convert(sent) - expected)).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected)));
      }
    });
    const units = new Set(varied.flatMap((r) => Object.values(r.units ?? {})));
    expect([...units].sort()).toEqual(['K', 'W', 'in/s', 'min', '°F']);
    expect(converted).toBeGreaterThan(0.2 * varied.length);
  });

  it('keeps a stuck stretch in one unit, so that its frozen values still repeat exactly as sent', () => {
    const varied = generate({ ...base, durationS: 4 * 86_400, unitVariants: 0.5, tsVariants: 0.5 });
    const frozen = new Map<string, number>();
    const at = new Map(varied.readings.map((r) => [`${r.deviceId}|${r.seq}`, r]));
    for (const l of varied.labels.filter((x) => x.fault === 'stuck')) {
      const r = at.get(`${l.deviceId}|${tickOf(l.ts)}`) as WireReading;
      expect(r.units?.[l.metric]).toBeUndefined();
      const key = `${l.deviceId}|${l.metric}|${l.start}`;
      const v = r.metrics[l.metric] as number;
      if (frozen.has(key)) expect(v).toBe(frozen.get(key));
      else frozen.set(key, v);
    }
    expect(frozen.size).toBeGreaterThan(3);
  });

  it('stamps a share of readings plant-local or with an offset or epoch, all meaning the same instant', () => {
    const small = { ...base, startMs: Date.parse('2026-10-24T00:00:00Z'), durationS: 2 * 86_400 }; // clocks go back on the 25th
    const plain = generate(small).readings;
    const varied = generate({ ...small, tsVariants: 0.5 }).readings;
    const forms = new Set<string>();
    varied.forEach((r, i) => {
      const expected = Date.parse((plain[i] as WireReading).ts as string);
      const parsed = parseTimestamp(r.ts, 'Europe/Berlin');
      expect(parsed.ok && parsed.ms).toBe(expected);
      if (typeof r.ts === 'number') forms.add(r.ts > 1e11 ? 'epoch-ms' : 'epoch-s');
      else if (/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(r.ts)) forms.add('plant-local');
      else if (/[+-]\d{2}:\d{2}$/.test(r.ts)) forms.add('iso-offset');
      else forms.add('iso-utc');
    });
    expect([...forms].sort()).toEqual(['epoch-ms', 'epoch-s', 'iso-offset', 'iso-utc', 'plant-local']);
  });

  it('takes the registry limits: a narrower range moves outliers and keeps clean values inside', () => {
    const narrow = { ...limitsFromSpecs(registry.get('sim-plant/machine-01')?.metricSpecs ?? new Map()) };
    expect(narrow).toEqual(DEFAULT_LIMITS);
    narrow.temperature_c = { ...narrow.temperature_c, min: 0, max: 120 };
    const out = generate({ ...base, durationS: 2 * 86_400, limits: narrow, faults: { outlier: 0.01 } });
    const temps = out.labels.filter((l) => l.fault === 'outlier' && l.metric === 'temperature_c');
    expect(temps.length).toBeGreaterThan(20);
    const at = new Map(out.readings.map((r) => [`${r.deviceId}|${r.ts}`, r]));
    for (const l of temps) {
      const v = at.get(`${l.deviceId}|${l.ts}`)?.metrics.temperature_c as number;
      expect(v < 0 || v > 120).toBe(true);
    }
  });

  it('streams: simulate() yields the same readings as generate() without holding them', () => {
    const small = { ...base, durationS: 3600 };
    const streamed = [...simulate(small)].map((s) => s.reading);
    expect(streamed).toEqual(generate(small).readings);
  });

  it('rejects bad options with the field named', () => {
    expect(() => generate({ ...base, machines: 0 })).toThrow(/machines/);
    expect(() => generate({ ...base, faults: { missing: 2 } })).toThrow(/missing/);
    expect(() => generate({ ...base, timezone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });

  it('draws the same pseudo-random numbers everywhere (sfc32 seeded by splitmix32)', () => {
    const rng = new Rng(42, 'x');
    const first = [rng.next(), rng.next(), rng.next()];
    const again = new Rng(42, 'x');
    expect([again.next(), again.next(), again.next()]).toEqual(first);
    expect(new Rng(42, 'y').next()).not.toBe(first[0]);
    const normals = Array.from({ length: 20_000 }, () => rng.normal());
    const m = normals.reduce((a, b) => a + b, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((a, b) => a + (b - m) ** 2, 0) / normals.length);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

function labelledIn(labels: readonly FaultLabel[], r: WireReading, m: MachineMetric): boolean {
  return labels.some((l) => l.deviceId === r.deviceId && l.ts === r.ts && l.metric === m);
}

function robust(values: number[]): { median: number; scale: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (xs: number[]) =>
    xs.length % 2
      ? (xs[xs.length >> 1] as number)
      : ((xs[(xs.length >> 1) - 1] as number) + (xs[xs.length >> 1] as number)) / 2;
  const median = mid(sorted);
  return { median, scale: Math.max(1e-9, 1.4826 * mid(sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b))) };
}

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}
