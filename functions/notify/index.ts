import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleAlertsPush } from '../../shared/alerting/handle-alerts.js';
import { notifyRuntime } from '../../shared/runtime/notify-runtime.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';

/** Pub/Sub "alerts" → incidents (one per episode, storms grouped) and their notifications to webhooks. A thrown error answers 5xx: redeliver. */
cloudEvent('notify', async (event: CloudEvent<unknown>) => {
  const { processor, bus } = await notifyRuntime();
  await handleAlertsPush(processor, bus, pushEventOf(event));
});
