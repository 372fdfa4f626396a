import { bigint, int, mysqlTable, varchar, index } from 'drizzle-orm/mysql-core';

/**
 * Request counters shared by every server process: one row per bucket (for example
 * `api_key:42`) holding up to two fixed windows (hourly and burst). One
 * `INSERT … ON DUPLICATE KEY UPDATE` counts a hit in both windows and hands both counts back,
 * so concurrent processes never admit more than a limit, at one round trip per request.
 * Operational state, not business data: rows expire and are pruned.
 */
export const rateLimitCounters = mysqlTable(
  'rate_limit_counters',
  {
    bucket: varchar('bucket', { length: 191 }).primaryKey(),
    /** Start of the current first window, seconds since the epoch. */
    w1Start: bigint('w1_start', { mode: 'number', unsigned: true }).notNull(),
    w1Hits: int('w1_hits', { unsigned: true }).notNull(),
    /** Start of the current second window (0 when the bucket has one window). */
    w2Start: bigint('w2_start', { mode: 'number', unsigned: true }).notNull(),
    w2Hits: int('w2_hits', { unsigned: true }).notNull(),
    /** Both counts packed into one number, the vehicle of LAST_INSERT_ID(); see window-limiter.ts. */
    packed: bigint('packed', { mode: 'number', unsigned: true }).notNull(),
    /** Seconds since the epoch after which the row may be deleted. */
    expiresAt: bigint('expires_at', { mode: 'number', unsigned: true }).notNull(),
  },
  (t) => [index('idx_rate_limit_counters_expires').on(t.expiresAt)],
);
