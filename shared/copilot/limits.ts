import { log } from '../log/logger.js';

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

/** Reads the tokens (in + out) that copilot_calls records in [from, to), across every instance. */
export type StoredTokens = (from: string, to: string) => Promise<number>;

/**
 * Tokens spent by this deployment today (UTC day), against a daily budget: the larger of what this process
 * counted and what copilot_calls records today, read on a day roll and at most every `refreshMs`. A failed
 * read keeps the last stored total (0 after a roll) and logs.
 */
export class DailyTokenBudget {
  private day = '';
  private spent = 0;
  private stored = 0;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly readStored?: StoredTokens,
    private readonly refreshMs = 60_000,
  ) {}

  private roll(): void {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spent = 0;
      this.stored = 0;
      this.readAt = -Infinity;
    }
  }

  async remaining(): Promise<number> {
    this.roll();
    if (this.readStored && this.now() - this.readAt >= this.refreshMs)
      await (this.reading ??= this.refresh(this.readStored));
    return Math.max(0, this.limit - Math.max(this.spent, this.stored));
  }

  spend(tokens: number): void {
    this.roll();
    this.spent += tokens;
  }

  private async refresh(read: StoredTokens): Promise<void> {
    const day = this.day;
    this.readAt = this.now();
    const from = `${day}T00:00:00.000Z`;
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    try {
      const total = await read(from, to);
      if (day === this.day) this.stored = total;
    } catch (error) {
      log.warn("copilot daily token budget: could not read today's copilot_calls; counting this process only", {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.reading = undefined;
    }
  }
}
