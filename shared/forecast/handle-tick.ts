import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import { forecastTick, runForecastTick, type ForecastTickDeps, type TargetOutcome } from './tick.js';

/**
 * A forecast-tick push into the use-case. A tick that cannot be read is logged and acknowledged: the next
 * tick comes anyway, and redelivering a bad one would not make it better.
 */
export async function handleForecastTick(deps: ForecastTickDeps, event: PushEvent): Promise<TargetOutcome[]> {
  const envelope = readEnvelope(event.data, event.id);
  const text = envelope.ok ? Buffer.from(envelope.message.data).toString('utf8').trim() : '';
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const tick = forecastTick.safeParse(body);
  if (!envelope.ok || !tick.success) {
    log.error('forecast tick ignored: expected {} or { "origin": "<ISO 8601>" }', { eventId: event.id });
    return [];
  }
  const outcomes = await runForecastTick(deps, tick.data);
  log.info('forecast tick', { eventId: event.id, outcomes });
  return outcomes;
}
