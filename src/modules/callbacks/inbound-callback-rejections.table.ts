import { index, int, mysqlEnum, mysqlTable, uniqueIndex } from 'drizzle-orm/mysql-core';
import { id, ref, time } from '../../platform/db/columns.js';
import { CALLBACK_PROVIDERS, REJECTION_REASONS } from './callbacks.protocol.js';

/**
 * Refused callbacks, counted rather than stored: one row per (connection, provider, reason,
 * hour), bumped with `INSERT … ON DUPLICATE KEY UPDATE`. Requests naming no known connection
 * count under connection 0 / organization 0, so however many ids an attacker tries, rows grow
 * only with real connections and hours, and old hours are pruned.
 */
export const inboundCallbackRejections = mysqlTable(
  'inbound_callback_rejections',
  {
    id: id(),
    /** The connection's organization; 0 when the request named no known connection. */
    organizationId: ref('organization_id').notNull(),
    connectionId: ref('connection_id').notNull(),
    provider: mysqlEnum('provider', CALLBACK_PROVIDERS).notNull(),
    reason: mysqlEnum('reason', REJECTION_REASONS).notNull(),
    /** Start of the hour counted. */
    windowStart: time('window_start').notNull(),
    count: int('count', { unsigned: true }).notNull().default(0),
    lastAt: time('last_at').notNull(),
  },
  (t) => [
    uniqueIndex('uq_inbound_callback_rejections').on(t.connectionId, t.provider, t.reason, t.windowStart),
    index('idx_inbound_callback_rejections_org').on(t.organizationId, t.windowStart),
  ],
);
