import type mysql from 'mysql2/promise';

/** At most `limit` hits per fixed window of `windowSeconds`. */
export interface WindowRule {
  /** Policy name, shown in RateLimit headers (`hour`, `burst`, …). */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface WindowState {
  rule: WindowRule;
  /** Hits counted in the current window, this one included. */
  hits: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  states: WindowState[];
  /** Seconds to wait before a retry can succeed; 0 when allowed. */
  retryAfterSeconds: number;
}

/*
 * LAST_INSERT_ID(expr) hands the incremented counter back in the OK packet, so one statement
 * both increments and reads, atomically, with no transaction and no second round trip. This
 * works on MySQL and MariaDB alike. Every attempt counts, refused ones too: a client that keeps
 * hammering stays refused until the window turns.
 */
const HIT_SQL =
  'INSERT INTO rate_limit_windows (bucket, window_start, hits, expires_at) VALUES (?, ?, LAST_INSERT_ID(1), ?) ' +
  'ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)';

/**
 * Fixed-window counters in MySQL, exact across any number of processes: the database row is the
 * only counter, so two processes together never admit more than the limit.
 */
export class WindowLimiter {
  constructor(
    private readonly pool: mysql.Pool,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit on `bucket` against every rule (in parallel) and decides. */
  async hit(bucket: string, rules: readonly WindowRule[]): Promise<RateDecision> {
    const nowSeconds = this.now() / 1000;
    const states = await Promise.all(
      rules.map(async (rule): Promise<WindowState> => {
        const windowStart = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
        const windowEnd = windowStart + rule.windowSeconds;
        const [result] = await this.pool.execute<mysql.ResultSetHeader>(HIT_SQL, [
          `${bucket}:${rule.name}`,
          windowStart,
          windowEnd + 60,
        ]);
        const hits = Number(result.insertId);
        return {
          rule,
          hits,
          remaining: Math.max(0, rule.limit - hits),
          resetSeconds: Math.max(1, Math.ceil(windowEnd - nowSeconds)),
        };
      }),
    );
    const exceeded = states.filter((s) => s.hits > s.rule.limit);
    return {
      allowed: exceeded.length === 0,
      states,
      retryAfterSeconds: exceeded.reduce((max, s) => Math.max(max, s.resetSeconds), 0),
    };
  }

  /** Deletes windows that ended; safe to run from several processes. Returns rows removed. */
  async prune(): Promise<number> {
    const [result] = await this.pool.execute<mysql.ResultSetHeader>(
      'DELETE FROM rate_limit_windows WHERE expires_at < ? LIMIT 10000',
      [Math.floor(this.now() / 1000)],
    );
    return result.affectedRows;
  }
}

/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): the policies, and the
 * state of each for this request.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'RateLimit-Policy': decision.states.map((s) => `"${s.rule.name}";q=${s.rule.limit};w=${s.rule.windowSeconds}`).join(', '),
    RateLimit: decision.states.map((s) => `"${s.rule.name}";r=${s.remaining};t=${s.resetSeconds}`).join(', '),
  };
}
