import { loadSteel, steelReading, type SteelRow } from '../demo/steel.js';
import { DeviceRegistry } from '../devices/registry.js';
import { cleanMessages } from '../readings/clean/batch/clean-file.js';

export interface ImputationQuality {
  readonly masked: number;
  /** Masked values that were not repaired (no neighbour, no physics). */
  readonly unrepaired: number;
  readonly imputedRmse: number;
  /** The same over the values whose reading kept its reactive energies and power factors, and over the rest. */
  readonly imputedRmseWithElectrical: number;
  readonly imputedRmseWithoutElectrical: number;
  /** Linear interpolation between the nearest unmasked neighbours in time: the baseline. */
  readonly linearRmse: number;
  /** The same per scope: energy alone masked, or with the electrical columns (split by whether CO2 reads 0). */
  readonly byScope: ReadonlyArray<{ name: Scope; values: number; rmse: number; linearRmse: number }>;
}

export const SCOPES = ['energy alone', 'all electrical, CO2 = 0', 'all electrical, CO2 > 0'] as const;
type Scope = (typeof SCOPES)[number];

const ELECTRICAL = ['lagging_reactive_kvarh', 'lagging_pf', 'leading_reactive_kvarh', 'leading_pf'];

function rmse(errors: readonly number[]): number {
  return Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / Math.max(1, errors.length));
}

/**
 * Masks a share of the steel plant's energy values (for some of them every electrical column too), runs
 * them through `kilowatch clean` and compares the imputed energy with the truth, next to linear
 * interpolation between neighbours.
 */
export function measureImputation(options: {
  days: number;
  share: number;
  allColumnsShare: number;
  seed: number;
  registryFile: string;
}): ImputationQuality {
  const steel: SteelRow[] = loadSteel().slice(0, options.days * 96);
  let seed = options.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const truth = new Map<string, number>();
  const allColumns = new Set<string>();
  const lines: string[] = [];
  for (let day = 0; day * 96 < steel.length; day++) {
    const readings = steel.slice(day * 96, day * 96 + 96).map((row, i) => {
      const reading = steelReading(row, day * 96 + i);
      const u = random();
      if (u < options.share) {
        truth.set(new Date(row.tsMs).toISOString(), row.metrics.usage_kwh);
        reading.metrics.usage_kwh = null;
        if (u < options.allColumnsShare) {
          allColumns.add(new Date(row.tsMs).toISOString());
          for (const m of ELECTRICAL) reading.metrics[m] = null;
        }
      }
      return reading;
    });
    lines.push(JSON.stringify({ readings }));
  }
  const registry = DeviceRegistry.fromFile(options.registryFile);
  const { rows } = cleanMessages(lines, registry, {
    futureToleranceS: 300,
    futureRejectS: 86_400,
    maxBatch: 1000,
    maxMessageBytes: 480 * 1024,
  });
  const usage = rows.filter((r) => r.metric === 'usage_kwh').sort((a, b) => a.ts.localeCompare(b.ts));
  const known = usage.map((r) => (truth.has(r.ts) ? null : r.value));
  const imputed: number[] = [];
  const split: [number[], number[]] = [[], []];
  const linear: number[] = [];
  const scoped = new Map<Scope, { imputed: number[]; linear: number[] }>(
    SCOPES.map((name) => [name, { imputed: [], linear: [] }]),
  );
  const co2 = new Map(steel.map((row) => [new Date(row.tsMs).toISOString(), row.metrics.co2_t]));
  let unrepaired = 0;
  usage.forEach((r, i) => {
    const actual = truth.get(r.ts);
    if (actual === undefined) return;
    if (r.status !== 'repaired' || r.value === null) {
      unrepaired++;
      return;
    }
    imputed.push(r.value - actual);
    split[allColumns.has(r.ts) ? 1 : 0].push(r.value - actual);
    let a = i - 1;
    while (a >= 0 && known[a] === null) a--;
    let b = i + 1;
    while (b < known.length && known[b] === null) b++;
    const left = a >= 0 ? (known[a] as number) : (known[b] as number);
    const right = b < known.length ? (known[b] as number) : left;
    linear.push((a >= 0 && b < known.length ? left + ((right - left) * (i - a)) / (b - a) : left) - actual);
    const scope: Scope = !allColumns.has(r.ts) ? SCOPES[0] : co2.get(r.ts) === 0 ? SCOPES[1] : SCOPES[2];
    const group = scoped.get(scope) as { imputed: number[]; linear: number[] };
    group.imputed.push(r.value - actual);
    group.linear.push(linear[linear.length - 1] as number);
  });
  return {
    masked: truth.size,
    unrepaired,
    imputedRmse: rmse(imputed),
    imputedRmseWithElectrical: rmse(split[0]),
    imputedRmseWithoutElectrical: rmse(split[1]),
    linearRmse: rmse(linear),
    byScope: [...scoped].map(([name, g]) => ({
      name,
      values: g.imputed.length,
      rmse: rmse(g.imputed),
      linearRmse: rmse(g.linear),
    })),
  };
}
