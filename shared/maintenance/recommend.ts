import type { Signals } from './evidence.js';
import { URGENCIES, type MaintenanceRule, type MaintenanceRules, type Urgency } from './rules.js';

export interface Finding {
  readonly rule: string;
  readonly signal: string;
  readonly value: number;
  readonly threshold: string;
  readonly risk: number;
  readonly urgency: Urgency;
  readonly action: string;
}

export interface Recommendation {
  /** 0 (nothing to do) to 3 (act now). */
  readonly risk: number;
  readonly urgency: Urgency;
  /** Plain-words actions, most urgent first. */
  readonly actions: string[];
  readonly findings: Finding[];
  readonly signals: Signals;
}

function fires(rule: MaintenanceRule, value: number | null | undefined): value is number {
  if (value === null || value === undefined || !Number.isFinite(value)) return false;
  return rule.op === '>=' ? value >= rule.value : value <= rule.value;
}

/** The rules applied to a machine's signals: risk and urgency of the worst finding, every finding's action. */
export function recommendationOf(signals: Signals, rules: MaintenanceRules): Recommendation {
  const findings: Finding[] = [];
  for (const rule of rules.rules) {
    const value = signals[rule.signal];
    if (!fires(rule, value)) continue;
    findings.push({
      rule: rule.id,
      signal: rule.signal,
      value,
      threshold: `${rule.op} ${rule.value}`,
      risk: rule.risk,
      urgency: rule.urgency,
      action: rule.action,
    });
  }
  findings.sort((a, b) => b.risk - a.risk || URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency));
  const risk = findings[0]?.risk ?? 0;
  const urgency = findings.reduce<Urgency>(
    (u, f) => (URGENCIES.indexOf(f.urgency) < URGENCIES.indexOf(u) ? f.urgency : u),
    'none',
  );
  return { risk, urgency, actions: [...new Set(findings.map((f) => f.action))], findings, signals };
}
