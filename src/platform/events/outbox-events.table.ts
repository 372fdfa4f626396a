import { sql } from 'drizzle-orm';
import { datetime, index, json, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref } from '../db/columns.js';

/**
 * The outbox: every domain event, written in the same transaction as the change that caused it.
 * A relay on the worker fans each event out to the webhooks that subscribe to it and stamps
 * `dispatched_at`; until then the row is the only record that the event must still go out, so
 * a crash between the commit and the queue loses nothing.
 */
export const outboxEvents = mysqlTable(
  'outbox_events',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    /** The Standard Webhooks message id (`msg_` + 27 base62 characters), kept across every retry. */
    messageId: varchar('message_id', { length: 40 }).notNull(),
    eventType: varchar('event_type', { length: 100 }).notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    /** Only this webhook receives the event (test sends); null for every subscriber. */
    targetWebhookId: ref('target_webhook_id'),
    occurredAt: datetime('occurred_at', { mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    dispatchedAt: datetime('dispatched_at', { mode: 'date', fsp: 3 }),
  },
  (t) => [
    uniqueIndex('uq_outbox_events_message').on(t.messageId),
    index('idx_outbox_events_pending').on(t.dispatchedAt, t.id),
    index('idx_outbox_events_org').on(t.organizationId, t.id),
  ],
);

export type OutboxEventRow = typeof outboxEvents.$inferSelect;
