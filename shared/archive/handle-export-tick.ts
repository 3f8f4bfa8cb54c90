import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import { tickBody } from '../rollup/handle-tick.js';
import { exportClosedMonths, type MonthExport } from './export-months.js';
import type { MonthExporter } from './export-port.js';

export interface ExportTickDeps {
  readonly exporter: MonthExporter;
  readonly lateHours: number;
  readonly maxMonths: number;
  readonly now: () => number;
}

/** The scheduler's daily tick: exports the closed months not exported yet (usually none, on the 3rd one). */
export async function handleExportTick(deps: ExportTickDeps, event: PushEvent): Promise<MonthExport[]> {
  if (tickBody(event) === undefined) {
    log.error('archive tick ignored: expected a JSON body', { eventId: event.id });
    return [];
  }
  const exported = await exportClosedMonths(deps.exporter, {
    now: new Date(deps.now()),
    lateHours: deps.lateHours,
    maxMonths: deps.maxMonths,
  });
  log.info('archive export', { eventId: event.id, exported });
  return exported;
}
