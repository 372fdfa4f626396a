import { boolean, index, int, json, mysqlTable, smallint, text, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';
import { sql } from 'drizzle-orm';

/** The spec's webhook_logs: one row per delivery attempt. */
export const webhookLogs = mysqlTable(
  'webhook_logs',
  {
    id: id(),
    organizationId: organizationId(),
    webhookId: ref('webhook_id').notNull(),
    deliveryId: ref('delivery_id'),
    /** The Standard Webhooks message id sent in `webhook-id`. */
    messageId: varchar('message_id', { length: 40 }),
    event: varchar('event', { length: 100 }).notNull(),
    /** Unused: the payload is kept once, with its event in outbox_events. */
    payload: json('payload').$type<unknown>(),
    attempt: smallint('attempt', { unsigned: true }).notNull().default(1),
    success: boolean('success').notNull().default(false),
    responseStatus: int('response_status'),
    /** The first 2 KB of the receiver's answer. */
    responseBody: text('response_body'),
    durationMs: int('duration_ms'),
    /** Why there was no usable answer: timeout, connection refused, address blocked, … */
    error: varchar('error', { length: 500 }),
    sentAt: time('sent_at')
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    index('idx_webhook').on(t.webhookId),
    index('idx_webhook_logs_org').on(t.organizationId),
    index('idx_webhook_logs_webhook_id').on(t.webhookId, t.id),
  ],
);

export type WebhookLogRow = typeof webhookLogs.$inferSelect;
