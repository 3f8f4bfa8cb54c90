import { describe, expect, it } from 'vitest';
import { runChaos, runFlood } from './chaos.js';

// The short versions of `npm run chaos`: the whole local stack in a child process, SIGKILLed and flooded.
describe('chaos: the local stack killed at random moments', () => {
  it('stores every acknowledged value exactly once across SIGKILLs, one of them while the stack starts', async () => {
    const report = await runChaos({ values: 3000, kills: 3, maxKillGapMs: 3000 });
    expect(report.kills).toHaveLength(3);
    expect(report.kills[0]!.duringStart).toBe(true);
    expect(report.publish.unavailable).toBeGreaterThan(0);
    expect({
      lost: report.lost,
      duplicated: report.duplicated,
      altered: report.altered,
      deadLetters: report.deadLetters,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      altered: 0,
      deadLetters: 0,
    });
    expect(report.stored).toBe(3000);
  }, 240_000);
});

describe('chaos: a flood of publishers', () => {
  it('tells publishers to slow down once its backlog is full and stores every accepted value exactly once', async () => {
    const report = await runFlood({ seconds: 5, env: { KILOWATCH_ROUTER_MAX_BACKLOG: '300' } });
    expect(report.publish.slowDown).toBeGreaterThan(0);
    expect(report.expected).toBeGreaterThan(0);
    expect({
      lost: report.lost,
      duplicated: report.duplicated,
      altered: report.altered,
      deadLetters: report.deadLetters,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      altered: 0,
      deadLetters: 0,
    });
  }, 240_000);
});
