import { describe, expect, it } from 'vitest';
import { loadTariff, periodAt, priceAt, type Tariff } from '../../shared/energy/tariff.js';
import {
  averagePowerFactor,
  bill,
  compareBills,
  powerFactorAdjustment,
  powerFactorWhatIf,
  shiftLoad,
} from '../../shared/energy/what-if.js';

const tariff: Tariff = loadTariff('data/tariffs', 'steel-plant');
/** 2018-07-02 (a summer Monday) at a local hour, Asia/Seoul (UTC+9). */
const at = (hour: number, minute = 0) => new Date(Date.UTC(2018, 6, 2, hour - 9, minute)).toISOString();

describe('tariff file', () => {
  it('cites its source and says it is not verified', () => {
    expect(tariff.source.publisher).toMatch(/KEPCO/);
    expect(tariff.verified).toBe(false);
    expect(tariff.currency).toBe('KRW');
  });
  it('maps local hours to seasons and periods', () => {
    expect(periodAt(tariff, at(3))).toEqual({ season: 'summer', period: 'off_peak', localHour: 3 });
    expect(periodAt(tariff, at(11, 30)).period).toBe('peak');
    expect(periodAt(tariff, at(12, 15)).period).toBe('mid');
    expect(periodAt(tariff, '2018-01-15T01:00:00Z')).toMatchObject({ season: 'winter', period: 'peak', localHour: 10 });
    expect(priceAt(tariff, at(14))).toBe(234.5);
  });
  it('refuses a malformed tariff with the field named', () => {
    expect(() => loadTariff('data/tariffs', '../etc')).toThrow(/invalid site/);
    expect(() => loadTariff('data/tariffs', 'nowhere')).toThrow(/no tariff for site nowhere/);
  });
});

describe('what-if arithmetic (hand-computed)', () => {
  // Four 15-minute intervals: two in the peak hour 14:00, two at off-peak 02:00 of the same local day.
  const intervals = [
    { ts: at(2, 0), kwh: 10 },
    { ts: at(2, 15), kwh: 10 },
    { ts: at(14, 0), kwh: 40 },
    { ts: at(14, 15), kwh: 60 },
  ];

  it('bills energy by period, the peak demand and CO2', () => {
    const b = bill(tariff, intervals, 0.25);
    // 20 kWh x 99.5 + 100 kWh x 234.5 = 1,990 + 23,450 = 25,440 KRW
    expect(b.energyKwh).toBe(120);
    expect(b.energyCost).toBeCloseTo(25_440, 6);
    // 60 kWh in 15 minutes = 240 kW; x 8,320 KRW/kW = 1,996,800 KRW a month
    expect(b.peakKw).toBe(240);
    expect(b.demandChargePerMonth).toBe(1_996_800);
    expect(b.co2Kg).toBeCloseTo(120 * 0.4208, 9);
  });

  it('moving 20 % of the peak hour to the night keeps the energy and prices the difference', () => {
    const shifted = shiftLoad(tariff, intervals, { startHour: 14, endHour: 15 }, { startHour: 0, endHour: 6 }, 0.2);
    // 20 % of 100 kWh = 20 kWh moved, 10 kWh onto each night interval.
    expect(shifted.map((i) => i.kwh)).toEqual([20, 20, 32, 48]);
    const d = compareBills(bill(tariff, intervals, 0.25), bill(tariff, shifted, 0.25));
    expect(d.deltaKwh).toBeCloseTo(0, 9);
    expect(d.deltaCo2Kg).toBeCloseTo(0, 9);
    // 20 kWh x (99.5 - 234.5) = -2,700 KRW
    expect(d.deltaEnergyCost).toBeCloseTo(-2_700, 6);
    // Peak 60 -> 48 kWh per 15 min: 240 -> 192 kW, -48 kW x 8,320 = -399,360 KRW a month
    expect(d.deltaPeakKw).toBeCloseTo(-48, 9);
    expect(d.deltaDemandChargePerMonth).toBeCloseTo(-399_360, 6);
  });

  it('a window spanning midnight shifts too', () => {
    const shifted = shiftLoad(tariff, intervals, { startHour: 22, endHour: 4 }, { startHour: 14, endHour: 15 }, 0.5);
    expect(shifted.map((i) => i.kwh)).toEqual([5, 5, 45, 65]);
  });

  it('power-factor correction to 0.95: the month average, the KEPCO adjustment and the saving', () => {
    // In PF hours (09-23): 100 kWh with 75 kVArh: PF 100/125 = 0.8. The night interval is outside PF hours.
    const reactive = [
      { ts: at(2), kwh: 10, kvarh: 10 },
      { ts: at(14), kwh: 100, kvarh: 75 },
    ];
    expect(averagePowerFactor(tariff, reactive)).toBeCloseTo(0.8, 12);
    // 10 points below 90 %: +2 % of the demand charge; at 95 %: 5 points above, -1 %.
    expect(powerFactorAdjustment(tariff, 0.8)).toBeCloseTo(0.02, 12);
    expect(powerFactorAdjustment(tariff, 0.97)).toBeCloseTo(-0.01, 12);
    expect(powerFactorAdjustment(tariff, 0.5)).toBeCloseTo(0.06, 12);
    const w = powerFactorWhatIf(tariff, reactive, 0.95, 500, 0.25);
    expect(w.averagePfAfter).toBeCloseTo(0.95, 9);
    // Q allowed = 100 x tan(acos 0.95) = 32.868 kVArh; night: 10 x 0.3287 = 3.287
    expect(w.reactiveKvarhAfter).toBeCloseTo(100 * Math.tan(Math.acos(0.95)) + 10 * Math.tan(Math.acos(0.95)), 9);
    // (-0.01 - 0.02) x 500 kW x 8,320 KRW/kW = -124,800 KRW a month
    expect(w.deltaDemandChargePerMonth).toBeCloseTo(-124_800, 6);
    // Worst interval needed (75 - 32.868) kVArh in 0.25 h = 168.5 kVAr
    expect(w.capacitorKvar).toBeCloseTo((75 - 100 * Math.tan(Math.acos(0.95))) / 0.25, 9);
  });
});
