import { index, int, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, updatedAt } from '../../platform/db/columns.js';

/** A SCIM Group of an organization; displayName is unique per organization (case-insensitive). */
export const scimGroups = mysqlTable(
  'scim_groups',
  {
    id: id(),
    organizationId: organizationId(),
    displayName: varchar('display_name', { length: 255 }).notNull(),
    externalId: varchar('external_id', { length: 255 }),
    /** Bumped on every write, members included: the resource's version (ETag). */
    version: int('version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('uq_scim_groups_org_display_name').on(t.organizationId, t.displayName),
    index('idx_scim_groups_org_external_id').on(t.organizationId, t.externalId),
  ],
);

export type ScimGroupRow = typeof scimGroups.$inferSelect;
