import { readEnvelope } from '../bus/push-envelope.js';
import { log } from '../log/logger.js';
import { ingestMessage, type IngestDeps, type IngestSummary } from './ingest-message.js';

export interface PushEvent {
  readonly id: string;
  readonly data?: unknown;
}

/** A push delivery (CloudEvent) into the ingest use-case; throws only for failures worth a redelivery. */
export async function handleReadingsPush(deps: IngestDeps, event: PushEvent): Promise<IngestSummary> {
  const envelope = readEnvelope(event.data, event.id);
  if (!envelope.ok) {
    await deps.bus.deadLetter({ reason: envelope.reason, raw: envelope.raw, messageId: event.id });
    log.warn('push envelope dead-lettered', { eventId: event.id, reason: envelope.reason });
    return { messageId: event.id, stored: 0, rejected: 0, redelivered: 0, deadLettered: true };
  }
  const summary = await ingestMessage(deps, envelope.message);
  log.debug('message ingested', { ...summary });
  return summary;
}
