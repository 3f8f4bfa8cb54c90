import { log } from './logger.js';

/**
 * One INFO line for something that may happen in every message (late values at scoring, say): the first
 * occurrence is written at once, later ones are summed and written as one line per `intervalMs`, so a burst of
 * messages leaves a line a minute rather than one each and still says how much happened.
 */
export class IntervalTotals {
  private lastMs = -Infinity;
  private totals = { count: 0, messages: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly message: string,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(count: number): void {
    this.totals.count += count;
    this.totals.messages++;
    if (this.timer) return;
    const wait = this.lastMs + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    // Unref'd: a process may exit with the last interval's totals unwritten rather than wait for them.
    else this.timer = setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.timer = undefined;
    this.lastMs = this.now();
    log.info(this.message, { ...this.totals, intervalMs: this.intervalMs });
    this.totals = { count: 0, messages: 0 };
  }
}
