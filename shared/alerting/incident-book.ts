import { stableId } from '../readings/ids.js';
import type { IncidentRow } from '../warehouse/schema/tables.js';
import type { AlertSettings } from './settings.js';
import { SILENT_KIND } from './silence.js';
import { isHigher, severityOf, type Severity } from './severity.js';

/** One anomaly as the score function publishes it on the alerts topic. */
export interface Anomaly {
  readonly alertId: string;
  readonly deviceId: string;
  /** ISO time of the anomalous value. */
  readonly ts: string;
  readonly metric: string | null;
  readonly kind: string;
  readonly score: number | null;
  readonly message: string;
}

type Change = IncidentRow['change'];

interface Incident {
  readonly id: string;
  readonly key: string;
  readonly site: string;
  readonly deviceId: string;
  readonly metric: string | null;
  readonly kind: string;
  state: IncidentRow['state'];
  severity: Severity;
  readonly openedMs: number;
  lastSeenMs: number;
  anomalies: number;
  peakScore: number;
  readonly devices: Set<string>;
  readonly metrics: Set<string>;
  readonly message: string;
  version: number;
  resolvedMs: number | null;
  groupId: string | null;
  /** lastSeenMs as of the latest written row. */
  savedSeenMs: number;
}

export const STORM_KIND = 'storm';

/**
 * Storms group incidents of one kind: a plant-wide stop is one `storm:shutdown` incident, anomalies on many
 * devices at once one `storm` incident, and neither swallows the other.
 */
export function stormKindOf(kind: string): string {
  return kind === 'anomaly' ? STORM_KIND : `${STORM_KIND}:${kind}`;
}

export function isStorm(kind: string): boolean {
  return kind === STORM_KIND || kind.startsWith(`${STORM_KIND}:`);
}

/** The kind of the incidents a storm groups. */
const memberKind = (stormKind: string) =>
  stormKind === STORM_KIND ? 'anomaly' : stormKind.slice(STORM_KIND.length + 1);
/** Data-outage incidents end when their devices report again (wall time), not after a stretch of normal scores. */
const isSilence = (kind: string) => kind === SILENT_KIND || kind === stormKindOf(SILENT_KIND);
/** Who makes the changes no person made. */
export const SYSTEM_ACTOR = 'kilowatch';
/** Alert ids remembered to drop redelivered anomalies (Pub/Sub delivers at least once). */
const SEEN_ALERTS = 20_000;

export class IncidentNotFound extends Error {}

/** The plant part of a device id (`site/machine`); a device id without one is its own site. */
export function siteOf(deviceId: string): string {
  const slash = deviceId.indexOf('/');
  return slash > 0 ? deviceId.slice(0, slash) : deviceId;
}

const seriesKey = (deviceId: string, metric: string | null, kind: string) =>
  `${deviceId}\u0000${metric ?? ''}\u0000${kind}`;
const stormKey = (site: string, kind: string) => `${STORM_KIND}\u0000${site}\u0000${kind}`;
const iso = (ms: number) => new Date(ms).toISOString();

/** One more anomaly of an open incident. */
function absorb(incident: Incident, a: Anomaly, tsMs: number): void {
  incident.anomalies++;
  incident.lastSeenMs = Math.max(incident.lastSeenMs, tsMs);
  incident.peakScore = Math.max(incident.peakScore, a.score ?? 0);
  incident.devices.add(a.deviceId);
  if (a.metric !== null) incident.metrics.add(a.metric);
}

/**
 * The incidents of one deployment, in memory, with the rules that turn anomalies into incidents:
 * one open incident per (device, metric, kind) episode that repeated anomalies extend; auto-resolution
 * after a normal stretch; a cooldown after resolution; storm control per site; severity from likelihood,
 * duration and breadth. Every change comes back as an `incidents` row to append: the rows are the state,
 * and `restore` rebuilds the book from them. Times are data times (the anomalies'), so a replay behaves
 * like live traffic. One book per deployment (the notify function runs as one instance).
 */
export class IncidentBook {
  private readonly live = new Map<string, Incident>();
  private readonly ended = new Map<string, Incident>();
  private readonly seen = new Set<string>();
  /** Newest data time seen per site (anomalies, and the scores a sweep reads): the clock of the group wait. */
  private readonly clock = new Map<string, number>();
  /** Incidents folded into a storm: their notifications still owed are dropped. */
  private readonly grouped = new Set<string>();
  /** Anomalies dropped by a cooldown, since the book was created. */
  suppressed = 0;

  constructor(private readonly settings: AlertSettings) {}

  /** The rows of one anomaly: none (a repeat, an extension between checkpoints, a cooldown), or the changes it caused. */
  observe(a: Anomaly, changedAt: string, alongside: readonly Anomaly[] = []): IncidentRow[] {
    if (this.remember(a.alertId)) return [];
    const tsMs = Date.parse(a.ts);
    const site = siteOf(a.deviceId);
    this.tick(site, tsMs);
    const rows: IncidentRow[] = [];
    const storm = this.current(stormKey(site, a.kind), tsMs, rows, changedAt);
    if (storm) return [...rows, ...this.extend(storm, a, tsMs, changedAt)];
    const key = seriesKey(a.deviceId, a.metric, a.kind);
    const incident = this.current(key, tsMs, rows, changedAt);
    if (incident) return [...rows, ...this.extend(incident, a, tsMs, changedAt)];
    const ended = this.ended.get(key);
    // A silence needs silentAfterMs without readings to be found: debounce enough, and a repeat would be dropped for good.
    if (ended && !isSilence(a.kind) && tsMs < (ended.resolvedMs as number) + this.settings.cooldownMs) {
      this.suppressed++;
      return rows;
    }
    const neighbours = [...this.live.values()].filter(
      (i) =>
        i.site === site &&
        i.kind === a.kind &&
        i.deviceId !== a.deviceId &&
        i.openedMs >= tsMs - this.settings.stormWindowMs,
    );
    if (new Set(neighbours.map((i) => i.deviceId)).size + 1 >= this.settings.stormDevices) {
      return [...rows, ...this.openStorm(site, a, tsMs, neighbours, alongside, changedAt)];
    }
    const opened = this.create(key, site, a.deviceId, a.metric, a.kind, tsMs, a);
    rows.push(this.row(opened, 'opened', SYSTEM_ACTOR, changedAt));
    return [...rows, ...this.rescoreDevice(a.deviceId, opened, changedAt)];
  }

  /**
   * Anomalies found together (a sweep's silent devices): a storm they open takes in the rest of them of its
   * site and kind at once, so that its one notification names them all.
   */
  observeAll(anomalies: readonly Anomaly[], changedAt: string): IncidentRow[] {
    return anomalies.flatMap((a, i) => this.observe(a, changedAt, anomalies.slice(i + 1)));
  }

  /**
   * Resolves the incidents whose series have been scored normal for the normal stretch: `latestScored`
   * gives the time of a series' newest score (undefined when none), so a data outage resolves nothing.
   * Data-outage incidents resolve (at changedAt) once none of their devices is `silent` any more.
   */
  sweep(
    latestScored: (deviceId: string, metric: string | null) => number | undefined,
    changedAt: string,
    silent: (deviceId: string) => boolean = () => false,
  ): IncidentRow[] {
    const rows: IncidentRow[] = [];
    for (const incident of [...this.live.values()]) {
      if (isSilence(incident.kind)) {
        if (![...incident.devices].some(silent))
          rows.push(this.end(incident, 'auto_resolved', Date.parse(changedAt), SYSTEM_ACTOR, changedAt));
        continue;
      }
      const times = isStorm(incident.kind)
        ? [...incident.devices].map((d) => latestScored(d, null))
        : [latestScored(incident.deviceId, incident.metric)];
      const now = Math.max(...times.map((t) => t ?? Number.NEGATIVE_INFINITY));
      this.tick(incident.site, now);
      if (now >= incident.lastSeenMs + this.settings.resolveAfterMs) rows.push(this.autoResolve(incident, changedAt));
    }
    return rows;
  }

  /** A person takes an open incident; acknowledging it again changes nothing. */
  acknowledge(incidentId: string, actor: string, changedAt: string): IncidentRow[] {
    const incident = this.liveById(incidentId);
    if (incident.state === 'acknowledged') return [];
    incident.state = 'acknowledged';
    return [this.row(incident, 'acknowledged', actor, changedAt)];
  }

  /** A person closes an incident; its cooldown starts now. Resolving a resolved incident changes nothing. */
  resolve(incidentId: string, actor: string, changedAt: string): IncidentRow[] {
    if ([...this.ended.values()].some((i) => i.id === incidentId)) return [];
    const incident = this.liveById(incidentId);
    return [this.end(incident, 'resolved', Date.parse(changedAt), actor, changedAt)];
  }

  /**
   * Whether a change is to be notified now: a device incident's changes wait until its site's data has moved
   * groupWaitMs past its opening, or that long has passed since the change (wall time), for a storm to form;
   * the changes of an incident a storm took over are dropped (the storm speaks for it). An incident acknowledged
   * or resolved meanwhile waits no more.
   */
  notifiable(row: IncidentRow, nowMs: number): 'send' | 'hold' | 'drop' {
    if (this.grouped.has(row.incident_id)) return 'drop';
    if (isStorm(row.kind) || (row.change !== 'opened' && row.change !== 'escalated')) return 'send';
    // Acknowledged or resolved since: the wait is over.
    const incident = this.live.get(seriesKey(row.device_id, row.metric, row.kind));
    if (incident?.id !== row.incident_id || incident.state !== 'open') return 'send';
    const until = Date.parse(row.opened_at) + this.settings.groupWaitMs;
    const site = siteOf(row.device_id);
    const waiting = (this.clock.get(site) ?? Number.NEGATIVE_INFINITY) < until;
    return waiting && nowMs < Date.parse(row.changed_at) + this.settings.groupWaitMs ? 'hold' : 'send';
  }

  /** Series (device, metric) of the open incidents and their last anomaly: what a sweep needs the latest scores of. */
  openSeries(): Array<{ deviceId: string; metric: string | null; lastSeenMs: number }> {
    return [...this.live.values()].flatMap((i) =>
      isSilence(i.kind)
        ? []
        : isStorm(i.kind)
          ? [...i.devices].map((deviceId) => ({ deviceId, metric: null, lastSeenMs: i.lastSeenMs }))
          : [{ deviceId: i.deviceId, metric: i.metric, lastSeenMs: i.lastSeenMs }],
    );
  }

  /** Rebuilds the book from stored rows (any order): each incident's latest row wins. */
  restore(rows: readonly IncidentRow[]): void {
    const latest = new Map<string, IncidentRow>();
    for (const r of rows) {
      const held = latest.get(r.incident_id);
      if (!held || r.version > held.version) latest.set(r.incident_id, r);
    }
    for (const r of latest.values()) {
      if (r.change === 'grouped') {
        this.grouped.add(r.incident_id);
        continue;
      }
      const storm = isStorm(r.kind);
      const site = storm ? r.device_id.replace(/\/\*$/, '') : siteOf(r.device_id);
      const key = storm ? stormKey(site, memberKind(r.kind)) : seriesKey(r.device_id, r.metric, r.kind);
      const incident: Incident = {
        id: r.incident_id,
        key,
        site,
        deviceId: r.device_id,
        metric: r.metric,
        kind: r.kind,
        state: r.state,
        severity: r.severity,
        openedMs: Date.parse(r.opened_at),
        lastSeenMs: Date.parse(r.last_seen_at),
        anomalies: r.anomalies,
        peakScore: r.peak_score,
        devices: new Set(r.devices),
        metrics: new Set(r.metrics),
        message: r.message,
        version: r.version,
        resolvedMs: r.resolved_at === null ? null : Date.parse(r.resolved_at),
        groupId: r.group_id,
        savedSeenMs: Date.parse(r.last_seen_at),
      };
      if (r.state !== 'resolved') this.live.set(key, incident);
      else if ((this.ended.get(key)?.resolvedMs ?? -Infinity) < (incident.resolvedMs as number))
        this.ended.set(key, incident);
    }
  }

  private tick(site: string, ms: number): void {
    if (ms > (this.clock.get(site) ?? Number.NEGATIVE_INFINITY)) this.clock.set(site, ms);
  }

  /** True when the alert was seen already; remembers it otherwise (bounded, oldest forgotten first). */
  private remember(alertId: string): boolean {
    if (this.seen.has(alertId)) return true;
    this.seen.add(alertId);
    if (this.seen.size > SEEN_ALERTS) this.seen.delete(this.seen.values().next().value as string);
    return false;
  }

  /** The open incident of a key, auto-resolved first (its row into `rows`) when `tsMs` comes after its normal stretch. */
  private current(key: string, tsMs: number, rows: IncidentRow[], changedAt: string): Incident | undefined {
    const incident = this.live.get(key);
    if (incident && !isSilence(incident.kind) && tsMs > incident.lastSeenMs + this.settings.resolveAfterMs) {
      rows.push(this.autoResolve(incident, changedAt));
      return undefined;
    }
    return incident;
  }

  private liveById(incidentId: string): Incident {
    const incident = [...this.live.values()].find((i) => i.id === incidentId);
    if (!incident) throw new IncidentNotFound(`no open or acknowledged incident ${incidentId}`);
    return incident;
  }

  private create(
    key: string,
    site: string,
    deviceId: string,
    metric: string | null,
    kind: string,
    tsMs: number,
    a: Anomaly,
  ): Incident {
    const incident: Incident = {
      id: stableId('incident', deviceId, metric ?? '', kind, iso(tsMs)),
      key,
      site,
      deviceId,
      metric,
      kind,
      state: 'open',
      severity: 'info',
      openedMs: tsMs,
      lastSeenMs: tsMs,
      anomalies: 1,
      peakScore: a.score ?? 0,
      devices: new Set([a.deviceId]),
      metrics: new Set(a.metric === null ? [] : [a.metric]),
      message: a.message,
      version: 0,
      resolvedMs: null,
      groupId: null,
      savedSeenMs: tsMs,
    };
    incident.severity = this.severityFor(incident);
    this.live.set(key, incident);
    return incident;
  }

  private extend(incident: Incident, a: Anomaly, tsMs: number, changedAt: string): IncidentRow[] {
    absorb(incident, a, tsMs);
    const severity = this.severityFor(incident);
    if (isHigher(severity, incident.severity)) {
      incident.severity = severity;
      return [this.row(incident, 'escalated', SYSTEM_ACTOR, changedAt)];
    }
    if (incident.lastSeenMs - incident.savedSeenMs >= this.settings.checkpointMs)
      return [this.row(incident, 'extended', SYSTEM_ACTOR, changedAt)];
    return [];
  }

  /** A device's other open incidents may now be more severe: one more of its metrics is anomalous. */
  private rescoreDevice(deviceId: string, except: Incident, changedAt: string): IncidentRow[] {
    const rows: IncidentRow[] = [];
    for (const other of this.live.values()) {
      if (other === except || other.deviceId !== deviceId || isStorm(other.kind)) continue;
      const severity = this.severityFor(other);
      if (!isHigher(severity, other.severity)) continue;
      other.severity = severity;
      rows.push(this.row(other, 'escalated', SYSTEM_ACTOR, changedAt));
    }
    return rows;
  }

  /**
   * One incident for the site, folding in the device incidents of the storm window (grouped: not notified again)
   * and the anomalies of the site and kind found `alongside` this one (then dropped as repeats).
   */
  private openStorm(
    site: string,
    a: Anomaly,
    tsMs: number,
    members: readonly Incident[],
    alongside: readonly Anomaly[],
    changedAt: string,
  ): IncidentRow[] {
    const openedMs = Math.min(tsMs, ...members.map((m) => m.openedMs));
    const storm = this.create(stormKey(site, a.kind), site, `${site}/*`, null, stormKindOf(a.kind), openedMs, {
      ...a,
      message: `${site}: ${a.kind} on many devices at once (storm control groups them into this incident); first: ${a.message}`,
    });
    const rows: IncidentRow[] = [];
    for (const m of members) {
      storm.anomalies += m.anomalies;
      storm.peakScore = Math.max(storm.peakScore, m.peakScore);
      storm.lastSeenMs = Math.max(storm.lastSeenMs, m.lastSeenMs, tsMs);
      storm.devices.add(m.deviceId);
      for (const metric of m.metrics) storm.metrics.add(metric);
      m.groupId = storm.id;
      this.grouped.add(m.id);
      rows.push(this.end(m, 'grouped', tsMs, SYSTEM_ACTOR, changedAt));
    }
    for (const b of alongside) {
      if (siteOf(b.deviceId) === site && b.kind === a.kind && !this.remember(b.alertId))
        absorb(storm, b, Date.parse(b.ts));
    }
    storm.severity = this.severityFor(storm);
    return [this.row(storm, 'opened', SYSTEM_ACTOR, changedAt), ...rows];
  }

  private autoResolve(incident: Incident, changedAt: string): IncidentRow {
    return this.end(
      incident,
      'auto_resolved',
      incident.lastSeenMs + this.settings.resolveAfterMs,
      SYSTEM_ACTOR,
      changedAt,
    );
  }

  private end(incident: Incident, change: Change, resolvedMs: number, actor: string, changedAt: string): IncidentRow {
    incident.state = 'resolved';
    incident.resolvedMs = resolvedMs;
    this.live.delete(incident.key);
    // A grouped incident lives on in its storm: no cooldown of its own.
    if (change !== 'grouped') this.ended.set(incident.key, incident);
    return this.row(incident, change, actor, changedAt);
  }

  private severityFor(incident: Incident): Severity {
    const storm = isStorm(incident.kind);
    const metrics = storm
      ? incident.metrics.size
      : [...this.live.values()].filter(
          (i) => i.deviceId === incident.deviceId && !isStorm(i.kind) && i.state !== 'resolved',
        ).length + (this.live.get(incident.key) === incident ? 0 : 1);
    return severityOf({
      peakScore: incident.peakScore,
      durationMs: incident.lastSeenMs - incident.openedMs,
      metrics,
      devices: incident.devices.size,
    });
  }

  private row(incident: Incident, change: Change, actor: string, changedAt: string): IncidentRow {
    incident.version++;
    incident.savedSeenMs = incident.lastSeenMs;
    return {
      event_id: stableId('incident-event', incident.id, String(incident.version)),
      incident_id: incident.id,
      version: incident.version,
      state: incident.state,
      change,
      device_id: incident.deviceId,
      metric: incident.metric,
      kind: incident.kind,
      severity: incident.severity,
      opened_at: iso(incident.openedMs),
      last_seen_at: iso(incident.lastSeenMs),
      anomalies: incident.anomalies,
      peak_score: incident.peakScore,
      devices: [...incident.devices].sort(),
      metrics: [...incident.metrics].sort(),
      message: incident.message,
      actor,
      changed_at: changedAt,
      resolved_at: incident.resolvedMs === null ? null : iso(incident.resolvedMs),
      group_id: incident.groupId,
    };
  }
}
