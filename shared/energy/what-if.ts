import { DateTime } from 'luxon';
import { periodAt, priceAt, type Tariff } from './tariff.js';

/** Energy of one metering interval. */
export interface Interval {
  readonly ts: string;
  readonly kwh: number;
}

/** An interval of an energy meter with its lagging reactive energy. */
export interface ReactiveInterval extends Interval {
  readonly kvarh: number;
}

/** Local hours [startHour, endHour) of every day; endHour 24 is midnight. */
export interface HourWindow {
  readonly startHour: number;
  readonly endHour: number;
}

/** What a set of intervals costs under a tariff, with units in the names. */
export interface Bill {
  readonly energyKwh: number;
  readonly energyCost: number;
  /** Highest interval demand: kWh of the interval over its length in hours. */
  readonly peakKw: number;
  /** One month's demand charge at that peak. */
  readonly demandChargePerMonth: number;
  readonly co2Kg: number;
  readonly currency: string;
}

export function bill(tariff: Tariff, intervals: readonly Interval[], intervalHours: number): Bill {
  let energyKwh = 0;
  let energyCost = 0;
  let peakKw = 0;
  for (const i of intervals) {
    energyKwh += i.kwh;
    energyCost += i.kwh * priceAt(tariff, i.ts);
    peakKw = Math.max(peakKw, i.kwh / intervalHours);
  }
  return {
    energyKwh,
    energyCost,
    peakKw,
    demandChargePerMonth: peakKw * tariff.demandChargePerKwMonth,
    co2Kg: energyKwh * tariff.emissionFactorKgPerKwh,
    currency: tariff.currency,
  };
}

function inWindow(hour: number, w: HourWindow): boolean {
  return w.startHour <= w.endHour ? hour >= w.startHour && hour < w.endHour : hour >= w.startHour || hour < w.endHour;
}

/**
 * Moves `share` of each local day's energy in `from` hours to its `to` hours, spread evenly over that day's
 * intervals in `to`: a schedule change keeps the day's energy, so Δ kWh and Δ CO₂ are zero and the saving is
 * the price difference and the demand.
 */
export function shiftLoad(
  tariff: Tariff,
  intervals: readonly Interval[],
  from: HourWindow,
  to: HourWindow,
  share: number,
): Interval[] {
  const local = intervals.map((i) => ({ ...i, at: DateTime.fromISO(i.ts, { zone: tariff.timezone }) }));
  const days = new Map<string, typeof local>();
  for (const i of local) {
    const day = i.at.toISODate() as string;
    days.set(day, [...(days.get(day) ?? []), i]);
  }
  const out = new Map(intervals.map((i) => [i.ts, i.kwh]));
  for (const dayIntervals of days.values()) {
    const sources = dayIntervals.filter((i) => inWindow(i.at.hour, from));
    const targets = dayIntervals.filter((i) => inWindow(i.at.hour, to) && !inWindow(i.at.hour, from));
    if (sources.length === 0 || targets.length === 0) continue;
    const moved = sources.reduce((s, i) => s + i.kwh * share, 0);
    for (const i of sources) out.set(i.ts, (out.get(i.ts) ?? 0) - i.kwh * share);
    for (const i of targets) out.set(i.ts, (out.get(i.ts) ?? 0) + moved / targets.length);
  }
  return intervals.map((i) => ({ ts: i.ts, kwh: out.get(i.ts) ?? i.kwh }));
}

export interface Delta {
  readonly before: Bill;
  readonly after: Bill;
  readonly deltaKwh: number;
  readonly deltaEnergyCost: number;
  readonly deltaPeakKw: number;
  readonly deltaDemandChargePerMonth: number;
  readonly deltaCo2Kg: number;
  readonly currency: string;
}

export function compareBills(before: Bill, after: Bill): Delta {
  return {
    before,
    after,
    deltaKwh: after.energyKwh - before.energyKwh,
    deltaEnergyCost: after.energyCost - before.energyCost,
    deltaPeakKw: after.peakKw - before.peakKw,
    deltaDemandChargePerMonth: after.demandChargePerMonth - before.demandChargePerMonth,
    deltaCo2Kg: after.co2Kg - before.co2Kg,
    currency: before.currency,
  };
}

/** The month's lagging power factor as the tariff averages it: from the energy of its PF hours. */
export function averagePowerFactor(tariff: Tariff, intervals: readonly ReactiveInterval[]): number {
  const [start, end] = tariff.powerFactor.hours;
  let p = 0;
  let q = 0;
  for (const i of intervals) {
    const { localHour } = periodAt(tariff, i.ts);
    if (localHour < start || localHour >= end) continue;
    p += i.kwh;
    q += i.kvarh;
  }
  return p + q === 0 ? 1 : p / Math.hypot(p, q);
}

/** The demand-charge adjustment as a share (+ surcharge, − discount) at an average power factor. */
export function powerFactorAdjustment(tariff: Tariff, pf: number): number {
  const { reference, bestCredited, floor, adjustmentPerPoint } = tariff.powerFactor;
  const points = (Math.min(Math.max(pf, floor), bestCredited) - reference) * 100;
  return -points * adjustmentPerPoint;
}

export interface PowerFactorWhatIf {
  readonly averagePfBefore: number;
  readonly averagePfAfter: number;
  readonly reactiveKvarhBefore: number;
  readonly reactiveKvarhAfter: number;
  /** Capacitor size that would have been needed at the worst interval, kVAr. */
  readonly capacitorKvar: number;
  readonly demandAdjustmentBefore: number;
  readonly demandAdjustmentAfter: number;
  /** Change of one month's demand charge at `peakKw`, in the tariff's currency (negative: a saving). */
  readonly deltaDemandChargePerMonth: number;
  readonly currency: string;
}

/**
 * Correction to `targetPf`: every interval whose lagging power factor is below it gets just enough
 * capacitive compensation to reach it (Q = P·tan φ), the rest is untouched.
 */
export function powerFactorWhatIf(
  tariff: Tariff,
  intervals: readonly ReactiveInterval[],
  targetPf: number,
  peakKw: number,
  intervalHours: number,
): PowerFactorWhatIf {
  const tanTarget = Math.tan(Math.acos(targetPf));
  let capacitorKvar = 0;
  const after = intervals.map((i) => {
    const allowed = i.kwh * tanTarget;
    if (i.kvarh <= allowed) return i;
    capacitorKvar = Math.max(capacitorKvar, (i.kvarh - allowed) / intervalHours);
    return { ...i, kvarh: allowed };
  });
  const pfBefore = averagePowerFactor(tariff, intervals);
  const pfAfter = averagePowerFactor(tariff, after);
  const adjBefore = powerFactorAdjustment(tariff, pfBefore);
  const adjAfter = powerFactorAdjustment(tariff, pfAfter);
  const sum = (xs: readonly ReactiveInterval[]) => xs.reduce((s, i) => s + i.kvarh, 0);
  return {
    averagePfBefore: pfBefore,
    averagePfAfter: pfAfter,
    reactiveKvarhBefore: sum(intervals),
    reactiveKvarhAfter: sum(after),
    capacitorKvar,
    demandAdjustmentBefore: adjBefore,
    demandAdjustmentAfter: adjAfter,
    deltaDemandChargePerMonth: (adjAfter - adjBefore) * peakKw * tariff.demandChargePerKwMonth,
    currency: tariff.currency,
  };
}
