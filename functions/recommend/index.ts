import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleMaintenanceTick } from '../../shared/maintenance/handle-tick.js';
import { recommendRuntime } from '../../shared/runtime/recommend-runtime.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';

/** Pub/Sub "maintenance-tick" (Cloud Scheduler, daily) → a recommendation per machine in the warehouse. */
cloudEvent('recommend', async (event: CloudEvent<unknown>) => {
  await handleMaintenanceTick(await recommendRuntime(), pushEventOf(event));
});
