import { z } from 'zod';
import { listAlerts } from '../../query/anomalies.js';
import { recommendMachines } from '../../maintenance/recommend-machines.js';
import type { Urgency } from '../../maintenance/rules.js';
import { listDevices } from '../../query/devices.js';
import type { RecommendationRow } from '../../warehouse/schema/tables.js';
import { tool } from '../tool.js';
import { isoTime, queryCitation, type CopilotDeps } from './deps.js';

const URGENCY = ['now', 'this_week', 'watch'] as const;
type ToolUrgency = (typeof URGENCY)[number];
/** The rules' "act within" on this tool's scale. */
const FROM_RULES: Record<Urgency, ToolUrgency | null> = { hours: 'now', days: 'this_week', weeks: 'watch', none: null };

const mostUrgent = (a: ToolUrgency, b: ToolUrgency | null): ToolUrgency =>
  b !== null && URGENCY.indexOf(b) < URGENCY.indexOf(a) ? b : a;

/** The rules' verdict on a machine as the tool reports it: risk, act-within, actions and the findings behind them. */
function rulesVerdict(row: RecommendationRow) {
  const { findings } = JSON.parse(row.evidence) as {
    findings: Array<{ rule: string; signal: string; value: number; threshold: string }>;
  };
  return { risk: row.risk, actWithin: row.urgency, actions: row.actions, findings, asOf: row.as_of };
}

/** Words of a procedure question for a device's evidence: which procedure fits what was seen. */
function procedureQuestion(type: string, metrics: readonly string[], flags: readonly string[]): string {
  if (flags.some((f) => f === 'stuck' || f === 'inconsistent')) return 'stuck or tampered meter inspection';
  if (metrics.some((m) => /vibration|temperature/.test(m))) return 'pump inspection vibration temperature';
  if (type === 'energy-meter') return 'stuck meter inspection';
  return 'pump and valve inspection';
}

export function maintenanceTool(deps: CopilotDeps) {
  const args = z.object({ from: isoTime, to: isoTime });
  return tool({
    name: 'maintenance_recommendations',
    description:
      'Which machines need attention and how urgently, from the evidence over [from, to): open and critical alerts, anomalous metrics, cleaning flags (stuck, out_of_range) and silence, plus the maintenance rules (`kilowatch recommend`: risk 0-3, actions, findings) as of `to`; each with the procedure chunk to follow.',
    args,
    async run(a) {
      const [{ devices }, alerts, rows] = await Promise.all([
        listDevices(deps.query, a),
        listAlerts(deps.query, { ...a, limit: 1000 }),
        deps.maintenance().then((m) => recommendMachines(m, { asOf: a.to, store: false })),
      ]);
      const rulesOf = new Map(rows.map((r) => [r.device_id, r]));
      const index = await deps.procedures();
      const recommendations = [];
      for (const d of devices) {
        const own = alerts.items.filter((x) => x.deviceId === d.deviceId);
        const critical = own.filter((x) => x.severity === 'critical').length;
        const metrics = [...new Set(own.map((x) => x.metric).filter((m): m is string => m !== null))];
        const faultFlags = d.lastFlags.filter((f) => ['stuck', 'out_of_range', 'inconsistent', 'missing'].includes(f));
        const rules = rulesOf.get(d.deviceId);
        const fromRules = rules ? FROM_RULES[rules.urgency] : null;
        if (own.length === 0 && faultFlags.length === 0 && d.status === 'reporting' && fromRules === null) continue;
        const fromEvidence: ToolUrgency =
          critical > 0 || d.status === 'faulted'
            ? 'now'
            : own.length >= 3 || d.status === 'silent'
              ? 'this_week'
              : 'watch';
        // 'watch' is the floor: a machine only the rules name gets the rules' urgency.
        const urgency = mostUrgent(fromEvidence, fromRules);
        const procedure = (await index.search(procedureQuestion(d.type, metrics, faultFlags), 1)).hits[0]?.chunk;
        recommendations.push({
          deviceId: d.deviceId,
          urgency,
          status: d.status,
          evidence: {
            alerts: own.length,
            critical,
            metrics,
            lastFlags: d.lastFlags,
            lastReadingAt: d.lastReadingAt,
            latest: own.slice(0, 3).map((x) => ({ ts: x.ts, kind: x.kind, message: x.message })),
          },
          rules: rules ? rulesVerdict(rules) : null,
          procedure: procedure ? { chunkId: procedure.id, title: procedure.title, section: procedure.heading } : null,
        });
      }
      recommendations.sort(
        (x, y) => URGENCY.indexOf(x.urgency) - URGENCY.indexOf(y.urgency) || y.evidence.alerts - x.evidence.alerts,
      );
      const chunks = recommendations.flatMap((r) => (r.procedure ? [r.procedure] : []));
      return {
        content: {
          from: a.from,
          to: a.to,
          urgencyScale:
            'now: critical alert, faulted or rules act within hours; this_week: 3+ alerts, silent or rules act within days; watch: other evidence or rules act within weeks',
          recommendations,
        },
        citations: [
          queryCitation(
            'maintenance_recommendations',
            a,
            `alerts and device status [${a.from}, ${a.to}), maintenance rules as of ${a.to}`,
          ),
          ...[...new Map(chunks.map((c) => [c.chunkId, c])).values()].map((c) => ({
            kind: 'chunk' as const,
            id: c.chunkId,
            title: c.title,
            source: c.chunkId.split('#')[0] ?? '',
          })),
        ],
      };
    },
  });
}
