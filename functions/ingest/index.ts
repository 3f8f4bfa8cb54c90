import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { leaveDomain } from '../leave-domain.js';
import { eventText } from '../../shared/bus/push-envelope.js';
import { handleReadingsPush } from '../../shared/ingest/handle-push.js';
import { ingestRuntime } from '../../shared/runtime/ingest-runtime.js';

/** Pub/Sub "readings" → validated, cleaned rows in the warehouse. A thrown error answers 5xx: redeliver. */
cloudEvent('ingest', async (event: CloudEvent<unknown>) => {
  leaveDomain();
  // A POST without CloudEvent headers reaches us as its whole body: read the envelope there, or dead-letter all of it.
  const data = event.data !== undefined ? event.data : (event as unknown);
  await handleReadingsPush(await ingestRuntime(), { id: eventText(event.id), data, source: eventText(event.source) });
});
