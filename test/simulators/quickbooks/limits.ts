/**
 * Intuit's throttles per company (developer.intuit.com "API call limits and throttles"): 500
 * requests per minute per realm and 10 concurrent requests per realm; over either the answer is
 * 429 (Fault code 3001). The minute is a sliding window here; refused requests are not counted.
 */

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'rate' | 'concurrency'; retryAfterSeconds: number };

export class RealmLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  maxConcurrentSeen = 0;

  constructor(
    private readonly clock: () => number,
    public requestsPerMinute: number,
    public maxConcurrent: number,
    private readonly windowMs = 60_000,
  ) {}

  admit(realmId: string): Admission {
    const now = this.clock();
    const running = this.inFlight.get(realmId) ?? 0;
    if (running >= this.maxConcurrent) return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    let window = this.windows.get(realmId);
    if (!window) {
      window = [];
      this.windows.set(realmId, window);
    }
    let expired = 0;
    while (expired < window.length && window[expired]! <= now - this.windowMs) expired++;
    if (expired > 0) window.splice(0, expired);
    if (window.length >= this.requestsPerMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window[0]! + this.windowMs - now) / 1000));
      return { ok: false, reason: 'rate', retryAfterSeconds };
    }
    window.push(now);
    this.inFlight.set(realmId, running + 1);
    this.maxConcurrentSeen = Math.max(this.maxConcurrentSeen, running + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
      },
    };
  }

  running(realmId?: string): number {
    if (realmId !== undefined) return this.inFlight.get(realmId) ?? 0;
    let total = 0;
    for (const n of this.inFlight.values()) total += n;
    return total;
  }

  reset(): void {
    this.windows.clear();
    this.maxConcurrentSeen = 0;
  }
}
