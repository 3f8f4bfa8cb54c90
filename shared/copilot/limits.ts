/** A token bucket per caller: `perMinute` requests a minute, up to `burst` at once. */
export class CallerRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from the caller's bucket; the seconds to wait when it is empty. */
  take(caller: string): { ok: true } | { ok: false; retryAfterS: number } {
    const t = this.now();
    const b = this.buckets.get(caller) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 60_000) * this.perMinute);
    b.at = t;
    this.buckets.set(caller, b);
    if (b.tokens < 1) return { ok: false, retryAfterS: Math.ceil(((1 - b.tokens) / this.perMinute) * 60) };
    b.tokens -= 1;
    return { ok: true };
  }
}

/** Tokens spent by this deployment today (UTC day), against a daily budget; counted per process. */
export class DailyTokenBudget {
  private day = '';
  private spent = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spent = 0;
    }
  }

  remaining(): number {
    this.roll();
    return Math.max(0, this.limit - this.spent);
  }

  spend(tokens: number): void {
    this.roll();
    this.spent += tokens;
  }
}
