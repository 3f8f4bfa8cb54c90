import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';

const PERIODS = ['off_peak', 'mid', 'peak'] as const;
export type Period = (typeof PERIODS)[number];
const hourRanges = z.array(z.tuple([z.number().int().min(0).max(23), z.number().int().min(1).max(24)]));

/** A site's tariff file (data/tariffs/<site>.json): time-of-use periods and prices, demand charge, power factor, emissions. */
export const tariffSchema = z.strictObject({
  site: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
  timezone: z.string().min(1),
  name: z.string(),
  source: z.strictObject({ publisher: z.string(), document: z.string(), url: z.url(), note: z.string() }),
  verified: z.boolean(),
  seasons: z.record(z.string(), z.array(z.number().int().min(1).max(12))),
  periods: z.record(z.string(), z.record(z.enum(PERIODS), hourRanges)),
  energyPricePerKwh: z.record(z.string(), z.record(z.enum(PERIODS), z.number().nonnegative())),
  demandChargePerKwMonth: z.number().nonnegative(),
  powerFactor: z.strictObject({
    reference: z.number().min(0).max(1),
    bestCredited: z.number().min(0).max(1),
    floor: z.number().min(0).max(1),
    adjustmentPerPoint: z.number().nonnegative(),
    hours: z.tuple([z.number().int().min(0).max(23), z.number().int().min(1).max(24)]),
    rule: z.string(),
  }),
  emissionFactorKgPerKwh: z.number().nonnegative(),
  emissionFactorSource: z.string(),
});
export type Tariff = z.infer<typeof tariffSchema>;

/** Reads and validates `<dir>/<site>.json`; a bad file is named with its first problem. */
export function loadTariff(dir: string, site: string): Tariff {
  if (!/^[\w-]+$/.test(site)) throw new Error(`invalid site ${JSON.stringify(site)}`);
  const path = join(dir, `${site}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`no tariff for site ${site}: ${path} (${(error as Error).message})`, { cause: error });
  }
  const parsed = tariffSchema.safeParse(json);
  if (!parsed.success) throw new Error(`tariff ${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The season and time-of-use period of an instant, in the tariff's timezone. */
export function periodAt(tariff: Tariff, ts: string): { season: string; period: Period; localHour: number } {
  const local = DateTime.fromISO(ts, { zone: tariff.timezone });
  const season = Object.entries(tariff.seasons).find(([, months]) => months.includes(local.month))?.[0];
  if (!season) throw new Error(`tariff ${tariff.site} has no season for month ${local.month}`);
  const table: Partial<Record<Period, Array<[number, number]>>> = tariff.periods[season] ?? {};
  const period = PERIODS.find((p) => (table[p] ?? []).some(([a, b]) => local.hour >= a && local.hour < b));
  if (!period) throw new Error(`tariff ${tariff.site} has no period for ${season} hour ${local.hour}`);
  return { season, period, localHour: local.hour };
}

export function priceAt(tariff: Tariff, ts: string): number {
  const { season, period } = periodAt(tariff, ts);
  return tariff.energyPricePerKwh[season]?.[period] ?? 0;
}
