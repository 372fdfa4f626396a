import { index, int, json, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';
import { sql } from 'drizzle-orm';

/** The spec's webhook_logs: one row per delivery attempt. */
export const webhookLogs = mysqlTable(
  'webhook_logs',
  {
    id: id(),
    organizationId: organizationId(),
    webhookId: ref('webhook_id').notNull(),
    event: varchar('event', { length: 100 }).notNull(),
    payload: json('payload').$type<unknown>(),
    responseStatus: int('response_status'),
    responseBody: text('response_body'),
    sentAt: time('sent_at')
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index('idx_webhook').on(t.webhookId), index('idx_webhook_logs_org').on(t.organizationId)],
);
