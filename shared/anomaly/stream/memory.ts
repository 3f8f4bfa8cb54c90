/**
 * A transition memory over a quantised series: it remembers which value bin has followed each context of the
 * previous k bins. A value is "predicted" when that transition has been seen before (neighbouring bins count
 * half), as HTM's sequence memory predicts a union of learnt continuations rather than a probability. The raw
 * score is 1 − predicted, so 0 for a familiar continuation and 1 for a new one.
 */
export class TransitionMemory {
  private readonly counts = new Map<number, number>();
  private readonly history: number[] = [];

  constructor(
    readonly order: number,
    private readonly neighbourCredit: number,
  ) {}

  /** Raw surprise of `bin` after the current context, then learns the transition. */
  step(bin: number): number {
    let raw = 1;
    if (this.history.length === this.order) {
      const ctx = this.contextHash();
      const seen = this.count(ctx, bin) + this.neighbourCredit * (this.count(ctx, bin - 1) + this.count(ctx, bin + 1));
      raw = 1 - Math.min(1, seen);
      const key = transitionKey(ctx, bin);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    this.history.push(bin);
    if (this.history.length > this.order) this.history.shift();
    return raw;
  }

  get size(): number {
    return this.counts.size;
  }

  private count(ctx: number, bin: number): number {
    return this.counts.get(transitionKey(ctx, bin)) ?? 0;
  }

  private contextHash(): number {
    let h = 0x811c9dc5 ^ this.order;
    for (const b of this.history) h = mix(h, b);
    return h >>> 0;
  }
}

function mix(h: number, v: number): number {
  let x = Math.imul(h ^ (v | 0), 0x01000193);
  x ^= x >>> 15;
  return Math.imul(x, 0x2c1b3c6d);
}

/** 53-bit key: 32 bits of context hash, 21 bits of the bin (bins are far below 2^20 in magnitude in practice). */
function transitionKey(ctx: number, bin: number): number {
  return ctx * 0x200000 + (((bin % 0x100000) + 0x100000) % 0x200000);
}
