import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleRollupTick } from '../../shared/rollup/handle-tick.js';
import { rollupRuntime } from '../../shared/runtime/rollup-runtime.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';

/** Pub/Sub "rollup-tick" (Cloud Scheduler, every 6 hours) → hourly, daily, weekly and monthly roll-ups of closed buckets. */
cloudEvent('rollup', async (event: CloudEvent<unknown>) => {
  await handleRollupTick(await rollupRuntime(), pushEventOf(event));
});
