import { bigint, int, mysqlTable, primaryKey, varchar, index } from 'drizzle-orm/mysql-core';

/**
 * Fixed-window request counters shared by every server process. A row is one bucket (for
 * example `key:42:hour`) in one window; it is incremented atomically by
 * `INSERT … ON DUPLICATE KEY UPDATE`, so concurrent processes never admit more than the limit.
 * Operational state, not business data: rows expire and are pruned.
 */
export const rateLimitWindows = mysqlTable(
  'rate_limit_windows',
  {
    bucket: varchar('bucket', { length: 191 }).notNull(),
    /** Window start, seconds since the epoch. */
    windowStart: bigint('window_start', { mode: 'number', unsigned: true }).notNull(),
    hits: int('hits', { unsigned: true }).notNull(),
    /** Seconds since the epoch after which the row may be deleted. */
    expiresAt: bigint('expires_at', { mode: 'number', unsigned: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), index('idx_rate_limit_windows_expires').on(t.expiresAt)],
);
