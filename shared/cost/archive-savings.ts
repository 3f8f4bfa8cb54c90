/**
 * What raw-readings expiry, the Parquet archive and the roll-ups save, as arithmetic over stated assumptions:
 * docs/cost.md prints archiveSavingsTable(ARCHIVE_ASSUMPTIONS), and a test checks the page holds exactly that.
 */
export interface ArchiveAssumptions {
  readonly devices: number;
  /** Rows of `readings` per device and day: 4 metrics, one message a minute. */
  readonly rowsPerDeviceDay: number;
  /** BigQuery logical bytes of a readings row (measured: parquet-size.ts on the steel year, 136 B). */
  readonly bigQueryBytesPerRow: number;
  /** Parquet (Snappy) bytes of a readings row (measured the same way, 36 B). */
  readonly parquetBytesPerRow: number;
  /** BigQuery logical bytes of a roll-up row (a 64-hex key, ids, 3 counts, 4 floats, 2 timestamps). */
  readonly rollupBytesPerRow: number;
  readonly metricsPerDevice: number;
  /** Months of history held when the bill is taken (steady growth from month 1). */
  readonly historyMonths: number;
  /** retention.readingsExpiryDays, in months. */
  readonly rawMonths: number;
  readonly prices: {
    readonly bqActivePerGiB: number;
    readonly bqLongTermPerGiB: number;
    readonly bqQueryPerTiB: number;
    /** Cloud Storage per GiB-month by class, EU multi-region. */
    readonly gcs: {
      readonly STANDARD: number;
      readonly NEARLINE: number;
      readonly COLDLINE: number;
      readonly ARCHIVE: number;
    };
  };
  /** Bucket lifecycle (infra/config storage): object age in days at which it moves to each class. */
  readonly lifecycleDays: { readonly NEARLINE: number; readonly COLDLINE: number; readonly ARCHIVE: number };
  /** Bytes a "year of monthly totals per device" query reads per raw row (device_id, metric, ts, value). */
  readonly scannedBytesPerRawRow: number;
}

export const ARCHIVE_ASSUMPTIONS: ArchiveAssumptions = {
  devices: 10_000,
  rowsPerDeviceDay: 4 * 1440,
  bigQueryBytesPerRow: 136,
  parquetBytesPerRow: 36,
  rollupBytesPerRow: 174,
  metricsPerDevice: 4,
  historyMonths: 36,
  rawMonths: 13,
  prices: {
    bqActivePerGiB: 0.02,
    bqLongTermPerGiB: 0.01,
    bqQueryPerTiB: 6.25,
    gcs: { STANDARD: 0.026, NEARLINE: 0.015, COLDLINE: 0.009, ARCHIVE: 0.003 },
  },
  lifecycleDays: { NEARLINE: 30, COLDLINE: 90, ARCHIVE: 365 },
  scannedBytesPerRawRow: 52,
};

const GIB = 2 ** 30;
const DAYS_PER_MONTH = 30.4;
/** BigQuery bills a table's partitions unchanged for 90 days at the long-term price. */
const ACTIVE_MONTHS = 3;

export interface ArchiveSavings {
  readonly rawGiBPerMonth: number;
  readonly parquetGiBPerMonth: number;
  readonly rollupGiBPerMonth: number;
  /** Monthly bill of the whole history kept raw in BigQuery. */
  readonly keepAllUsd: number;
  /** Monthly bill with expiry: raw for rawMonths, roll-ups for all, every month in the archive bucket. */
  readonly withArchive: {
    readonly rawUsd: number;
    readonly rollupsUsd: number;
    readonly gcsUsd: number;
    readonly totalUsd: number;
  };
  readonly queryRawUsd: number;
  readonly queryRollupUsd: number;
}

/** BigQuery storage of `months` equal monthly partitions: the newest 3 active, the rest long-term. */
function bigQueryStorageUsd(gibPerMonth: number, months: number, a: ArchiveAssumptions): number {
  const active = Math.min(months, ACTIVE_MONTHS);
  return gibPerMonth * (active * a.prices.bqActivePerGiB + (months - active) * a.prices.bqLongTermPerGiB);
}

/** The storage class the bucket lifecycle has moved an object of this age to. */
function classAt(ageDays: number, a: ArchiveAssumptions): keyof ArchiveAssumptions['prices']['gcs'] {
  if (ageDays >= a.lifecycleDays.ARCHIVE) return 'ARCHIVE';
  if (ageDays >= a.lifecycleDays.COLDLINE) return 'COLDLINE';
  if (ageDays >= a.lifecycleDays.NEARLINE) return 'NEARLINE';
  return 'STANDARD';
}

export function archiveSavings(a: ArchiveAssumptions): ArchiveSavings {
  const rowsPerMonth = a.devices * a.rowsPerDeviceDay * DAYS_PER_MONTH;
  const rawGiBPerMonth = (rowsPerMonth * a.bigQueryBytesPerRow) / GIB;
  const parquetGiBPerMonth = (rowsPerMonth * a.parquetBytesPerRow) / GIB;
  // Hourly, daily, weekly and monthly rows per device and metric in a month.
  const rollupRows = a.devices * a.metricsPerDevice * (24 * DAYS_PER_MONTH + DAYS_PER_MONTH + DAYS_PER_MONTH / 7 + 1);
  const rollupGiBPerMonth = (rollupRows * a.rollupBytesPerRow) / GIB;

  const keepAllUsd = bigQueryStorageUsd(rawGiBPerMonth, a.historyMonths, a);
  const rawUsd = bigQueryStorageUsd(rawGiBPerMonth, Math.min(a.rawMonths, a.historyMonths), a);
  const rollupsUsd = bigQueryStorageUsd(rollupGiBPerMonth, a.historyMonths, a);
  // Month k (1 = last closed month) was exported about k - 1 months ago.
  let gcsUsd = 0;
  for (let k = 1; k <= a.historyMonths; k++)
    gcsUsd += parquetGiBPerMonth * a.prices.gcs[classAt((k - 1) * DAYS_PER_MONTH, a)];

  const yearRawBytes = 12 * rowsPerMonth * a.scannedBytesPerRawRow;
  // The same question from the daily roll-up: device_id, metric, bucket_start, value_sum.
  const yearRollupBytes = 365 * a.devices * a.metricsPerDevice * (22 + 14 + 8 + 8);
  const perTiB = a.prices.bqQueryPerTiB / 2 ** 40;
  return {
    rawGiBPerMonth,
    parquetGiBPerMonth,
    rollupGiBPerMonth,
    keepAllUsd,
    withArchive: { rawUsd, rollupsUsd, gcsUsd, totalUsd: rawUsd + rollupsUsd + gcsUsd },
    queryRawUsd: yearRawBytes * perTiB,
    queryRollupUsd: Math.max(yearRollupBytes, 10 * 2 ** 20) * perTiB,
  };
}

const usd = (n: number, digits = 2) => `$${n.toFixed(digits)}`;
const gib = (n: number) => `${n.toFixed(1)} GiB`;

/** The table docs/cost.md shows. */
export function archiveSavingsTable(a: ArchiveAssumptions): string {
  const s = archiveSavings(a);
  const saved = s.keepAllUsd - s.withArchive.totalUsd;
  return [
    `| at ${a.devices.toLocaleString('en-US')} devices, month ${a.historyMonths} | monthly |`,
    '| --- | ---: |',
    `| raw readings added a month (BigQuery logical / Parquet / roll-ups) | ${gib(s.rawGiBPerMonth)} / ${gib(s.parquetGiBPerMonth)} / ${gib(s.rollupGiBPerMonth)} |`,
    `| keep every raw reading in BigQuery (${a.historyMonths} months) | ${usd(s.keepAllUsd)} |`,
    `| raw readings for ${a.rawMonths} months (partition expiry) | ${usd(s.withArchive.rawUsd)} |`,
    `| roll-ups, all ${a.historyMonths} months (hour, day, week, month) | ${usd(s.withArchive.rollupsUsd)} |`,
    `| archive bucket, all ${a.historyMonths} months as Parquet, lifecycle to Nearline/Coldline/Archive | ${usd(s.withArchive.gcsUsd)} |`,
    `| **with expiry, roll-ups and archive** | **${usd(s.withArchive.totalUsd)}** (saves ${usd(saved)}, ${((100 * saved) / s.keepAllUsd).toFixed(0)} %) |`,
    `| one "monthly totals per device for a year" query: raw readings / daily roll-up | ${usd(s.queryRawUsd)} / ${usd(s.queryRollupUsd, 4)} |`,
  ].join('\n');
}
