import { describe, expect, it } from 'vitest';
import { alignSeries } from '../../dashboard/src/chart/align.js';

const point = (ts: string, value: number | null, extra: { flags?: string[]; isAnomaly?: boolean } = {}) => ({
  ts,
  value,
  status: 'accepted' as const,
  flags: extra.flags ?? [],
  score: extra.isAnomaly ? 0.97 : 0.1,
  isAnomaly: extra.isAnomaly ?? false,
});
const fc = (targetTs: string, p50: number) => ({ targetTs, p10: p50 - 5, p50, p90: p50 + 5 });

describe('alignSeries', () => {
  it('puts readings and forecast on the union of their times, marking anomalies and quality flags', () => {
    const a = alignSeries(
      [
        point('2024-01-01T00:00:00Z', 1),
        point('2024-01-01T00:15:00Z', 9, { isAnomaly: true, flags: ['spike'] }),
        point('2024-01-01T00:30:00Z', null, { flags: ['missing', 'unit_converted'] }),
      ],
      [fc('2024-01-01T00:15:00Z', 2), fc('2024-01-01T00:30:00Z', 3), fc('2024-01-01T00:45:00Z', 4)],
    );
    const t0 = Date.UTC(2024, 0, 1) / 1000;
    expect(a.x).toEqual([t0, t0 + 900, t0 + 1800, t0 + 2700]);
    expect(a.value).toEqual([1, 9, null, null]);
    expect(a.p50).toEqual([null, 2, 3, 4]);
    expect(a.p10).toEqual([null, -3, -2, -1]);
    expect(a.p90).toEqual([null, 7, 8, 9]);
    expect(a.anomaly).toEqual([null, 9, null, null]);
    // unit_converted says nothing about quality: not marked.
    expect(a.flags).toEqual([[], ['spike'], ['missing'], []]);
  });

  it('handles either side empty', () => {
    expect(alignSeries([], []).x).toEqual([]);
    expect(alignSeries([], [fc('2024-01-01T00:00:00Z', 1)]).value).toEqual([null]);
  });
});
