import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleExportTick } from '../../shared/archive/handle-export-tick.js';
import { archiveRuntime } from '../../shared/runtime/archive-runtime.js';

/** Pub/Sub "archive-tick" (Cloud Scheduler, daily) → closed months of readings exported to the archive bucket. */
cloudEvent('archive', async (event: CloudEvent<unknown>) => {
  await handleExportTick(await archiveRuntime(), { id: event.id, data: event.data });
});
