import { bigint, json, mysqlTable, varchar, index } from 'drizzle-orm/mysql-core';

/**
 * Call timestamps per (caller, field) for graphql-rate-limit's sliding windows. Read and written
 * under a row lock inside one transaction, which makes the library's read-then-write atomic.
 */
export const fieldRateLimits = mysqlTable(
  'field_rate_limits',
  {
    identity: varchar('identity', { length: 255 }).primaryKey(),
    timestamps: json('timestamps').$type<number[]>().notNull(),
    /** Milliseconds since the epoch after which the row may be deleted. */
    expiresAt: bigint('expires_at', { mode: 'number', unsigned: true }).notNull(),
  },
  (t) => [index('idx_field_rate_limits_expires').on(t.expiresAt)],
);
