import type { Bus } from '../bus/port.js';
import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import type { Warehouse } from '../warehouse/port.js';
import { incidents, type IncidentRow } from '../warehouse/schema/tables.js';
import { decodeAlertsMessage, type AlertCommand } from './alert-message.js';
import { IncidentBook, IncidentNotFound } from './incident-book.js';
import { notificationId, Notifier, type FlushSummary } from './notifier.js';
import type { IncidentReads } from './reads.js';
import type { AlertSettings } from './settings.js';
import { silenceRule, silentAnomalies, stillSilent } from './silence.js';

/** How far back a cold instance reads incidents changed and notifications owed. */
const RESTORE_MS = 2 * 86_400_000;

export interface NotifyDeps {
  readonly warehouse: Warehouse;
  readonly reads: IncidentReads;
  readonly bus: Bus;
  readonly settings: AlertSettings;
  /** A device's reporting interval from the registry: silence is judged against it. */
  readonly intervalSecondsOf: (deviceId: string) => number | undefined;
  readonly notifier: Notifier;
  readonly now: () => number;
}

export interface NotifySummary {
  readonly messageId: string;
  /** Incidents rows written. */
  readonly changes: number;
  readonly notifications: FlushSummary;
  readonly deadLettered: boolean;
  /** A command that named no open incident. */
  readonly refused?: string;
}

/**
 * The incidents of this process: rebuilt from the warehouse on first use and after a failed write (the
 * book may have run ahead of what was stored), then kept. Messages are handled one at a time.
 */
export class AlertsProcessor {
  private book: IncidentBook | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: NotifyDeps) {}

  /** One alerts-topic message: an anomaly, a sweep or a person's command. Throws only for failures worth a redelivery. */
  handle(messageId: string, data: Uint8Array): Promise<NotifySummary> {
    const next = this.queue.then(() => this.process(messageId, data));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async process(messageId: string, data: Uint8Array): Promise<NotifySummary> {
    const { deps } = this;
    const decoded = decodeAlertsMessage(data);
    const book = await this.restored();
    const changedAt = new Date(deps.now()).toISOString();
    if (!decoded.ok) {
      await deps.bus.deadLetter({ reason: decoded.reason, raw: data, messageId, attributes: { kind: 'alerts' } });
      return { messageId, changes: 0, notifications: await this.flush(book), deadLettered: true };
    }
    let rows: IncidentRow[];
    try {
      rows =
        'anomaly' in decoded
          ? book.observe(decoded.anomaly, changedAt)
          : await this.command(book, decoded.command, changedAt);
    } catch (error) {
      if (!(error instanceof IncidentNotFound)) throw error;
      log.warn('incident command refused', { messageId, reason: error.message });
      return {
        messageId,
        changes: 0,
        notifications: await this.flush(book),
        deadLettered: false,
        refused: error.message,
      };
    }
    try {
      await deps.warehouse.insert(incidents, rows);
    } catch (error) {
      this.book = undefined;
      throw error;
    }
    deps.notifier.enqueue(rows);
    return { messageId, changes: rows.length, notifications: await this.flush(book), deadLettered: false };
  }

  /** Delivers what is owed, except what waits for a storm to form and what a storm took over. */
  private flush(book: IncidentBook): Promise<FlushSummary> {
    return this.deps.notifier.flush((event) => book.notifiable(event, this.deps.now()));
  }

  private async command(book: IncidentBook, command: AlertCommand, changedAt: string): Promise<IncidentRow[]> {
    switch (command.command) {
      case 'sweep':
        return this.sweep(book, changedAt);
      case 'acknowledge':
        return book.acknowledge(command.incidentId, command.by, changedAt);
      case 'resolve':
        return book.resolve(command.incidentId, command.by, changedAt);
    }
  }

  /** Resolutions (normal stretches, devices heard from again), then the data outages found now. */
  private async sweep(book: IncidentBook, changedAt: string): Promise<IncidentRow[]> {
    const { reads, settings } = this.deps;
    const nowMs = Date.parse(changedAt);
    const series = book.openSeries();
    const latest = new Map<string, number>();
    if (series.length > 0) {
      // Scores since the oldest open incident's last anomaly (data time): all a resolution can hinge on.
      const from = new Date(Math.min(...series.map((s) => s.lastSeenMs))).toISOString();
      const scores = await reads.latestScores([...new Set(series.map((s) => s.deviceId))], from);
      for (const s of scores) {
        latest.set(`${s.deviceId}\u0000${s.metric ?? ''}`, s.tsMs);
        latest.set(s.deviceId, Math.max(latest.get(s.deviceId) ?? -Infinity, s.tsMs));
      }
    }
    const heard =
      settings.silentAfterMs > 0
        ? await reads.lastReadings(new Date(nowMs - settings.silentLookbackMs).toISOString())
        : [];
    const lastMs = new Map(heard.map((d) => [d.deviceId, d.tsMs]));
    const rule = silenceRule(settings, this.deps.intervalSecondsOf);
    const resolved = book.sweep(
      (deviceId, metric) => latest.get(metric === null ? deviceId : `${deviceId}\u0000${metric}`),
      changedAt,
      (deviceId) => stillSilent(deviceId, lastMs.get(deviceId), nowMs, rule),
    );
    return [...resolved, ...book.observeAll(silentAnomalies(heard, nowMs, rule), changedAt)];
  }

  private async restored(): Promise<IncidentBook> {
    if (this.book) return this.book;
    const since = new Date(this.deps.now() - RESTORE_MS).toISOString();
    const [current, changes, notified] = await Promise.all([
      this.deps.reads.currentIncidents({ changedSince: since, limit: 100_000 }),
      this.deps.reads.changesSince(since),
      this.deps.reads.notifiedSince(since),
    ]);
    const book = new IncidentBook(this.deps.settings);
    book.restore(current);
    this.deps.notifier.enqueue(changes, new Set(notified.map((n) => notificationId(n.eventId, n.channel))));
    this.book = book;
    return book;
  }
}

/** A push delivery from the alerts topic into the processor; an unreadable envelope is dead-lettered. */
export async function handleAlertsPush(
  processor: AlertsProcessor,
  bus: Bus,
  event: PushEvent,
): Promise<NotifySummary | undefined> {
  const envelope = readEnvelope(event.data, event.id);
  if (!envelope.ok) {
    await bus.deadLetter({ reason: envelope.reason, raw: envelope.raw, messageId: event.id });
    log.warn('push envelope dead-lettered', { eventId: event.id, reason: envelope.reason });
    return undefined;
  }
  const summary = await processor.handle(envelope.message.messageId, envelope.message.data);
  if (summary.changes > 0 || summary.notifications.delivered + summary.notifications.deadLettered > 0)
    // Routine, once per message: at INFO it buries everything else (failed notifications warn on their own).
    log.debug('alerts message handled', { ...summary });
  return summary;
}
