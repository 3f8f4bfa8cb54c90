import type { ModelCard } from './card.js';

export type CardMetrics = ModelCard['metrics'];

export interface MetricComparison {
  metric: string;
  higherIsBetter: boolean;
  candidate: number;
  champion: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  comparison?: MetricComparison;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/**
 * The promotion rule: a candidate becomes champion when there is none, or when its primary holdout metric
 * strictly beats the champion's on the same metric (lower is better unless higherIsBetter); `force` promotes
 * regardless and says what the rule alone would have decided.
 */
export function decidePromotion(
  candidate: { version: string; metrics: CardMetrics },
  champion: { version: string; metrics: CardMetrics } | undefined,
  force = false,
): PromotionDecision {
  if (!champion) return { promote: true, reason: 'no champion yet: the first version becomes champion' };
  if (champion.version === candidate.version) return { promote: false, reason: `version ${candidate.version} is already the champion` };

  const { primary, higherIsBetter } = candidate.metrics;
  const mine = candidate.metrics.values[primary];
  const theirs = champion.metrics.values[champion.metrics.primary];
  let incomparable: string | undefined;
  if (champion.metrics.primary !== primary) {
    incomparable = `the champion ${champion.version} is ranked by '${champion.metrics.primary}' and this version by '${primary}'`;
  } else if (champion.metrics.higherIsBetter !== higherIsBetter) {
    incomparable = `the champion ${champion.version} and this version disagree on whether a higher '${primary}' is better`;
  } else if (theirs === undefined || !Number.isFinite(theirs)) {
    incomparable = `the champion ${champion.version} has no finite '${primary}' value`;
  } else if (mine === undefined || !Number.isFinite(mine)) {
    incomparable = `this version has no finite '${primary}' value`;
  }
  if (incomparable) {
    return force
      ? { promote: true, reason: `forced: metrics not comparable (${incomparable})` }
      : { promote: false, reason: `not comparable: ${incomparable}; push with --force to promote anyway` };
  }

  const comparison: MetricComparison = { metric: primary, higherIsBetter, candidate: mine as number, champion: theirs as number };
  const beats = higherIsBetter ? comparison.candidate > comparison.champion : comparison.candidate < comparison.champion;
  const direction = higherIsBetter ? 'higher is better' : 'lower is better';
  const verdict = `${primary} ${fmt(comparison.candidate)} ${beats ? 'beats' : 'does not beat'} the champion ${champion.version}'s ${fmt(comparison.champion)} (${direction})`;
  if (beats) return { promote: true, reason: verdict, comparison };
  return force ? { promote: true, reason: `forced: ${verdict}`, comparison } : { promote: false, reason: verdict, comparison };
}
