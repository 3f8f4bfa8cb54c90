import { describe, expect, it } from 'vitest';
import { LoadResidualState, LOAD_RESIDUAL_PARAMS, type LoadInput } from '../../shared/scoring/load-residual.js';
import { PlantClock } from '../../shared/simulate/calendar.js';
import { MachinePhysics, machineParams } from '../../shared/simulate/machine.js';
import { Rng } from '../../shared/simulate/prng.js';

const MIN = 60_000;
const START = Date.UTC(2026, 0, 5); // a Monday
/** Monday to Saturday: two-shift weekdays, a short Saturday shift, idle afternoons in a warm hall. */
const DAYS = 6;

/** A two-shift machine of the simulator, one reading a minute with sensor noise; `offset` is added to its temperature. */
function simulatedMachine(seed: number, offset: (tsMs: number) => number = () => 0, days = DAYS): LoadInput[] {
  const rng = new Rng(seed, 'machine');
  const noise = new Rng(seed, 'noise');
  const physics = new MachinePhysics(machineParams(rng, 0), rng, 60);
  const clock = new PlantClock('UTC');
  const out: LoadInput[] = [];
  for (let t = START; t < START + days * 1440 * MIN; t += MIN) {
    const truth = physics.step(clock.at(t), true);
    const at = (metric: string, value: number) => out.push({ tsMs: t, metric, value, flags: [] });
    at('power_kw', truth.powerKw * (1 + 0.01 * noise.normal()));
    at('temperature_c', truth.temperatureC + 0.2 * noise.normal() + offset(t));
    at('vibration_mm_s', truth.vibration * (1 + 0.03 * noise.normal()));
    at('production_units', Math.max(0, Math.round(truth.unitsMean + Math.sqrt(truth.unitsMean) * noise.normal())));
  }
  return out;
}

/** Fed as messages of 400 values, as the score function receives them. */
function run(inputs: readonly LoadInput[]) {
  const state = new LoadResidualState();
  const judged = [];
  for (let i = 0; i < inputs.length; i += 400) judged.push(...state.step(inputs.slice(i, i + 400)));
  return judged;
}

describe('load-residual channel', () => {
  it('stays quiet on a healthy machine through its shift changes', () => {
    const inputs = simulatedMachine(3);
    const temps = inputs.filter((r) => r.metric === 'temperature_c').map((r) => r.value);
    // The load changes move temperature by more than the rise it must find below.
    expect(Math.max(...temps) - Math.min(...temps)).toBeGreaterThan(15);
    const judged = run(inputs);
    expect(judged.length).toBeGreaterThan(3 * (DAYS - 1) * 1440 - 3 * LOAD_RESIDUAL_PARAMS.learnRows);
    expect(judged.filter((j) => j.alarm)).toEqual([]);
  });

  it('raises a slow temperature rise that the load does not explain, and only it', () => {
    const riseFrom = START + (2 * 24 + 12) * MIN * 60;
    const riseMs = 6 * 60 * MIN;
    // 0 to 6 °C over six hours: less than one shift start moves the temperature.
    const rise = (t: number) => (t < riseFrom ? 0 : 6 * Math.min(1, (t - riseFrom) / riseMs));
    const alarms = run(simulatedMachine(3, rise)).filter((j) => j.alarm);
    expect(alarms.length).toBeGreaterThan(0);
    // Alerts: the first alarm, then one per 10 minutes of alarms, enough to keep the incident open.
    const alerts = alarms.filter((a) => a.alert);
    expect(alerts[0]).toBe(alarms[0]);
    expect(alerts.length).toBeLessThan(alarms.length / 5);
    for (const a of alarms) expect(alerts.some((b) => b.tsMs <= a.tsMs && a.tsMs - b.tsMs < 10 * MIN)).toBe(true);
    expect(new Set(alarms.map((a) => a.metric))).toEqual(new Set(['temperature_c']));
    const first = Math.min(...alarms.map((a) => a.tsMs));
    expect(first).toBeGreaterThan(riseFrom);
    expect(first).toBeLessThan(riseFrom + riseMs);
    expect(alarms.every((a) => a.value > a.expected)).toBe(true);
  });

  it('takes a lasting change of the relation as the new normal after a day of alarms', () => {
    const from = START + 2 * 1440 * MIN;
    const judged = run(simulatedMachine(3, (t) => (t < from ? 0 : 10), 6));
    const alarms = judged.filter((j) => j.alarm);
    expect(alarms.length).toBeGreaterThanOrEqual(LOAD_RESIDUAL_PARAMS.relearnRows);
    expect(Math.min(...alarms.map((a) => a.tsMs))).toBeGreaterThan(from);
    // A day of alarms, a day of learning again, then quiet judgements of the new level.
    expect(Math.max(...alarms.map((a) => a.tsMs))).toBeLessThan(from + 1440 * MIN + 60 * MIN);
    expect(judged.filter((j) => j.tsMs > from + 3 * 1440 * MIN).length).toBeGreaterThan(1000);
  });

  it('judges nothing while learning and ignores values older than what it has seen', () => {
    const state = new LoadResidualState();
    const inputs = simulatedMachine(5).slice(0, 4 * 1000);
    expect(state.step(inputs)).toEqual([]);
    expect(state.step(inputs)).toEqual([]);
  });
});
