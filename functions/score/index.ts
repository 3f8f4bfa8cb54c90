import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { leaveDomain } from '../leave-domain.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';
import { handleCleanPush } from '../../shared/scoring/handle-push.js';
import { scoreRuntime } from '../../shared/runtime/score-runtime.js';

/** Pub/Sub "readings-clean" → anomaly scores per series in the warehouse, alerts on "alerts". A thrown error answers 5xx: redeliver. */
cloudEvent('score', async (event: CloudEvent<unknown>) => {
  leaveDomain();
  await handleCleanPush(await scoreRuntime(), pushEventOf(event));
});
