import { boolean, index, int, json, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

/** The spec's webhooks: an endpoint of an organization (optionally one project) and its event types. */
export const webhooks = mysqlTable(
  'webhooks',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    name: varchar('name', { length: 255 }).notNull(),
    url: varchar('url', { length: 1000 }).notNull(),
    events: json('events').$type<string[]>().notNull(),
    secret: varchar('secret', { length: 255 }),
    isActive: boolean('is_active').notNull().default(true),
    lastTriggeredAt: time('last_triggered_at'),
    failureCount: int('failure_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_webhooks_org').on(t.organizationId, t.id)],
);
