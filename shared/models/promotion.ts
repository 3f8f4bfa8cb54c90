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
 * Figures from a slice that training touched (normalisation, early stopping, calibration) flatter a model; the
 * gate compares untouched-slice figures only with untouched-slice figures. Cards that do not say where their
 * figures come from (older cards, detectors scored on a separate holdout) compare with each other as before.
 */
function holdoutMismatch(mine: CardMetrics, champion: { version: string; metrics: ChampionMetrics }): string | undefined {
  if (mine.holdout && !mine.holdout.untouched) return "this version's figures come from a slice its training touched";
  const theirs = champion.metrics.holdout;
  if (mine.holdout && !theirs?.untouched) {
    return `the champion ${champion.version}'s figures come from ${theirs ? 'a slice its training touched' : 'a slice its card does not describe'}, this version's from an untouched one`;
  }
  return undefined;
}

type ChampionMetrics = Omit<CardMetrics, 'holdout'> & { holdout?: CardMetrics['holdout'] | undefined };

function whyIncomparable(mine: CardMetrics, champion: { version: string; metrics: ChampionMetrics }): string | undefined {
  const { primary, higherIsBetter } = mine;
  const theirs = champion.metrics.values[champion.metrics.primary];
  const own = mine.values[primary];
  const holdout = holdoutMismatch(mine, champion);
  if (holdout) return holdout;
  if (champion.metrics.primary !== primary) return `the champion ${champion.version} is ranked by '${champion.metrics.primary}' and this version by '${primary}'`;
  if (champion.metrics.higherIsBetter !== higherIsBetter) return `the champion ${champion.version} and this version disagree on whether a higher '${primary}' is better`;
  if (theirs === undefined || !Number.isFinite(theirs)) return `the champion ${champion.version} has no finite '${primary}' value`;
  if (own === undefined || !Number.isFinite(own)) return `this version has no finite '${primary}' value`;
  return undefined;
}

/**
 * The promotion rule: a candidate becomes champion when there is none, or when its primary holdout metric
 * strictly beats the champion's on the same metric (lower is better unless higherIsBetter); `force` promotes
 * regardless and says what the rule alone would have decided.
 */
export function decidePromotion(
  candidate: { version: string; metrics: CardMetrics },
  champion: { version: string; metrics: ChampionMetrics } | undefined,
  force = false,
): PromotionDecision {
  if (!champion) return { promote: true, reason: 'no champion yet: the first version becomes champion' };
  if (champion.version === candidate.version) return { promote: false, reason: `version ${candidate.version} is already the champion` };

  const { primary, higherIsBetter } = candidate.metrics;
  const mine = candidate.metrics.values[primary];
  const theirs = champion.metrics.values[champion.metrics.primary];
  const incomparable = whyIncomparable(candidate.metrics, champion);
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
