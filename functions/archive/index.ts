import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleExportTick } from '../../shared/archive/handle-export-tick.js';
import { archiveRuntime } from '../../shared/runtime/archive-runtime.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';

/** Pub/Sub "archive-tick" (Cloud Scheduler, daily) → closed months of readings exported to the archive bucket. */
cloudEvent('archive', async (event: CloudEvent<unknown>) => {
  await handleExportTick(await archiveRuntime(), pushEventOf(event));
});
