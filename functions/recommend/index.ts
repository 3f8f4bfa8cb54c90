import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleMaintenanceTick } from '../../shared/maintenance/handle-tick.js';
import { recommendRuntime } from '../../shared/runtime/recommend-runtime.js';

/** Pub/Sub "maintenance-tick" (Cloud Scheduler, daily) → a recommendation per machine in the warehouse. */
cloudEvent('recommend', async (event: CloudEvent<unknown>) => {
  await handleMaintenanceTick(await recommendRuntime(), { id: event.id, data: event.data });
});
