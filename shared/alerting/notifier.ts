import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Bus } from '../bus/port.js';
import { log } from '../log/logger.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { notifications, type IncidentRow, type NotificationRow } from '../warehouse/schema/tables.js';
import type { Channel } from './channels.js';
import { notificationBody } from './payloads.js';

/** Changes people hear about; extensions and grouping are bookkeeping. */
const NOTIFIED: ReadonlySet<IncidentRow['change']> = new Set([
  'opened',
  'escalated',
  'acknowledged',
  'resolved',
  'auto_resolved',
]);
const TIMEOUT_MS = 10_000;

interface Owed {
  readonly id: string;
  readonly event: IncidentRow;
  readonly channel: Channel;
  attempts: number;
}

export interface NotifierDeps {
  readonly warehouse: Warehouse;
  readonly bus: Bus;
  readonly channels: readonly Channel[];
  readonly maxAttempts: number;
  readonly now: () => number;
}

/** What to do with an owed notification now: deliver it, keep it owed, or drop it (its incident was grouped). */
export type Gate = (event: IncidentRow) => 'send' | 'hold' | 'drop';

export interface FlushSummary {
  readonly delivered: number;
  readonly deadLettered: number;
  /** Still owed: failed this time, tried again on the next flush. */
  readonly owed: number;
}

export function notificationId(eventId: string, channel: string): string {
  return stableId('notification', eventId, channel);
}

/** POSTs the body (or appends it as a JSON line); throws with the answer when it is not a 2xx. */
async function deliver(channel: Channel, body: string, id: string): Promise<string> {
  if (channel.target.kind === 'file') {
    await mkdir(dirname(channel.target.path), { recursive: true });
    await appendFile(channel.target.path, `${body}\n`);
    return 'appended';
  }
  const response = await fetch(channel.target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': id },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = (await response.text().catch(() => '')).slice(0, 200);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${text}`.trim());
  return `HTTP ${response.status}`;
}

/**
 * The outbox of notifications: every notified change owes one delivery per channel, recorded in
 * `notifications` once delivered (or dead-lettered after maxAttempts), so a state is never sent twice to a
 * channel; what fails stays owed and is tried again on the next flush (the next alert or sweep).
 */
export class Notifier {
  private readonly owed = new Map<string, Owed>();
  /** Delivered while this instance runs: never re-sent, even when recording the delivery failed. */
  private readonly done = new Set<string>();

  constructor(private readonly deps: NotifierDeps) {}

  /** Owes the notifiable changes among these rows to every channel, except what `notified` already holds. */
  enqueue(rows: readonly IncidentRow[], notified: ReadonlySet<string> = new Set()): void {
    for (const event of rows) {
      if (!NOTIFIED.has(event.change)) continue;
      for (const channel of this.deps.channels) {
        const id = notificationId(event.event_id, channel.name);
        if (!notified.has(id) && !this.done.has(id) && !this.owed.has(id))
          this.owed.set(id, { id, event, channel, attempts: 0 });
      }
    }
  }

  get pending(): number {
    return this.owed.size;
  }

  async flush(gate: Gate = () => 'send'): Promise<FlushSummary> {
    const records: NotificationRow[] = [];
    let delivered = 0;
    let deadLettered = 0;
    // In change order, so that a channel hears "opened" before "resolved".
    const owed = [...this.owed.values()].sort(
      (a, b) => a.event.changed_at.localeCompare(b.event.changed_at) || a.event.version - b.event.version,
    );
    for (const item of owed) {
      const verdict = gate(item.event);
      if (verdict === 'hold') continue;
      if (verdict === 'drop') {
        this.owed.delete(item.id);
        continue;
      }
      const body = notificationBody(item.channel.format, item.event, item.id);
      item.attempts++;
      try {
        const detail = await deliver(item.channel, body, item.id);
        this.owed.delete(item.id);
        this.done.add(item.id);
        delivered++;
        records.push(this.record(item, 'delivered', detail));
      } catch (error) {
        const detail = (error as Error).message;
        log.warn('notification failed', {
          channel: item.channel.name,
          incidentId: item.event.incident_id,
          attempts: item.attempts,
          detail,
        });
        if (item.attempts < this.deps.maxAttempts) continue;
        await this.deps.bus.deadLetter({
          reason: `notification to ${item.channel.name} failed ${item.attempts} times: ${detail}`,
          raw: Buffer.from(body),
          attributes: {
            kind: 'notification',
            incidentId: item.event.incident_id,
            eventId: item.event.event_id,
            channel: item.channel.name,
          },
        });
        this.owed.delete(item.id);
        this.done.add(item.id);
        deadLettered++;
        records.push(this.record(item, 'dead_lettered', detail));
      }
    }
    await this.deps.warehouse.insert(notifications, records);
    return { delivered, deadLettered, owed: this.owed.size };
  }

  private record(item: Owed, status: NotificationRow['status'], detail: string): NotificationRow {
    return {
      notification_id: item.id,
      event_id: item.event.event_id,
      incident_id: item.event.incident_id,
      channel: item.channel.name,
      status,
      attempts: item.attempts,
      detail: detail.slice(0, 500),
      sent_at: new Date(this.deps.now()).toISOString(),
    };
  }
}
