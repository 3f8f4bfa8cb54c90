import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { IntervalTotals } from '../log/interval-totals.js';
import { log } from '../log/logger.js';
import { emptyScoreSummary, scoreCleanReadings, type ScoreDeps, type ScoreSummary } from './score-readings.js';

const lateValues = new IntervalTotals("late values not scored (older than their series' last scored value)");

/** A push delivery (CloudEvent) from readings-clean into the scoring use-case; throws only for failures worth a redelivery. */
export async function handleCleanPush(deps: ScoreDeps, event: PushEvent): Promise<ScoreSummary> {
  const envelope = readEnvelope(event.data, event.id);
  if (!envelope.ok) {
    await deps.bus.deadLetter({ reason: envelope.reason, raw: envelope.raw, messageId: event.id });
    log.warn('push envelope dead-lettered', { eventId: event.id, reason: envelope.reason });
    return { ...emptyScoreSummary(event.id), deadLettered: true };
  }
  const summary = await scoreCleanReadings(deps, envelope.message.messageId, envelope.message.data);
  if (summary.deadLettered) log.warn('readings-clean message dead-lettered', { messageId: summary.messageId });
  else log.debug('message scored', { ...summary });
  // Late values (out-of-order delivery, redelivery) are not scored: visible, since ordering is not guaranteed.
  if (summary.late > 0) lateValues.add(summary.late);
  return summary;
}
