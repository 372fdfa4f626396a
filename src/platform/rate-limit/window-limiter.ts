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
  /** Hits admitted in the current window, across processes, as far as this process knows. */
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
  /** Names of the windows that refused; empty when allowed. */
  refusedBy: string[];
}

export interface WindowLimiterOptions {
  /**
   * Most tokens one process takes from the shared counter at a time. 1 counts every request in
   * the database; larger leases save round trips. Default 50.
   */
  maxLease?: number;
  now?: () => number;
}

/*
 * The shared counter lives in MySQL (rate_limit_counters, one row per bucket, two window
 * slots). A process takes tokens from it in leases: one statement adds n to each window's
 * count and hands both new counts back through LAST_INSERT_ID(expr), packed into one number
 * (first * 2^32 + second), so the claim and the read are one atomic step with no transaction.
 * Of the n claimed, only those below the limit are granted; a count above the limit means the
 * window is spent for every process. The sum of all grants never exceeds the limit, however
 * many processes claim at once.
 *
 * Assignments run left to right and see the values already assigned (MySQL, and MariaDB
 * without SIMULTANEOUS_ASSIGNMENT), which the packed expression relies on.
 */
const CLAIM_SQL =
  'INSERT INTO rate_limit_counters (bucket, w1_start, w1_hits, w2_start, w2_hits, packed, expires_at) ' +
  'VALUES (?, ?, ?, ?, ?, LAST_INSERT_ID(? * 4294967296 + ?), ?) ON DUPLICATE KEY UPDATE ' +
  // Same window: add. A newer window: start it. An older one (this process's clock lags the
  // one that turned the row): leave the row alone.
  'w1_hits = IF(w1_start = ?, w1_hits + ?, IF(w1_start < ?, ?, w1_hits)), ' +
  'w2_hits = IF(w2_start = ?, w2_hits + ?, IF(w2_start < ?, ?, w2_hits)), ' +
  // A lagging claim reads back the largest count, so it is granted nothing.
  'packed = LAST_INSERT_ID(IF(w1_start > ?, 4294967295, w1_hits) * 4294967296 + IF(w2_start > ?, 4294967295, w2_hits)), ' +
  'w1_start = GREATEST(w1_start, ?), w2_start = GREATEST(w2_start, ?), expires_at = GREATEST(expires_at, ?)';

const TWO_POW_32 = 4294967296n;
/** A lease takes at most this share of what is left, so idle processes strand little. */
const LEASE_SHARE = 16;
const MAX_BUCKETS = 50_000;

interface Stock {
  start: number;
  end: number;
  /** Granted to this process and not used yet. */
  tokens: number;
  /** The shared count after this process's last claim. */
  counted: number;
  /** A claim was refused in part: the window is spent for everyone until it turns. */
  spent: boolean;
}

interface BucketState {
  stocks: Stock[];
  claim: Promise<void> | undefined;
}

/**
 * Fixed, clock-aligned windows counted in MySQL and exact across any number of processes:
 * together they never admit more than a limit. Each process leases tokens (at most
 * `maxLease`, and at most 1/16 of what remains) so most requests cost no round trip. The
 * price is that tokens leased by a process that then goes idle are lost for that window;
 * as a window fills, leases shrink to one token.
 */
export class WindowLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly maxLease: number;
  private readonly now: () => number;

  constructor(
    private readonly pool: mysql.Pool,
    options: WindowLimiterOptions = {},
  ) {
    this.maxLease = Math.max(1, Math.floor(options.maxLease ?? 50));
    this.now = options.now ?? Date.now;
  }

  /** Counts one request on `bucket` against one or two rules and decides. */
  async hit(bucket: string, rules: readonly WindowRule[]): Promise<RateDecision> {
    if (rules.length < 1 || rules.length > 2) throw new Error('WindowLimiter takes one or two rules');
    for (;;) {
      const nowSeconds = this.now() / 1000;
      const state = this.stateOf(bucket, rules, nowSeconds);
      const refusedBy = state.stocks.filter((stock) => stock.spent && stock.tokens === 0);
      if (refusedBy.length) return this.decide(false, rules, state, nowSeconds);
      if (state.stocks.every((stock) => stock.tokens > 0)) {
        for (const stock of state.stocks) stock.tokens -= 1;
        return this.decide(true, rules, state, nowSeconds);
      }
      // One claim at a time per bucket in this process; the others wait for it, then retry.
      state.claim ??= this.claim(bucket, rules, state).finally(() => {
        state.claim = undefined;
      });
      await state.claim;
    }
  }

  private stateOf(bucket: string, rules: readonly WindowRule[], nowSeconds: number): BucketState {
    let state = this.buckets.get(bucket);
    if (!state) {
      if (this.buckets.size >= MAX_BUCKETS) this.evict(nowSeconds);
      state = { stocks: [], claim: undefined };
      this.buckets.set(bucket, state);
    }
    state.stocks = rules.map((rule, i) => {
      const start = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
      const stock = state.stocks[i];
      // A window that turned starts empty: its unused tokens belonged to the old window.
      return stock && stock.start === start
        ? stock
        : { start, end: start + rule.windowSeconds, tokens: 0, counted: 0, spent: false };
    });
    return state;
  }

  private async claim(bucket: string, rules: readonly WindowRule[], state: BucketState): Promise<void> {
    const stocks = state.stocks;
    const wants = stocks.map((stock, i) => {
      if (stock.tokens > 0) return 0;
      const left = rules[i]!.limit - stock.counted;
      return Math.max(1, Math.min(this.maxLease, Math.floor(left / LEASE_SHARE)));
    });
    const first = stocks[0]!;
    // A bucket with one window mirrors it in the second slot, claiming nothing there.
    const second = stocks[1] ?? first;
    const want1 = wants[0]!;
    const want2 = stocks[1] ? wants[1]! : 0;
    const expiresAt = Math.max(first.end, second.end) + 60;
    const [result] = await this.pool.execute<mysql.ResultSetHeader>(CLAIM_SQL, [
      bucket,
      first.start,
      want1,
      second.start,
      want2,
      want1,
      want2,
      expiresAt,
      first.start,
      want1,
      first.start,
      want1,
      second.start,
      want2,
      second.start,
      want2,
      first.start,
      second.start,
      first.start,
      second.start,
      expiresAt,
    ]);
    // The pool runs with supportBigNumbers: a packed value above 2^53 arrives as a string.
    const packed = BigInt(result.insertId);
    const counts = [Number(packed / TWO_POW_32), Number(packed % TWO_POW_32)];
    stocks.forEach((stock, i) => {
      const want = wants[i]!;
      const count = counts[i]!;
      const limit = rules[i]!.limit;
      const granted = Math.max(0, Math.min(want, limit - (count - want)));
      stock.tokens += granted;
      stock.counted = count;
      if (granted < want || count >= limit) stock.spent = true;
    });
  }

  private decide(allowed: boolean, rules: readonly WindowRule[], state: BucketState, nowSeconds: number): RateDecision {
    const states = state.stocks.map((stock, i): WindowState => {
      const limit = rules[i]!.limit;
      const hits = Math.min(limit, stock.counted) - stock.tokens;
      return {
        rule: rules[i]!,
        hits,
        remaining: Math.max(0, limit - hits),
        resetSeconds: Math.max(1, Math.ceil(stock.end - nowSeconds)),
      };
    });
    const refusing = allowed ? [] : state.stocks.flatMap((stock, i) => (stock.spent && stock.tokens === 0 ? [{ stock, rule: rules[i]! }] : []));
    return {
      allowed,
      states,
      retryAfterSeconds: refusing.reduce((max, { stock }) => Math.max(max, Math.ceil(stock.end - nowSeconds)), 0),
      refusedBy: refusing.map(({ rule }) => rule.name),
    };
  }

  /** Forgets buckets whose windows all ended; past that, the oldest. */
  private evict(nowSeconds: number): void {
    for (const [bucket, state] of this.buckets) {
      if (!state.claim && state.stocks.every((stock) => stock.end <= nowSeconds)) this.buckets.delete(bucket);
    }
    while (this.buckets.size >= MAX_BUCKETS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }

  /** Deletes counters whose windows all ended; safe to run from several processes. Returns rows removed. */
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
