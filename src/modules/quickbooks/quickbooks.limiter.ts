/**
 * Keeps one process's requests to one QuickBooks company under Intuit's limits (500 a minute,
 * 10 at once per realm), so a 429 is a rare event rather than the pacing mechanism. A sync of a
 * connection runs in one job at a time (the queue's singleton key), so the process running it is
 * the only one talking to that company for it.
 */
export class RequestLimiter {
  private readonly sent: number[] = [];
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly perMinute: number,
    private readonly maxConcurrent: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Waits for a free slot in both limits; call the returned function when the request is done. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    // Sliding window: the request may go when the perMinute-th latest one is a minute old.
    for (;;) {
      const cutoff = this.now() - 60_000;
      while (this.sent.length && this.sent[0]! <= cutoff) this.sent.shift();
      if (this.sent.length < this.perMinute) break;
      await this.sleep(this.sent[0]! - cutoff + 1);
    }
    this.sent.push(this.now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips under a queue.
      if (next) next();
      else this.active -= 1;
    };
  }
}

/** One limiter per company, for the life of the process. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, RequestLimiter>();

  constructor(
    private readonly perMinute: number,
    private readonly maxConcurrent: number,
  ) {}

  for(realmId: string): RequestLimiter {
    let limiter = this.limiters.get(realmId);
    if (!limiter) {
      limiter = new RequestLimiter(this.perMinute, this.maxConcurrent);
      this.limiters.set(realmId, limiter);
    }
    return limiter;
  }
}
