import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleReadingsPush } from '../../shared/ingest/handle-push.js';
import { ingestRuntime } from '../../shared/runtime/ingest-runtime.js';

/** Pub/Sub "readings" → validated, cleaned rows in the warehouse. A thrown error answers 5xx: redeliver. */
cloudEvent('ingest', async (event: CloudEvent<unknown>) => {
  await handleReadingsPush(await ingestRuntime(), { id: event.id, data: event.data });
});
