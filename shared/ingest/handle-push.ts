import { hash } from 'node:crypto';
import { readEnvelope } from '../bus/push-envelope.js';
import { log } from '../log/logger.js';
import { ingestMessage, type IngestDeps, type IngestSummary } from './ingest-message.js';

export interface PushEvent {
  readonly id: string;
  readonly data?: unknown;
  /** CloudEvent source: the topic, which binds the message to a site. */
  readonly source?: string;
}

/** A push delivery (CloudEvent; its id is absent when a POST carried none) into the ingest use-case; throws only for failures worth a redelivery. */
export async function handleReadingsPush(
  deps: IngestDeps,
  event: Omit<PushEvent, 'id'> & { readonly id?: string },
): Promise<IngestSummary> {
  const envelope = readEnvelope(event.data, event.id ?? 'unidentified');
  if (!envelope.ok) {
    // A delivery without an id is named by its content, so that a retry of it is recognisable.
    const eventId = event.id ?? `unidentified-${hash('sha256', envelope.raw, 'hex').slice(0, 16)}`;
    await deps.bus.deadLetter({ reason: envelope.reason, raw: envelope.raw, messageId: eventId });
    log.warn('push envelope dead-lettered', { eventId, reason: envelope.reason });
    return { messageId: eventId, stored: 0, rejected: 0, redelivered: 0, deadLettered: true };
  }
  const summary = await ingestMessage(deps, { ...envelope.message, binding: deps.sites.bindingOf(event.source) });
  log.debug('message ingested', { ...summary });
  return summary;
}
