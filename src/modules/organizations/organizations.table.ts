import { mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, updatedAt } from '../../platform/db/columns.js';

/** A tenant. Every business row points at one; no query crosses two. */
export const organizations = mysqlTable(
  'organizations',
  {
    id: id(),
    name: varchar('name', { length: 255 }).notNull(),
    slug: varchar('slug', { length: 100 }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_organizations_slug').on(t.slug)],
);

export type OrganizationRow = typeof organizations.$inferSelect;
