import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { StackProcess, freePorts } from './stack-process.js';
import {
  account,
  machineMessages,
  publishUntilAcknowledged,
  type Accounting,
  type Message,
  type PublishCounts,
} from './workload.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChaosOptions {
  /** Values to publish (rounded up to whole messages). */
  readonly values: number;
  /** SIGKILLs of the whole stack; the first lands while it starts. */
  readonly kills: number;
  readonly readingsPerMessage?: number;
  readonly devices?: number;
  /** Publishers at once, and messages per publish request. */
  readonly publishers?: number;
  readonly messagesPerRequest?: number;
  /** Longest gap between two kills once the stack is up, in ms. */
  readonly maxKillGapMs?: number;
  readonly env?: Record<string, string>;
  readonly log?: (line: string) => void;
}

export interface ChaosReport extends Accounting {
  readonly kills: Array<{ atMs: number; duringStart: boolean }>;
  readonly publish: PublishCounts;
  readonly replayed: number;
  readonly seconds: number;
}

/**
 * Publishes `values` values through a local stack running in a child process, SIGKILLs the stack at random
 * moments (the first while it starts) and starts it again each time, then stops it cleanly and accounts for
 * every value in the warehouse file: how many were lost, stored twice or altered.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.log ?? (() => undefined);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kilowatch-chaos-'));
  const stack = new StackProcess(dir, await freePorts(), options.env);
  const perMessage = options.readingsPerMessage ?? 10;
  const generator = machineMessages('chaos', options.devices ?? 8, perMessage);
  const queue: Message[] = [];
  for (let n = 0; n < options.values; n += perMessage * 5) queue.push(generator.next().value as Message);
  const expected = new Map(queue.flatMap((m) => m.values));
  const counts: PublishCounts = { accepted: 0, requests: 0, slowDown: 0, unavailable: 0 };
  const group = options.messagesPerRequest ?? 5;
  let next = 0;
  const publishers = Array.from({ length: options.publishers ?? 4 }, async () => {
    while (next < queue.length) {
      const batch = queue.slice(next, next + group);
      next += batch.length;
      await publishUntilAcknowledged(stack.url, batch, counts, () => false);
    }
  });

  const kills: ChaosReport['kills'] = [];
  let replayed = 0;
  const killAndRestart = async () => {
    const duringStart = !stack.ready;
    // A stack still starting is killed at once: asked for its counters first, it could finish starting while it
    // answers (its replays so far go uncounted).
    if (!duringStart) replayed += (await stack.routerStatus())?.replayed ?? 0;
    kills.push({ atMs: Date.now() - started, duringStart });
    await stack.kill();
    say(
      `kill ${kills.length} at ${((Date.now() - started) / 1000).toFixed(1)} s${duringStart ? ' (during start)' : ''}; ${counts.accepted}/${queue.length} messages acknowledged`,
    );
    stack.start();
  };
  stack.start();
  // The first kill lands while the stack is still starting (it takes a few seconds to load its models).
  await sleep(300 + Math.random() * 1200);
  await killAndRestart();
  for (let k = 1; k < options.kills; k++) {
    while (!stack.ready) await sleep(50);
    await sleep(500 + Math.random() * ((options.maxKillGapMs ?? 6000) - 500));
    await killAndRestart();
  }
  await Promise.all(publishers);
  await stack.caughtUp(10 * 60_000);
  replayed += (await stack.routerStatus())?.replayed ?? 0;
  await stack.stop();
  const deadLetters = new DeadLetterFile(join(dir, 'dead-letters.jsonl')).count();
  const accounting = await account(join(dir, 'warehouse.duckdb'), 'sim-plant/machine-chaos-%', expected, deadLetters);
  return { ...accounting, kills, publish: counts, replayed, seconds: (Date.now() - started) / 1000 };
}

export interface FloodOptions {
  readonly seconds: number;
  readonly publishers?: number;
  readonly messagesPerRequest?: number;
  readonly env?: Record<string, string>;
  readonly log?: (line: string) => void;
}

export interface FloodReport extends Accounting {
  readonly publish: PublishCounts;
  readonly maxRssBytes: number;
  /** Seconds after the flood until every accepted value was delivered. */
  readonly drainSeconds: number;
  readonly acceptedValuesPerSecond: number;
}

/**
 * Publishers at full speed (single-reading messages) against a local stack in a child process for `seconds`;
 * the stack's memory is sampled throughout; afterwards every accepted value must be stored exactly once.
 */
export async function runFlood(options: FloodOptions): Promise<FloodReport> {
  const say = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'kilowatch-flood-'));
  const stack = new StackProcess(dir, await freePorts(), options.env);
  stack.start();
  while (!stack.ready) await sleep(50);
  const counts: PublishCounts = { accepted: 0, requests: 0, slowDown: 0, unavailable: 0 };
  const expected = new Map<string, number>();
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, stack.rssBytes())), 200);
  const deadline = Date.now() + options.seconds * 1000;
  const group = options.messagesPerRequest ?? 20;
  const publishers = Array.from({ length: options.publishers ?? 4 }, async (_, p) => {
    const generator = machineMessages(`flood${p}`, 8, 1, 90);
    while (Date.now() < deadline) {
      const batch = Array.from({ length: group }, () => generator.next().value as Message);
      if (await publishUntilAcknowledged(stack.url, batch, counts, () => Date.now() >= deadline)) {
        for (const m of batch) for (const [k, v] of m.values) expected.set(k, v);
      }
    }
  });
  const progress = setInterval(
    () =>
      say(
        `flood: ${counts.accepted} messages accepted, ${counts.slowDown} told to slow down, RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB`,
      ),
    10_000,
  );
  await Promise.all(publishers);
  clearInterval(progress);
  const drainStart = Date.now();
  await stack.caughtUp(15 * 60_000);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  clearInterval(sampler);
  await stack.stop();
  const deadLetters = new DeadLetterFile(join(dir, 'dead-letters.jsonl')).count();
  const accounting = await account(join(dir, 'warehouse.duckdb'), 'sim-plant/machine-flood%', expected, deadLetters);
  return {
    ...accounting,
    publish: counts,
    maxRssBytes: maxRss,
    drainSeconds,
    acceptedValuesPerSecond: expected.size / options.seconds,
  };
}
