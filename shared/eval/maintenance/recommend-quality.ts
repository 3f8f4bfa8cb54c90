import type { FaultEpisode } from '../alerts/episodes.js';

/** The risk of one machine at one evaluation time. */
export interface RiskPoint {
  readonly deviceId: string;
  readonly asOfMs: number;
  readonly risk: number;
}

export interface DegradationQuality {
  readonly episodes: number;
  /** Reached risk ≥ 2 between the episode's start and its end (the failure). */
  readonly caught: number;
  /** Hours from the first risk ≥ 2 to the failure, over caught episodes. */
  readonly leadHoursMedian: number | null;
  readonly leadHoursMin: number | null;
}

export interface RecommendQuality {
  readonly byFault: Record<string, DegradationQuality>;
  /** Risk ≥ 2 points with a degradation under way in their evidence window / all risk ≥ 2 points. */
  readonly precision: number | null;
  /** Caught episodes / episodes, all degradations together. */
  readonly recall: number | null;
  readonly leadHoursMedian: number | null;
  /** Risk ≥ 2 points on machines with no degradation in their evidence window, per machine-day evaluated. */
  readonly falseHighRiskPerMachineDay: number;
  readonly highRiskPoints: number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Risk points against the labelled degradations: an episode is caught when a point of its machine inside
 * [start, end] reached risk ≥ 2 (lead time: end − that point); a point of risk ≥ 2 is true when a degradation
 * of its machine overlaps its evidence window [asOf − recentMs, asOf].
 */
export function recommendQuality(
  points: readonly RiskPoint[],
  episodes: readonly FaultEpisode[],
  recentMs: number,
  machineDays: number,
): RecommendQuality {
  const byFault: Record<string, DegradationQuality> = {};
  const leads: number[] = [];
  let caughtAll = 0;
  for (const fault of [...new Set(episodes.map((e) => e.fault))]) {
    const mine = episodes.filter((e) => e.fault === fault);
    const faultLeads: number[] = [];
    for (const e of mine) {
      const first = points.find(
        (p) => p.deviceId === e.deviceId && p.risk >= 2 && p.asOfMs >= e.startMs && p.asOfMs <= e.endMs,
      );
      if (first) faultLeads.push((e.endMs - first.asOfMs) / 3_600_000);
    }
    leads.push(...faultLeads);
    caughtAll += faultLeads.length;
    byFault[fault] = {
      episodes: mine.length,
      caught: faultLeads.length,
      leadHoursMedian: median(faultLeads),
      leadHoursMin: faultLeads.length ? Math.min(...faultLeads) : null,
    };
  }
  const high = points.filter((p) => p.risk >= 2);
  const explained = high.filter((p) =>
    episodes.some((e) => e.deviceId === p.deviceId && e.startMs <= p.asOfMs && e.endMs >= p.asOfMs - recentMs),
  );
  return {
    byFault,
    precision: high.length ? explained.length / high.length : null,
    recall: episodes.length ? caughtAll / episodes.length : null,
    leadHoursMedian: median(leads),
    falseHighRiskPerMachineDay: (high.length - explained.length) / machineDays,
    highRiskPoints: high.length,
  };
}
