import type { ExportTickDeps } from '../archive/handle-export-tick.js';
import type { Config } from '../config/env.js';
import { openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

/** The export's dependencies: BigQuery and the archive bucket (the local archive is `kilowatch archive --until`). */
export async function createExportDeps(config: Config): Promise<ExportTickDeps> {
  if (config.KILOWATCH_BACKEND !== 'gcp' || !config.KILOWATCH_ARCHIVE_BUCKET)
    throw new Error(
      'the archive function exports BigQuery to Cloud Storage: it needs KILOWATCH_BACKEND=gcp and KILOWATCH_ARCHIVE_BUCKET (locally: kilowatch archive --until)',
    );
  const { BigQueryWarehouse } = await import('../warehouse/bigquery.js');
  const warehouse = await openWarehouse(config);
  if (!(warehouse instanceof BigQueryWarehouse)) throw new Error('the archive function needs the BigQuery warehouse');
  const { BigQueryMonthExporter } = await import('../archive/bigquery-export.js');
  return {
    exporter: new BigQueryMonthExporter(warehouse, config.KILOWATCH_ARCHIVE_BUCKET),
    lateHours: config.KILOWATCH_ROLLUP_LATE_HOURS,
    maxMonths: 1,
    now: Date.now,
  };
}

const runtime = perProcess(createExportDeps);

export const archiveRuntime = () => runtime.get();
