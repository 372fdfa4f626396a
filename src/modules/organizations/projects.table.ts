import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, updatedAt } from '../../platform/db/columns.js';

export const PROJECT_STATUSES = ['active', 'on_hold', 'completed', 'archived'] as const;

/** A construction project; imports, webhooks and connections may be scoped to one. */
export const projects = mysqlTable(
  'projects',
  {
    id: id(),
    organizationId: organizationId(),
    name: varchar('name', { length: 255 }).notNull(),
    code: varchar('code', { length: 64 }).notNull(),
    status: mysqlEnum('status', PROJECT_STATUSES).notNull().default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_projects_org_code').on(t.organizationId, t.code)],
);

export type ProjectRow = typeof projects.$inferSelect;
