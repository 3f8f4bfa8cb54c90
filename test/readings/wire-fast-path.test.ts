import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../shared/readings/decode.js';
import { parseWireReading, wireReading } from '../../shared/readings/wire.js';
import { generate } from '../../shared/simulate/generator.js';
import { hostileCorpus } from '../fixtures/hostile-corpus.js';

/** Every reading-shaped value of a body that ingest would parse (nested at most MAX_DEPTH): the body or its batch's items. */
function readingsOf(body: Buffer): unknown[] {
  const decoded = decodeMessage(body, { maxBatch: 1000, maxMessageBytes: 1 << 20 });
  return decoded.kind === 'readings' ? decoded.readings : [];
}

/** Small deterministic random source. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  2 ** 53,
  -0,
  '',
  'x',
  'a'.repeat(65),
  'kW',
  'k'.repeat(17),
  [],
  [1],
  {},
  { a: 1 },
  true,
  '2024-01-01T00:00:00Z',
  1e300,
  'sim-plant/machine-01',
  'bad id/../x',
  { __proto__: null },
];

/** One random change to a reading: a key removed, added or given an odd value, at the top or inside. */
function mutate(reading: Record<string, unknown>, random: () => number): unknown {
  const copy = structuredClone(reading);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const targets: Record<string, unknown>[] = [copy];
  for (const inner of [copy.metrics, copy.units])
    if (inner && typeof inner === 'object') targets.push(inner as Record<string, unknown>);
  const target = pick(targets);
  const key = pick([...Object.keys(target), 'seq', 'units', 'extra', '__proto__', 'constructor', 'power_kw', '0']);
  const roll = random();
  if (roll < 0.2) Reflect.deleteProperty(target, key);
  else if (roll < 0.3)
    Object.defineProperty(target, key, {
      value: pick(ODD_VALUES),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = pick(ODD_VALUES);
  return copy;
}

describe('wire format: the fast path for well-formed readings', () => {
  const generated = generate({ machines: 6, startMs: Date.UTC(2024, 0, 1), durationS: 3 * 3600, seed: 9 }).readings;
  const corpus = hostileCorpus(Date.UTC(2026, 0, 1)).flatMap((c) => readingsOf(c.body));

  it('gives what zod gives for generated readings, the hostile corpus and thousands of random mutations of them', () => {
    const random = rng(42);
    const inputs: unknown[] = [...generated, ...corpus];
    const bases = [...generated.slice(0, 200), ...corpus].filter(
      (r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r),
    );
    for (let i = 0; i < 20_000; i++) inputs.push(mutate(bases[i % bases.length]!, random));
    let accepted = 0;
    for (const input of inputs) {
      const fast = parseWireReading(input);
      const slow = wireReading.safeParse(input);
      expect(fast.success, JSON.stringify(input)).toBe(slow.success);
      if (fast.success && slow.success) {
        accepted++;
        expect(fast.data).toEqual(slow.data);
      } else expect(fast.error?.issues).toEqual(slow.error?.issues);
    }
    // Both sides of the comparison are exercised.
    expect(accepted).toBeGreaterThan(5_000);
    expect(inputs.length - accepted).toBeGreaterThan(5_000);
  });
});
