import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { handleForecastTick } from '../../shared/forecast/handle-tick.js';
import { forecastRuntime } from '../../shared/runtime/forecast-runtime.js';
import { pushEventOf } from '../../shared/bus/push-envelope.js';

/** Pub/Sub "forecast-tick" (Cloud Scheduler) → day-ahead forecasts of every configured series. */
cloudEvent('forecast', async (event: CloudEvent<unknown>) => {
  await handleForecastTick(await forecastRuntime(), pushEventOf(event));
});
