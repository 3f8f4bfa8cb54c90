import { z } from 'zod';
import { bill, compareBills, powerFactorWhatIf, shiftLoad, type Interval } from '../../energy/what-if.js';
import { invalid } from '../../query/errors.js';
import { tool } from '../tool.js';
import { deviceId, isoTime, queryCitation, round, type CopilotDeps } from './deps.js';
import { readSeries } from './series.js';

const hour = z.number().int().min(0).max(24);
const hours = z
  .object({ startHour: hour, endHour: hour })
  .describe('local hours [startHour, endHour) of every day; a window may wrap midnight (22 to 6)');

/** The energy meter's intervals over the baseline, with its site tariff and interval length. */
async function baseline(deps: CopilotDeps, id: string, from: string, to: string) {
  const device = deps.query.devices.get(id);
  if (!device || device.type !== 'energy-meter') throw invalid('deviceId', `${id} is not a registered energy meter`);
  const points = await readSeries(deps, id, 'usage_kwh', from, to);
  const intervals: Interval[] = points
    .filter((p) => p.value !== null)
    .map((p) => ({ ts: p.ts, kwh: p.value as number }));
  if (intervals.length === 0) throw invalid('from', `no usage_kwh readings of ${id} in [${from}, ${to})`);
  return { device, intervals, tariff: deps.tariff(device.site), intervalHours: device.intervalSeconds / 3600 };
}

const money = (x: number) => round(x, 0);

export function whatIfShiftTool(deps: CopilotDeps) {
  const args = z.object({
    deviceId,
    from: isoTime.describe('baseline period start (the data the change is applied to)'),
    to: isoTime.describe('baseline period end'),
    fromHours: hours,
    toHours: hours,
    share: z.number().gt(0).max(1).describe('share of the fromHours energy moved, 0.2 for 20 %'),
  });
  return tool({
    name: 'what_if_shift_load',
    description:
      "What if a share of each day's energy in some hours moved to other hours (a schedule change)? Applied to the baseline period's real 15-minute data, priced with the site's tariff: Δ kWh, Δ energy cost, Δ peak demand (kW), Δ demand charge per month, Δ CO2 (kg).",
    args,
    async run(a) {
      const { intervals, tariff, intervalHours } = await baseline(deps, a.deviceId, a.from, a.to);
      const d = compareBills(
        bill(tariff, intervals, intervalHours),
        bill(tariff, shiftLoad(tariff, intervals, a.fromHours, a.toHours, a.share), intervalHours),
      );
      return {
        content: {
          currency: d.currency,
          tariff: tariff.name,
          tariffVerified: tariff.verified,
          baseline: {
            from: a.from,
            to: a.to,
            energyKwh: round(d.before.energyKwh, 1),
            energyCost: money(d.before.energyCost),
            peakKw: round(d.before.peakKw, 1),
          },
          deltaKwh: round(d.deltaKwh, 3),
          deltaEnergyCost: money(d.deltaEnergyCost),
          deltaPeakKw: round(d.deltaPeakKw, 2),
          deltaDemandChargePerMonth: money(d.deltaDemandChargePerMonth),
          deltaCo2Kg: round(d.deltaCo2Kg, 3),
          units: { energy: 'kWh', cost: tariff.currency, demand: 'kW', co2: 'kg' },
          emissionFactor: { kgPerKwh: tariff.emissionFactorKgPerKwh, source: tariff.emissionFactorSource },
        },
        citations: [
          queryCitation(
            'what_if_shift_load',
            a,
            `usage_kwh of ${a.deviceId} [${a.from}, ${a.to}) with tariff ${tariff.site}`,
          ),
        ],
      };
    },
  });
}

export function whatIfPowerFactorTool(deps: CopilotDeps) {
  const args = z.object({
    deviceId,
    from: isoTime,
    to: isoTime,
    targetPf: z.number().min(0.8).max(1).describe('target lagging power factor, e.g. 0.95'),
  });
  return tool({
    name: 'what_if_power_factor',
    description:
      "What would correcting the lagging power factor to targetPf save? From the baseline period's energy and lagging reactive energy: average PF before and after (tariff hours), capacitor size needed (kVAr), demand-charge adjustment and its change per month in the tariff's currency.",
    args,
    async run(a) {
      const { intervals, tariff, intervalHours } = await baseline(deps, a.deviceId, a.from, a.to);
      const reactive = new Map(
        (await readSeries(deps, a.deviceId, 'lagging_reactive_kvarh', a.from, a.to)).map((p) => [p.ts, p.value ?? 0]),
      );
      const rows = intervals.map((i) => ({ ...i, kvarh: reactive.get(i.ts) ?? 0 }));
      const peakKw = bill(tariff, intervals, intervalHours).peakKw;
      const w = powerFactorWhatIf(tariff, rows, a.targetPf, peakKw, intervalHours);
      return {
        content: {
          currency: w.currency,
          tariffRule: tariff.powerFactor.rule,
          tariffVerified: tariff.verified,
          averagePfBefore: round(w.averagePfBefore, 4),
          averagePfAfter: round(w.averagePfAfter, 4),
          reactiveKvarhBefore: round(w.reactiveKvarhBefore, 1),
          reactiveKvarhAfter: round(w.reactiveKvarhAfter, 1),
          capacitorKvar: round(w.capacitorKvar, 1),
          demandAdjustmentBefore: round(w.demandAdjustmentBefore, 4),
          demandAdjustmentAfter: round(w.demandAdjustmentAfter, 4),
          peakKw: round(peakKw, 1),
          deltaDemandChargePerMonth: money(w.deltaDemandChargePerMonth),
          units: {
            reactive: 'kVArh',
            capacitor: 'kVAr',
            adjustment: 'share of the demand charge',
            cost: tariff.currency,
          },
        },
        citations: [
          queryCitation(
            'what_if_power_factor',
            a,
            `usage_kwh and lagging_reactive_kvarh of ${a.deviceId} [${a.from}, ${a.to})`,
          ),
        ],
      };
    },
  });
}
