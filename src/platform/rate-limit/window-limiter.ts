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
 * One statement counts a hit in up to two windows and reads both counts back atomically:
 * each window's count restarts at 1 when the window has turned, and LAST_INSERT_ID(expr)
 * carries both counts, packed into one number (first * 2^32 + second), back in the OK packet.
 * So there is no transaction and no second round trip, on MySQL and MariaDB alike.
 * Assignments run left to right and see the values already assigned (MySQL and MariaDB both,
 * without MariaDB's SIMULTANEOUS_ASSIGNMENT mode), which the packed expression relies on.
 * Every attempt counts, refused ones too: a client that keeps hammering stays refused until
 * the window turns.
 */
const HIT_SQL =
  'INSERT INTO rate_limit_counters (bucket, w1_start, w1_hits, w2_start, w2_hits, packed, expires_at) ' +
  'VALUES (?, ?, 1, ?, 1, LAST_INSERT_ID(4294967297), ?) ON DUPLICATE KEY UPDATE ' +
  'w1_hits = IF(w1_start = ?, w1_hits + 1, 1), w1_start = ?, ' +
  'w2_hits = IF(w2_start = ?, w2_hits + 1, 1), w2_start = ?, ' +
  'packed = LAST_INSERT_ID(w1_hits * 4294967296 + w2_hits), expires_at = ?';

const TWO_POW_32 = 4294967296n;

/**
 * Fixed-window counters in MySQL, exact across any number of processes: the database row is the
 * only counter, so processes together never admit more than the limit.
 */
export class WindowLimiter {
  constructor(
    private readonly pool: mysql.Pool,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit on `bucket` against one or two rules and decides. */
  async hit(bucket: string, rules: readonly WindowRule[]): Promise<RateDecision> {
    if (rules.length < 1 || rules.length > 2) throw new Error('WindowLimiter takes one or two rules');
    const nowSeconds = this.now() / 1000;
    const windows = rules.map((rule) => {
      const start = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
      return { rule, start, end: start + rule.windowSeconds };
    });
    const first = windows[0]!;
    const second = windows[1];
    // A bucket with one window mirrors it in the second slot, so that slot resets too.
    const secondStart = second?.start ?? first.start;
    const expiresAt = Math.max(...windows.map((w) => w.end)) + 60;
    const [result] = await this.pool.execute<mysql.ResultSetHeader>(HIT_SQL, [
      bucket,
      first.start,
      secondStart,
      expiresAt,
      first.start,
      first.start,
      secondStart,
      secondStart,
      expiresAt,
    ]);
    // The pool runs with supportBigNumbers: a packed value above 2^53 arrives as a string.
    const packed = BigInt(result.insertId);
    const counts = [Number(packed / TWO_POW_32), Number(packed % TWO_POW_32)];
    const states = windows.map(
      (w, i): WindowState => ({
        rule: w.rule,
        hits: counts[i]!,
        remaining: Math.max(0, w.rule.limit - counts[i]!),
        resetSeconds: Math.max(1, Math.ceil(w.end - nowSeconds)),
      }),
    );
    const exceeded = states.filter((s) => s.hits > s.rule.limit);
    return {
      allowed: exceeded.length === 0,
      states,
      retryAfterSeconds: exceeded.reduce((max, s) => Math.max(max, s.resetSeconds), 0),
    };
  }

  /** Deletes buckets whose windows all ended; safe to run from several processes. Returns rows removed. */
  async prune(): Promise<number> {
    const [result] = await this.pool.execute<mysql.ResultSetHeader>(
      'DELETE FROM rate_limit_counters WHERE expires_at < ? LIMIT 10000',
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
