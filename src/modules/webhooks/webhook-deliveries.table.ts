import { index, int, mysqlEnum, mysqlTable, smallint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event on its way to one endpoint: the unit that is retried. Each attempt is a pg-boss job
 * naming (delivery, attempt); a job runs only if it claims the row in that state, so a job sent
 * twice (after a crash, by the sweeper) delivers once.
 */
export const webhookDeliveries = mysqlTable(
  'webhook_deliveries',
  {
    id: id(),
    organizationId: organizationId(),
    webhookId: ref('webhook_id').notNull(),
    eventId: ref('event_id').notNull(),
    status: mysqlEnum('status', DELIVERY_STATUSES).notNull().default('pending'),
    /** Attempts made so far. */
    attemptCount: smallint('attempt_count', { unsigned: true }).notNull().default(0),
    nextAttemptAt: time('next_attempt_at'),
    /** While `delivering`: after this the attempt is presumed lost with its worker. */
    leaseUntil: time('lease_until'),
    /** Which batch of claims took it, so the claimer reads back exactly the rows it won. */
    claimToken: varchar('claim_token', { length: 24 }),
    lastAttemptAt: time('last_attempt_at'),
    lastStatusCode: int('last_status_code'),
    lastError: varchar('last_error', { length: 500 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('uq_webhook_deliveries_event').on(t.eventId, t.webhookId),
    index('idx_webhook_deliveries_webhook').on(t.webhookId, t.status, t.id),
    index('idx_webhook_deliveries_due').on(t.status, t.nextAttemptAt),
  ],
);

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
