import { mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';

/** Where the last successful sync of a connection's entity got to, on each side. */
export const integrationCursors = mysqlTable(
  'integration_cursors',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    entityType: varchar('entity_type', { length: 50 }).notNull(),
    /** Remote changes up to this time are in (the changedSince of the next incremental pull). */
    pulledUntil: time('pulled_until'),
    /** Platform changes up to this time were pushed. */
    pushedUntil: time('pushed_until'),
  },
  (t) => [uniqueIndex('uq_integration_cursors').on(t.connectionId, t.entityType)],
);

export type IntegrationCursorRow = typeof integrationCursors.$inferSelect;
